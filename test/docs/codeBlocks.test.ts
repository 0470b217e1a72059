/**
 * Every ```ts block of the documentation (README.md, docs/*.md, bench/README.md,
 * CONTRIBUTING.md, CHANGELOG.md) type-checks against the source, with `gradstream`,
 * `gradstream/kernels` and `gradstream/vitest` mapped to src/; the blocks marked `<!-- run -->`
 * are whole programs, run with tsx in a child process, and must exit 0 within a time limit.
 * A block that is a fragment says what it assumes in code (`declare const batches: Batch[];`).
 * Failures name the page and the line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { runTs } from '../reliability/fixtures/child.ts';
import { typescriptLanguages, writeBlockWorkspace, type WrittenBlock } from './blockWorkspace.ts';
import { fencedBlocks, runMarker } from './fences.ts';
import { documentationPages, root } from './pages.ts';
import { typeCheck, type TypeCheckResult } from './typeCheck.ts';

/** How long a runnable block may run before it is killed and fails. */
const runLimitMs = 60_000;

const pages = documentationPages();
const workspace = writeBlockWorkspace(pages);
afterAll(() => rmSync(workspace.folder, { recursive: true, force: true }));
if (workspace.unmapped.length > 0) {
  console.warn(`docs code blocks: ${workspace.unmapped.join(', ')} not mapped, its source file does not exist; blocks that import it fail`);
}

let checked: TypeCheckResult;
beforeAll(() => {
  checked = typeCheck(workspace.tsconfig);
});

/** `docs/runtime.md:171`: where the block's fence is. */
const where = (written: WrittenBlock) => `${written.page}:${written.block.fenceLine}`;

describe('every TypeScript block type-checks', () => {
  it.each(workspace.blocks.map((written) => [where(written), written] as const))('%s', (_, written) => {
    const errors = checked.errors
      .filter((error) => error.file === written.file)
      .map((error) => `${written.page}:${written.block.fenceLine + error.line}:${error.column}: ${error.message}`);
    expect(errors, `the block at ${where(written)}:\n${written.block.code}`).toEqual([]);
  });

  it('and the compiler finds nothing wrong elsewhere (the source, the configuration)', () => {
    const blockFiles = new Set(workspace.blocks.map((written) => written.file));
    const elsewhere = checked.errors
      .filter((error) => !blockFiles.has(error.file))
      .map((error) => `${relative(root, error.file)}:${error.line}:${error.column}: ${error.message}`);
    expect([...elsewhere, ...(checked.otherOutput ? [checked.otherOutput] : [])]).toEqual([]);
  });
});

describe('every block marked <!-- run --> runs to exit 0', () => {
  it('every marker stands just before a TypeScript block', () => {
    // A marker before a ```sh block, or a stray one, would otherwise be silently ignored.
    const isMarker = (line: string) => line.trim() === runMarker;
    for (const page of pages) {
      const blocks = fencedBlocks(page.text);
      const insideBlocks = blocks.reduce((count, block) => count + block.code.split('\n').filter(isMarker).length, 0);
      const markers = page.text.split('\n').filter(isMarker).length - insideBlocks;
      const marked = blocks.filter((block) => block.runnable);
      expect(marked.filter((block) => !typescriptLanguages.has(block.language)).map((block) => `${page.path}:${block.fenceLine} is \`\`\`${block.language}`)).toEqual([]);
      expect(marked.length, `${page.path}: ${markers} markers, ${marked.length} of them just before a block`).toBe(markers);
    }
  });

  it.each(workspace.blocks.filter((written) => written.block.runnable).map((written) => [where(written), written] as const))('%s', async (_, written) => {
    const child = await runTs(written.file, [], { cwd: dirname(written.file), env: { TSX_TSCONFIG_PATH: workspace.tsconfig }, timeoutMs: runLimitMs });
    const ending = child.signal ? `was killed (${child.signal}) after ${runLimitMs / 1000} s` : `exited ${child.code}`;
    expect(child.code, `the block at ${where(written)} ${ending}\n--- stdout\n${child.stdout}\n--- stderr\n${child.stderr}`).toBe(0);
  }, runLimitMs + 30_000);
});
