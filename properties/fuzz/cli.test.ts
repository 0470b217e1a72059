/**
 * The command line, fuzzed in process. Drawn argument lists for each command (its own
 * options with wrong and edge values, unknown options, stray positionals, empty strings,
 * huge numbers, control characters, paths that exist, are files or are missing) go through
 * `main` with the real parsing, validation, help and error reporting, but with each command's
 * work replaced by a recorder: a draw that happens to be valid is recorded, not run, so no
 * training starts, no server listens and no file is written, and a run takes milliseconds.
 * (`parse` starts, writes and creates nothing by contract; the property checks that too.)
 * A second property throws drawn errors from a command's work, to fuzz the reporting.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commands } from '../../src/cli/commands.ts';
import { UsageError, type Command } from '../../src/cli/command.ts';
import { packageVersion } from '../../src/packageVersion.ts';
import type { RunInvocation } from '../../src/cli/commands/runArguments.ts';
import { scenarios } from '../../src/scenarios/index.ts';
import { CheckpointError } from '../../src/checkpoint/errors.ts';
import { MissingPackageError } from '../../src/data/optionalPackage.ts';
import { cli, rawControl, stackFrame } from '../../test/cli/inProcess.ts';
import { propertyRuns } from '../../test/setup/propertyRuns.ts';

const numRuns = propertyRuns(300);

const scratch = mkdtempSync(join(tmpdir(), 'gradstream-cli-fuzz-'));
const aFile = join(scratch, 'a-file');
writeFileSync(aFile, '');
beforeAll(() => { vi.stubEnv('GRADSTREAM_DEBUG', ''); });
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(scratch, { recursive: true, force: true });
});

/** Text with control characters in it: ESC, NUL, BEL, DEL, CSI (U+009B), a right-to-left override, newline. */
const controlText = fc.string({ unit: fc.constantFrom('\u001b', '\u0000', '\u0007', '\u007f', '\u009b', '\u202e', '\n', '\t', 'a', '[', '2', 'J', '-', '.'), maxLength: 8 });

/** Values for options: right, wrong and edge ones of every type. */
const values: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '1', '2', '-1', '-5', '1.5', '.5', '1e3', '0x10', ' 5', '+5', '-0', '007', 'abc', '', '65535', '65536', '4294967295', '4294967296',
    '9007199254740991', '9007199254740993', '99999999999999999999', 'Infinity', 'NaN', 'full', 'fast', 'stop', 'continue',
    'localhost', '127.0.0.1', '::1', '[::1]', 'bad host!', '300.1.1.1', '-', '--', '-x', '--quick', '--help'),
  fc.constantFrom(scratch, aFile, join(scratch, 'missing', 'run.jsonl'), join(aFile, 'x.jsonl'), join(scratch, 'new.jsonl'), join(scratch, 'checkpoints')),
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  controlText,
);

/** Options a command does not have. */
const unknownOptions = fc.oneof(
  fc.constantFrom('--bogus', '-x', '-hx', '--no-quick', '---', '--=x', '--help=1', '-', '--constructor', '--__proto__'),
  fc.string({ maxLength: 8 }).map((name) => `--${name}`),
  controlText.map((name) => `--${name}`),
);

/** The options a usage text lists, and whether each takes a value: what every command's own `--help` says. */
function listedOptions(usage: string): { name: string; takesValue: boolean }[] {
  return [...usage.matchAll(/^ {2}(?:-\w, )?--([\w-]+)( \S+)?/gm)].map((match) => ({ name: match[1]!, takesValue: match[2] !== undefined }));
}

/** Each command's options, read from its help; for `run <scenario>`, under `run <scenario>`, with the scenario's own. */
const optionsOf = new Map([
  ...commands.map((command) => [command.name, listedOptions(command.usage([]))] as const),
  ...scenarios.map((scenario) => [`run ${scenario.name}`, listedOptions(commands.find((c) => c.name === 'run')!.usage([scenario.name]))] as const),
].map(([key, options]) => [key, options.filter((option) => option.name !== 'help')]));

/** Positional arguments each command might be given. */
const positionals = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...scenarios.map((s) => s.name), 'test/check/fixtures/swish.ts', 'nope.ts', 'run.jsonl', 'src') },
  { weight: 1, arbitrary: values },
);

/** One argument, or an option with its value, for `command` (a key of {@link optionsOf}). */
function argumentFor(command: string): fc.Arbitrary<string[]> {
  const own = optionsOf.get(command) ?? [];
  const alone = (arbitrary: fc.Arbitrary<string>) => arbitrary.map((arg): string[] => [arg]);
  const known: fc.Arbitrary<string[]> = own.length === 0 ? alone(fc.constant('--help')) : fc.constantFrom(...own).chain((option) => option.takesValue
    ? fc.oneof(values.map((value) => [`--${option.name}`, value]), alone(values.map((value) => `--${option.name}=${value}`)), alone(fc.constant(`--${option.name}`)))
    : fc.oneof({ weight: 4, arbitrary: alone(fc.constant(`--${option.name}`)) }, { weight: 1, arbitrary: alone(values.map((value) => `--${option.name}=${value}`)) }));
  return fc.oneof(
    { weight: 20, arbitrary: known },
    { weight: 3, arbitrary: alone(unknownOptions) },
    { weight: 6, arbitrary: alone(positionals) },
    { weight: 1, arbitrary: alone(fc.constant('--')) },
    { weight: 1, arbitrary: alone(fc.constantFrom('--help', '-h')) },
  );
}

/** A whole command line: mostly a command and its arguments (`run` mostly with a scenario first); sometimes no command, a top-level flag or junk first. */
const commandLines: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...commands.map((c) => c.name)).chain((name) => fc.array(argumentFor(name), { maxLength: 6 }).map((parts) => [name, ...parts.flat()])) },
  { weight: 6, arbitrary: fc.constantFrom(...scenarios.map((s) => s.name)).chain((name) => fc.array(argumentFor(`run ${name}`), { maxLength: 5 }).map((parts) => ['run', name, ...parts.flat()])) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('--version', '-v', '--help', '-h', 'help', '', 'frobnicate', '--bogus'), fc.array(values, { maxLength: 2 })).map(([first, rest]) => [first, ...rest]) },
  { weight: 1, arbitrary: fc.array(values, { maxLength: 3 }) },
);

/** An error's first line names where it happened: the program or one of its commands. */
const whereFirst = new RegExp(`^(gradstream|${commands.map((command) => command.name).join('|')}): \\S`);

it('any command line exits 0 or 2 with no stack trace and no raw control character; every exit 2 prints a usage; parsing creates nothing', async () => {
  const version = packageVersion();
  const executed: unknown[] = [];
  // The real commands, each one's work replaced by a recorder.
  const parsingOnly: Command[] = commands.map((command) => ({ ...command, execute: async (invocation: unknown) => { executed.push(invocation); return 0; } }));
  const before = readdirSync(scratch).sort();
  await fc.assert(fc.asyncProperty(commandLines, async (args) => {
    executed.length = 0;
    const { code, stdout, stderr } = await cli(args, parsingOnly);
    const written = stdout + stderr;
    expect([0, 2], `exit ${code}: ${stderr}`).toContain(code);
    expect(written).not.toMatch(stackFrame);
    expect(written).not.toMatch(rawControl);
    if (code === 2) {
      expect(executed).toEqual([]);
      // Where, then what: `run: --steps expects …`, then the usage.
      expect(stderr).toMatch(whereFirst);
      expect(stderr).toMatch(/^usage: gradstream /m);
      return;
    }
    expect(executed.length === 1 || stdout.startsWith('usage: gradstream ') || stdout === `${version}\n`, stdout).toBe(true);
    const invocation = executed[0] as RunInvocation | undefined;
    if (args[0] === 'run' && invocation && !invocation.list) {
      // What `run` accepted is what its types accept.
      expect(Number.isSafeInteger(invocation.seed) && invocation.seed >= 0 && invocation.seed <= 2 ** 32 - 1).toBe(true);
      expect(Number.isSafeInteger(invocation.checkpointEvery) && invocation.checkpointEvery >= 1).toBe(true);
      for (const [name, given] of Object.entries(invocation.scenarioOptions)) {
        const spec = invocation.scenario.options?.[name];
        if (spec?.kind === 'value') expect(() => spec.type.parse(String(given))).not.toThrow();
      }
    }
  }), { numRuns });
  expect(readdirSync(scratch).sort()).toEqual(before);
});

/** Errors a command's work might throw: system errors with odd paths and addresses, the CLI's known errors, bugs, non-errors. */
const thrown: fc.Arbitrary<unknown> = (() => {
  const text = fc.oneof(fc.string({ maxLength: 12 }), controlText).filter((value) => !stackFrame.test(value));
  const systemError = fc.record({
    message: text,
    code: fc.constantFrom('ENOENT', 'EACCES', 'EPERM', 'EEXIST', 'ENOTDIR', 'EISDIR', 'ENOSPC', 'EADDRINUSE', 'ENOTFOUND', 'EWHATEVER'),
    syscall: fc.option(fc.constantFrom('open', 'mkdir', 'rename', 'listen', 'getaddrinfo'), { nil: undefined }),
    path: fc.option(text, { nil: undefined }),
    address: fc.option(text, { nil: undefined }),
    port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
    hostname: fc.option(text, { nil: undefined }),
  }, { requiredKeys: ['message', 'code'] }).map(({ message, ...fields }) => Object.assign(new Error(message), fields));
  return fc.oneof(
    systemError,
    text.map((message) => new CheckpointError(message)),
    fc.tuple(text, text, text).map(([name, neededBy, contents]) => new MissingPackageError(name, neededBy, contents)),
    text.map((message) => new UsageError(message)),
    text.map((message) => new TypeError(message)),
    fc.oneof(text, fc.constantFrom(undefined, null, 0, {}, [])),
  );
})();

it('whatever a command throws is reported in one message: exit 1, or 2 for usage errors and missing packages; no stack, no raw control character', async () => {
  await fc.assert(fc.asyncProperty(thrown, async (error) => {
    const failing: Command = { name: 'boom', summary: 'throws', usage: () => 'usage: gradstream boom', parse: () => undefined, execute: () => Promise.reject(error) };
    const { code, stdout, stderr } = await cli(['boom'], [failing]);
    expect(stdout).toBe('');
    expect(stderr).not.toMatch(stackFrame);
    expect(stderr).not.toMatch(rawControl);
    const userError = error instanceof UsageError || error instanceof MissingPackageError;
    expect(code).toBe(userError ? 2 : 1);
    if (error instanceof UsageError) expect(stderr).toMatch(/\n\nusage: gradstream boom\n$/);
    const known = userError || error instanceof CheckpointError || (error instanceof Error && /^E(NOENT|ACCES|PERM|EXIST|NOTDIR|ISDIR|NOSPC|ADDRINUSE|NOTFOUND)$/.test(String((error as { code?: unknown }).code)));
    expect(stderr.startsWith('gradstream: internal error: ')).toBe(!known);
  }), { numRuns });
});
