/**
 * `--version`, `--help` and each command's `--help`: printed on stdout, exit 0, every option
 * listed (a scenario's own too); and a few of them through the real binary in a child process.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { cli } from './inProcess.ts';
import { commands } from '../../src/cli/commands.ts';
import { runnerOptions } from '../../src/cli/commands/runArguments.ts';
import { scenarios } from '../../src/scenarios/index.ts';
import { root, runTs } from '../reliability/fixtures/child.ts';

const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string };

/** The option names a usage text lists (`--seed N` → seed). */
const listedOptions = (usage: string) => [...usage.matchAll(/^ {2}(?:-\w, )?--([\w-]+)/gm)].map((match) => match[1]);

describe('--version and --help', () => {
  it.each([['--version'], ['-v']])('%s prints the version in package.json and exits 0', async (flag) => {
    expect(await cli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it.each([['--help'], ['-h'], ['help']])('%s lists every command and exits 0', async (flag) => {
    const { code, stdout, stderr } = await cli([flag]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^usage: gradstream <command> \[arguments\]$/m);
    for (const command of commands) expect(stdout).toMatch(new RegExp(`^ {2}${command.name} +${command.summary.replace(/[()|.*+?[\]\\^$]/g, '\\$&')}$`, 'm'));
  });

  it.each(commands.map((command) => [command.name]))('%s --help (and -h, and help %s) prints every option of the command and exits 0', async (name) => {
    const help = await cli([name, '--help']);
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(new RegExp(`^usage: gradstream ${name} `));
    expect(listedOptions(help.stdout)).toContain('help');
    expect(await cli([name, '-h'])).toEqual(help);
    expect(await cli(['help', name])).toEqual(help);
  });

  it('run --help lists the runner options and every scenario', async () => {
    const { stdout } = await cli(['run', '--help']);
    expect(listedOptions(stdout)).toEqual([...Object.keys(runnerOptions), 'help']);
    for (const scenario of scenarios) expect(stdout).toMatch(new RegExp(`^ {2}${scenario.name} +\\S`, 'm'));
  });

  it.each(scenarios.map((scenario) => [scenario.name, scenario] as const))('run %s --help adds the scenario\'s own options', async (name, scenario) => {
    const { code, stdout } = await cli(['run', name, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`options of ${name}:`);
    expect(listedOptions(stdout)).toEqual([...Object.keys(runnerOptions), 'help', ...Object.keys(scenario.options ?? {})]);
  });

  it('help wins over other arguments, even wrong ones', async () => {
    const { code, stdout } = await cli(['run', 'xor', '--steps', '0', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--steps N');
  });

  it('an unknown option before any command exits 2 with the usage', async () => {
    const { code, stderr } = await cli(['--verbose']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^gradstream: unknown option --verbose\n\nusage: gradstream <command>/);
  });
});

describe('the real binary', () => {
  it('--version, run xor --help, and a usage error with no stack trace', async () => {
    const [shown, help, refused] = await Promise.all([
      runTs('src/cli/main.ts', ['--version']),
      runTs('src/cli/main.ts', ['run', 'xor', '--help']),
      runTs('src/cli/main.ts', ['run', 'xor', '--steps', '0']),
    ]);
    expect(shown).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}--steps N +training steps/m);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^run: --steps expects an integer ≥ 1, got "0"\n\nusage: gradstream run /);
    expect(refused.stderr).not.toMatch(/^\s+at /m);
  });
});
