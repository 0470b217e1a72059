import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import { builtinLayers, builtinLosses } from '../../src/layers/registry.ts';
import { capture } from '../capture.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function check(...args: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await main(['check', ...args], { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('gradstream check', () => {
  it('passes a correct custom layer with a table and exit code 0', async () => {
    const { code, stdout } = await check('test/check/fixtures/swish.ts', '--runs', '5');
    expect(code).toBe(0);
    const [header, rule, row] = stdout.split('\n');
    expect(header).toMatch(/^layer\s+runs\s+worst rel\. error\s+kinks\s+evaluations\s+time\s+verdict$/);
    expect(rule).toMatch(/^─+( +─+){6}$/);
    expect(row).toMatch(/^swish\s+5\s+\S+\s+0\s+\d+\s+\d+\.\d s\s+ok$/);
    expect(stdout).toContain('1 of 1 passed');
  });

  it('fails every mutant with exit code 1 and prints each shrunk counterexample', async () => {
    const { code, stdout } = await check('test/check/mutants.ts', '--runs', '20');
    expect(code).toBe(1);
    const names = ['wrongSign', 'transposedWeightGradient', 'biasFromFirstRow', 'sigmoidDerivativeAtOutput', 'eluWrongForNegatives',
      'offByRelative1e5', 'forwardModifiesInput', 'forgetsParameter', 'primerLossGradient'];
    for (const name of names) {
      expect(stdout).toMatch(new RegExp(`^ *${name}\\s.*FAILED$`, 'm'));
      expect(stdout).toMatch(new RegExp(`^${name}: FAILED after \\d+ runs?, shrunk \\d+ times? \\(seed -?\\d+, path "[\\d:]+"\\)$`, 'm'));
      expect(stdout).toContain(`= ${name}.make();`);
    }
    expect(stdout.match(/the smallest failing case, as a test:/g)).toHaveLength(names.length);
    expect(stdout).toContain('0 of 9 passed');
  });

  it('checks every built-in layer and loss when given no module', async () => {
    const { code, stdout } = await check('--runs', '1', '--mode', 'fast', '--seed', '1');
    expect(code, stdout).toBe(0);
    for (const { name } of [...builtinLayers, ...builtinLosses]) expect(stdout).toMatch(new RegExp(`^ *${name}\\s.*ok$`, 'm'));
    expect(stdout).toContain(`${builtinLayers.length + builtinLosses.length} of ${builtinLayers.length + builtinLosses.length} passed`);
  });

  it('prints a module’s own load error and exits 1', async () => {
    const { code, stderr } = await check('test/check/fixtures/brokenModule.ts');
    expect(code).toBe(1);
    expect(stderr).toContain('check: test/check/fixtures/brokenModule.ts failed to load:');
    expect(stderr).toContain('this module is broken on purpose');
  });

  it.each([
    [['nope.ts'], 'check: no such file: nope.ts'],
    [['test/check/fixtures/noSpecs.ts'], 'check: test/check/fixtures/noSpecs.ts exports no LayerSpec'],
    [['--runs', '0'], 'check: --runs expects an integer ≥ 1, got "0"'],
    [['--mode', 'slow'], 'check: --mode expects full or fast, got "slow"'],
    [['--seed', 'x'], 'check: --seed expects an integer, got "x"'],
    [['--colour'], 'check: unknown option --colour'],
  ])('exits 2 with the usage for %j', async (args, message) => {
    const { code, stderr } = await check(...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain('usage: gradstream check [module.ts …]');
  });

  it('runs as a real command: exit codes 0 and 1 from a child process', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'check', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const passing = run('test/check/fixtures/swish.ts', '--runs', '3');
    expect(passing.status, passing.stderr).toBe(0);
    expect(passing.stdout).toMatch(/^swish\s.*ok$/m);
    const failing = run('test/check/mutants.ts', '--runs', '3');
    expect(failing.status, failing.stderr).toBe(1);
    expect(failing.stdout).toContain('0 of 9 passed');
  });
});
