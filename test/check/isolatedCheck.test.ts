/**
 * `gradstream check` runs each module and each spec in a worker with a time and a memory limit:
 * whatever a spec module does, the run ends, says what happened to which spec, and never exits
 * 0 for something it did not check. Time limits here are short so that the hangs cost little.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check } from './runCheck.ts';

const fixtures = 'test/check/fixtures';
const scratch = mkdtempSync(join(tmpdir(), 'gradstream-check-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A project with its own install of gradstream, reduced to what the case needs: the real
 * tensor module (its own Tensor class, and the kernels' check that refuses any other) and a
 * relu built on it. Its spec module imports `gradstream` and gets that copy.
 */
function projectWithSecondCopy(): string {
  const project = join(scratch, 'project');
  const copy = join(project, 'node_modules', 'gradstream');
  mkdirSync(copy, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(copy, 'package.json'), JSON.stringify({ name: 'gradstream', type: 'module', exports: './index.ts' }));
  copyFileSync(fileURLToPath(new URL('../../src/tensor/tensor.ts', import.meta.url)), join(copy, 'tensor.ts'));
  writeFileSync(
    join(copy, 'index.ts'),
    [
      "import { Tensor, assertTensor } from './tensor.ts';",
      'export const relu = () => ({',
      "  name: 'relu',",
      '  params: {},',
      '  forward(x: Tensor) {',
      "    assertTensor(x, 'relu.forward: x');",
      '    const y = new Tensor(x.data.map((v) => Math.max(0, v)), x.shape);',
      '    return { y, backward: (dy: Tensor) => ({ dx: new Tensor(dy.data.map((g, i) => (x.data[i]! > 0 ? g : 0)), dy.shape), dParams: {} }) };',
      '  },',
      '});',
    ].join('\n'),
  );
  writeFileSync(join(project, 'specs.mjs'), "import { relu } from 'gradstream';\nexport const reluSpec = { name: 'relu', make: () => relu(), features: [3] };\n");
  return project;
}

describe('gradstream check, isolated', () => {
  it('a forward that never returns times out, and a make() that calls process.exit ends only its own check: the others in the module are checked', async () => {
    const { code, stdout } = await check(`${fixtures}/mixed.ts`, '--runs', '3', '--timeout', '3');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^swish-first \(swish\)\s.*ok$/m);
    expect(stdout).toMatch(/^ *spinning\s+—\s+—\s+—\s+—\s+\d+\.\d s\s+TIMED OUT$/m);
    expect(stdout).toMatch(/^ *swish-last \(swish\)\s.*ok$/m);
    expect(stdout).toContain(`spinning: not checked (hanging in ${fixtures}/mixed.ts): it did not finish within 3 s (--timeout): a forward or backward that never returns`);
    expect(stdout).toMatch(/^ *quitting\s.*EXITED$/m);
    expect(stdout).toContain(`quitting: not checked (quitting in ${fixtures}/mixed.ts): it called process.exit(0) while being checked`);
    expect(stdout).toContain('\n4 specs found in 1 module, 2 checked: 2 passed; 2 not checked\n');
  });

  it('a top-level await that never settles is reported at once, not passed: exit 2 when nothing loads', async () => {
    const { code, stdout, stderr } = await check(`${fixtures}/neverSettles.ts`, '--timeout', '600');
    expect(code).toBe(2);
    expect(stderr).toBe(`check: ${fixtures}/neverSettles.ts never finished loading: its top-level await waits on a promise that nothing settles (nothing was left to run)\n`);
    expect(stdout).toBe('\n0 specs found, 0 checked; 1 module did not load\n');
  });

  it('a module that calls process.exit(0) or process.exit(1) while loading is a failure that says so; the others are still checked', async () => {
    const { code, stdout, stderr } = await check(`${fixtures}/exitsWithZero.ts`, `${fixtures}/exitsWithOne.ts`, `${fixtures}/swish.ts`, '--runs', '2');
    expect(code).toBe(1);
    expect(stderr).toContain(`check: ${fixtures}/exitsWithZero.ts called process.exit(0) while loading; a spec module must not end the process`);
    expect(stderr).toContain(`check: ${fixtures}/exitsWithOne.ts called process.exit(1) while loading; a spec module must not end the process`);
    expect(stdout).toMatch(/^swish\s.*ok$/m);
    expect(stdout).toContain('\n1 spec found in 1 module, 1 checked: 1 passed; 2 modules did not load\n');
  });

  it('a spec that allocates without bound runs out of its worker’s memory, and says so', async () => {
    const { code, stdout } = await check(`${fixtures}/allocatesForever.ts`, '--memory', '64', '--runs', '1');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^hoarding\s.*OUT OF MEMORY$/m);
    expect(stdout).toContain(`hoarding: not checked (hoardingSpec in ${fixtures}/allocatesForever.ts): it ran out of memory while being checked: the worker's heap passed its limit of 64 MB (--memory)`);
  });

  it('features that are negative, fractional, zero or too large for the memory are named per spec; the valid one is checked', async () => {
    const { code, stdout } = await check(`${fixtures}/badFeatures.ts`, '--runs', '2', '--memory', '512');
    expect(code).toBe(1);
    const notChecked = (name: string, index: number) => `${name}: not checked (specs[${index}] in ${fixtures}/badFeatures.ts): `;
    expect(stdout).toContain(`${notChecked('negative', 0)}features [-1]: entry 0 is -1, not a positive integer`);
    expect(stdout).toContain(`${notChecked('fractional', 1)}features [2.5]: entry 0 is 2.5, not a positive integer`);
    expect(stdout).toContain(`${notChecked('empty', 2)}features [4, 0]: entry 1 is 0, which leaves nothing to compare`);
    // 512 MB at 16 KiB per number: 32768 numbers per sample.
    expect(stdout).toContain(`${notChecked('huge', 3)}features [10000000] hold 10000000 numbers per sample, more than the 32768 that --memory 512 (MB) allows`);
    for (const name of ['negative', 'fractional', 'empty', 'huge']) expect(stdout).toMatch(new RegExp(`^ *${name}\\s.*INVALID$`, 'm'));
    expect(stdout).toMatch(/^ *fine \(swish\)\s.*ok$/m);
    expect(stdout).toContain('\n5 specs found in 1 module, 1 checked: 1 passed; 4 not checked\n');
  });

  it('a spec module in a CommonJS folder, written with import or with require, gets the same gradstream as the check', async () => {
    const { code, stdout } = await check(`${fixtures}/commonjs/esmSyntax.js`, `${fixtures}/commonjs/requireSyntax.js`, '--runs', '3');
    expect(stdout.match(/^ *relu\s.*ok$/gm)).toHaveLength(2);
    expect(stdout).toContain('\n2 specs found in 2 modules, 2 checked: 2 passed\n');
    expect(code).toBe(0);
  });

  it('a spec module whose folder has its own install of gradstream is told so, with where that copy is', async () => {
    const project = projectWithSecondCopy();
    const { code, stdout } = await check(join(project, 'specs.mjs'), '--runs', '2');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^ *relu\s.*SECOND COPY$/m);
    expect(stdout).toContain(
      `relu: not checked (reluSpec in ${join(project, 'specs.mjs')}): the spec module loaded a second copy of gradstream from ${join(project, 'node_modules', 'gradstream', 'index.ts')}; its Tensor is not this gradstream's`,
    );
    expect(stdout).toMatch(/^ {2}the check saw: .*TypeError: relu\.forward: x: expected a Tensor, got an object \(Tensor\)$/m);
    expect(stdout).toContain('\n1 spec found in 1 module, 0 checked; 1 not checked\n');
  });

  it('TypeScript in CommonJS form is refused with what to do, since tsx would make it a second copy of gradstream', async () => {
    const commonJsTypeScript = join(scratch, 'specs.cts');
    writeFileSync(commonJsTypeScript, 'export {};\n');
    const { code, stderr } = await check(commonJsTypeScript);
    expect(code).toBe(2);
    expect(stderr).toContain(`check: ${commonJsTypeScript} cannot be loaded: it is TypeScript in CommonJS form`);
    expect(stderr).toContain('name it .mts, or add "type": "module" to its package.json');
  });
});
