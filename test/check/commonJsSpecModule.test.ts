/**
 * CommonJS spec modules as the installed command loads them: with `import()`, no require.
 * Node then names only the exports its static scan of the source finds (`exports.a = …`,
 * `module.exports = { a, b }`), not those of `module.exports = { squareSpec: { … } }`, the
 * plainest way to write a spec module by hand; the check must find the specs there too, as
 * `require` would give them. The modules load in a child process (fixtures/listSpecExports.ts),
 * since vitest's own loader names every key of a CommonJS module.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTs } from '../reliability/fixtures/child.ts';

const scratch = mkdtempSync(join(tmpdir(), 'gradstream-cjs-specs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The modules, each with what loading it must give: its export names and its specs (`source: name`). */
const modules = {
  'objectLiteral.cjs': {
    source: "module.exports = { squareSpec: { name: 'square', make: () => null, features: [4] }, specs: [{ name: 'cube', make: () => null, features: [2] }], helper: 1 };\n",
    expected: { exports: ['default', 'helper', 'specs', 'squareSpec'], specs: ['squareSpec: square', 'specs[0]: cube'] },
  },
  'named.cjs': {
    source: "exports.reluSpec = { name: 'relu', make: () => null, features: [3] };\n",
    expected: { exports: ['default', 'reluSpec'], specs: ['reluSpec: relu'] },
  },
  'whole.cjs': {
    source: "module.exports = { name: 'tanh', make: () => null, features: [3] };\n",
    expected: { exports: ['default', 'features', 'make', 'name'], specs: ['default: tanh'] },
  },
  'esm.mjs': {
    source: "export default { squareSpec: { name: 'square', make: () => null, features: [4] } };\n",
    expected: { exports: ['default'], specs: [] },
  },
} as const;

const loaded = new Map<string, unknown>();
beforeAll(async () => {
  const files = Object.entries(modules).map(([name, { source }]) => {
    writeFileSync(join(scratch, name), source);
    return join(scratch, name);
  });
  const { code, stdout, stderr } = await runTs(join(import.meta.dirname, 'fixtures/listSpecExports.ts'), files);
  expect(code, stderr).toBe(0);
  stdout.trim().split('\n').forEach((line, i) => loaded.set(Object.keys(modules)[i]!, JSON.parse(line)));
}, 60_000);

describe('a spec module loaded as the installed command loads it', () => {
  it('CommonJS, module.exports = { name: { … } }: every key, specs found (Node names none of them)', () => {
    expect(loaded.get('objectLiteral.cjs')).toEqual(modules['objectLiteral.cjs'].expected);
  });

  it('CommonJS, exports.name = …: each spec once, though Node names it too', () => {
    expect(loaded.get('named.cjs')).toEqual(modules['named.cjs'].expected);
  });

  it('CommonJS, a spec as module.exports itself: found as default', () => {
    expect(loaded.get('whole.cjs')).toEqual(modules['whole.cjs'].expected);
  });

  it('an ES module as it is: its default export stays one export', () => {
    expect(loaded.get('esm.mjs')).toEqual(modules['esm.mjs'].expected);
  });
});
