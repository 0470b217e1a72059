import { describe, expect, it } from 'vitest';
import { fencedBlocks } from './fences.ts';

describe('fencedBlocks', () => {
  it('finds each block with its language, fence line and text', () => {
    const page = ['# Title', '', '```ts', 'const a = 1;', '```', 'prose', '```', 'output', '```', ''].join('\n');
    expect(fencedBlocks(page)).toEqual([
      { language: 'ts', fenceLine: 3, code: 'const a = 1;\n', runnable: false, fileName: undefined },
      { language: '', fenceLine: 7, code: 'output\n', runnable: false, fileName: undefined },
    ]);
  });

  it('marks a block runnable only when <!-- run --> is the last non-blank line before its fence', () => {
    const page = ['<!-- run -->', '', '```ts', 'a;', '```', '<!-- run -->', 'prose between', '```ts', 'b;', '```'].join('\n');
    expect(fencedBlocks(page).map((block) => block.runnable)).toEqual([true, false]);
  });

  it('takes a file name from a first-line comment', () => {
    const page = ['```ts', '// swish.ts: y = x·σ(x)', '```', '```ts', '// swish.test.ts', '```', '```ts', '// a comment', '```'].join('\n');
    expect(fencedBlocks(page).map((block) => block.fileName)).toEqual(['swish.ts', 'swish.test.ts', undefined]);
  });

  it('removes the indentation of a fence inside a list item, and only that much', () => {
    const page = ['1. An item:', '   ```ts', '   if (a) {', '     b();', '   }', '   ```'].join('\n');
    expect(fencedBlocks(page)[0]!.code).toBe('if (a) {\n  b();\n}\n');
  });

  it('closes a fence only with the same character, at least as long', () => {
    const page = ['````md', '```ts', 'inner', '```', '````', '~~~', '```', '~~~'].join('\n');
    expect(fencedBlocks(page).map((block) => [block.language, block.code])).toEqual([
      ['md', '```ts\ninner\n```\n'],
      ['', '```\n'],
    ]);
  });

  it('runs an unclosed fence to the end of the page', () => {
    expect(fencedBlocks('```sh\nnpm test\n')).toEqual([{ language: 'sh', fenceLine: 1, code: 'npm test\n\n', runnable: false, fileName: undefined }]);
  });
});
