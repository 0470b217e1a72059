import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { builtinLayers, builtinLosses } from '../../src/layers/registry.ts';
import { check } from './runCheck.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('gradstream check', () => {
  it('passes a correct custom layer with a table and exit code 0', async () => {
    const { code, stdout } = await check('test/check/fixtures/swish.ts', '--runs', '5');
    expect(code).toBe(0);
    const [header, rule, row] = stdout.split('\n');
    expect(header).toMatch(/^layer\s+runs\s+worst rel\. error\s+kinks\s+evaluations\s+time\s+verdict$/);
    expect(rule).toMatch(/^─+( +─+){6}$/);
    expect(row).toMatch(/^swish\s+5\s+\S+\s+0\s+\d+\s+\d+\.\d s\s+ok$/);
    expect(stdout).toContain('\n1 spec found in 1 module, 1 checked: 1 passed\n');
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
      // Imported from the spec module, as a path from where the check ran (the repository's root here).
      expect(stdout).toContain(`import { ${name} } from './test/check/mutants.ts'; // ← the module as given, from where the check ran`);
    }
    expect(stdout.match(/the smallest failing case, as a test:/g)).toHaveLength(names.length);
    expect(stdout).toContain('\n9 specs found in 1 module, 9 checked: 0 passed, 9 failed\n');
  });

  it('checks every built-in layer and loss when given no module', async () => {
    const { code, stdout } = await check('--runs', '1', '--mode', 'fast', '--seed', '1');
    expect(code, stdout).toBe(0);
    for (const { name } of [...builtinLayers, ...builtinLosses]) expect(stdout).toMatch(new RegExp(`^ *${name}\\s.*ok$`, 'm'));
    const count = builtinLayers.length + builtinLosses.length;
    expect(stdout).toContain(`\n${count} specs found among the built-ins, ${count} checked: ${count} passed\n`);
  });

  it('counts every spec found and checked across modules', async () => {
    const { code, stdout } = await check('test/check/fixtures/swish.ts', 'test/check/mutants.ts', '--runs', '3');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^ *swish\s.*ok$/m);
    expect(stdout).toContain('\n10 specs found in 2 modules, 10 checked: 1 passed, 9 failed\n');
  });

  it('prints a module’s own load error; exit 2 when nothing loads, 1 when another module was checked', async () => {
    const alone = await check('test/check/fixtures/brokenModule.ts');
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('check: test/check/fixtures/brokenModule.ts failed to load:');
    expect(alone.stderr).toContain('this module is broken on purpose');
    expect(alone.stdout).toBe('\n0 specs found, 0 checked; 1 module did not load\n');

    const beside = await check('test/check/fixtures/brokenModule.ts', 'test/check/fixtures/swish.ts', '--runs', '2');
    expect(beside.code).toBe(1);
    expect(beside.stderr).toContain('this module is broken on purpose');
    expect(beside.stdout).toMatch(/^swish\s.*ok$/m);
    expect(beside.stdout).toContain('\n1 spec found in 1 module, 1 checked: 1 passed; 1 module did not load\n');
  });

  it('a module that exports no spec exits 2 and says what it exports', async () => {
    const { code, stdout, stderr } = await check('test/check/fixtures/noSpecs.ts');
    expect(code).toBe(2);
    expect(stderr).toBe('check: test/check/fixtures/noSpecs.ts exports no LayerSpec ({ name, make, features }) or LossSpec ({ name, make, features, target }); its exports: answer (42)\n');
    expect(stdout).toContain('0 specs found in 1 module, 0 checked; 1 module with no spec');
  });

  it.each([
    [['nope.ts'], 'check: no such file: nope.ts'],
    [['--runs', '0'], 'check: --runs expects an integer ≥ 1, got "0"'],
    [['--mode', 'slow'], 'check: --mode expects full or fast, got "slow"'],
    [['--seed', 'x'], 'check: --seed expects an integer, got "x"'],
    [['--colour'], 'check: unknown option --colour'],
    [['--timeout', '0'], 'check: --timeout expects a number from 0.1 to 86400, got "0"'],
    [['--memory', '8'], 'check: --memory expects an integer ≥ 16, got "8"'],
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
    expect(failing.stdout).toContain('9 specs found in 1 module, 9 checked: 0 passed, 9 failed');
  });
});
