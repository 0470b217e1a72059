/**
 * Every argument a user can get wrong is a usage error: exit 2, a message naming the option,
 * the value and what was expected, the command's usage, and no stack trace. Each case here
 * exited 1 with a stack trace (or was taken silently) before the arguments had types.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, rawControl, stackFrame } from './inProcess.ts';

const scratch = mkdtempSync(join(tmpdir(), 'gradstream-arguments-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const aFile = join(scratch, 'a-file');
writeFileSync(aFile, 'not a directory\n');
const isRoot = process.getuid?.() === 0;

/** The call exits 2 with `message` as its first line, then the command's usage; no stack, no raw control character. */
async function expectUsageError(args: string[], message: string): Promise<void> {
  const { code, stdout, stderr } = await cli(args);
  expect(code, stderr).toBe(2);
  expect(stderr.split('\n')[0]).toBe(message);
  expect(stderr).toContain(`usage: gradstream ${args[0]}`);
  expect(stdout + stderr).not.toMatch(stackFrame);
  expect(stdout + stderr).not.toMatch(rawControl);
}

describe('numbers', () => {
  it.each([
    [['run', 'xor', '--steps', '0'], 'run: --steps expects an integer ≥ 1, got "0"'],
    [['run', 'xor', '--steps', 'abc'], 'run: --steps expects an integer ≥ 1, got "abc"'],
    [['run', 'xor', '--steps', '-5'], 'run: --steps expects an integer ≥ 1, got "-5"'],
    [['run', 'xor', '--steps=1e3'], 'run: --steps expects an integer ≥ 1, got "1e3"'],
    [['run', 'mnist', '--epochs', '0'], 'run: --epochs expects an integer ≥ 1, got "0"'],
    [['run', 'mnist', '--epochs', '1.5'], 'run: --epochs expects an integer ≥ 1, got "1.5"'],
    [['run', 'conv-mnist', '--epochs', ''], 'run: --epochs expects an integer ≥ 1, got ""'],
    [['run', 'xor', '--seed', '99999999999999999999'], 'run: --seed expects an integer from 0 to 4294967295, got "99999999999999999999" (beyond ±9007199254740991, where float64 stops holding every integer)'],
    [['run', 'xor', '--seed', '4294967296'], 'run: --seed expects an integer from 0 to 4294967295, got "4294967296"'],
    [['run', 'xor', '--seed', ''], 'run: --seed expects an integer from 0 to 4294967295, got ""'],
    [['run', 'xor', '--seed'], 'run: --seed needs a value (an integer from 0 to 4294967295)'],
    [['run', 'xor', '--seed', '--quick'], 'run: --seed needs a value (an integer from 0 to 4294967295)'],
    [['run', 'xor', '--checkpoint', join(scratch, 'ckpt'), '--checkpoint-every', '0'], 'run: --checkpoint-every expects an integer ≥ 1, got "0"'],
    [['check', '--seed', '9007199254740993'], 'check: --seed expects an integer, got "9007199254740993" (beyond ±9007199254740991, where float64 stops holding every integer)'],
    [['replay', 'run.jsonl', '--serve', '--port', '99999'], 'replay: --port expects an integer from 0 to 65535, got "99999"'],
    [['replay', 'run.jsonl', '--metrics-port', '99999'], 'replay: --metrics-port expects an integer from 0 to 65535, got "99999"'],
    [['replay', 'run.jsonl', '--every', '0'], 'replay: --every expects an integer ≥ 1, got "0"'],
  ])('gradstream %j', expectUsageError);
});

describe('hosts', () => {
  const expected = 'a host name or an IP address (such as localhost, 127.0.0.1 or ::1)';
  it.each([
    [['replay', 'run.jsonl', '--serve', '--host', ''], `replay: --host expects ${expected}, got ""`],
    [['replay', 'run.jsonl', '--serve', '--host', 'bad host!'], `replay: --host expects ${expected}, got "bad host!"`],
    [['replay', 'run.jsonl', '--serve', '--host', 'http://localhost'], `replay: --host expects ${expected}, got "http://localhost"`],
    [['replay', 'run.jsonl', '--serve', '--host=-bad.example'], `replay: --host expects ${expected}, got "-bad.example"`],
  ])('gradstream %j', expectUsageError);
});

describe('paths, checked before anything runs', () => {
  const missing = join(scratch, 'missing');
  it.each([
    [['run', 'xor', '--jsonl', scratch], `run: --jsonl ${scratch}: it is a directory; expected a file`],
    [['run', 'xor', '--jsonl', join(missing, 'run.jsonl')], `run: --jsonl ${join(missing, 'run.jsonl')}: the directory ${missing} does not exist`],
    [['run', 'xor', '--jsonl', join(aFile, 'run.jsonl')], `run: --jsonl ${join(aFile, 'run.jsonl')}: ${aFile} is a file, not a directory`],
    [['run', 'xor', '--jsonl', ''], 'run: --jsonl expects a file path in an existing, writable directory, got ""'],
    [['run', 'xor', '--checkpoint', aFile], `run: --checkpoint ${aFile}: it is a regular file; expected a directory (one that exists or can be created)`],
    [['run', 'xor', '--checkpoint', '/dev/null'], 'run: --checkpoint /dev/null: it is a device; expected a directory (one that exists or can be created)'],
    [['run', 'xor', '--checkpoint', join(aFile, 'sub', 'dir')], `run: --checkpoint ${join(aFile, 'sub', 'dir')}: it cannot be created: ${aFile} is a file`],
    [['run', 'xor', '--jsonl', 'a\u0000b.jsonl'], 'run: --jsonl a\\u0000b.jsonl: a path cannot hold a NUL character'],
  ])('gradstream %j', expectUsageError);

  it('nothing is created for a refused run', async () => {
    await expectUsageError(['run', 'xor', '--checkpoint', join(scratch, 'new', 'dir'), '--steps', '0'], 'run: --steps expects an integer ≥ 1, got "0"');
    await expectUsageError(['run', 'xor', '--checkpoint', join(scratch, 'new', 'dir'), '--jsonl', join(missing, 'x.jsonl')], `run: --jsonl ${join(missing, 'x.jsonl')}: the directory ${missing} does not exist`);
    expect((await import('node:fs')).existsSync(join(scratch, 'new'))).toBe(false);
  });

  // chmod does not stop root, who may write anywhere: these run for everyone else.
  it.skipIf(isRoot)('an unwritable directory, for --jsonl and --checkpoint', async () => {
    const locked = join(scratch, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    try {
      await expectUsageError(['run', 'xor', '--jsonl', join(locked, 'run.jsonl')], `run: --jsonl ${join(locked, 'run.jsonl')}: the directory ${locked} is not writable`);
      await expectUsageError(['run', 'xor', '--checkpoint', locked], `run: --checkpoint ${locked}: the directory is not writable`);
      await expectUsageError(['run', 'xor', '--checkpoint', join(locked, 'a', 'b')], `run: --checkpoint ${join(locked, 'a', 'b')}: it cannot be created: the directory ${locked} is not writable`);
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});

describe('options and arguments', () => {
  it.each([
    [['run', 'xor', '--quick=yes'], 'run: --quick takes no value, got "yes"'],
    [['run', 'xor', '-q'], 'run: unknown option -q'],
    [['run', 'xor', '--steps', '5', 'iris'], 'run: one scenario at a time, got "xor", "iris"'],
    [['run', 'iris', '--steps', '5'], 'run: unknown option --steps'],
    [['run', 'xor', '--jsonl', '-out.jsonl'], "run: --jsonl needs a value (a file path in an existing, writable directory); to give one starting with '-', write --jsonl=-out.jsonl"],
    [['run', 'xor', '--on-telemetry-error', 'ignore', '--jsonl', 'x.jsonl'], 'run: --on-telemetry-error expects stop or continue, got "ignore"'],
    [['run', 'xor', '--overwrite'], 'run: --overwrite needs --jsonl FILE'],
    [['tour', 'now'], 'tour: takes no arguments, got "now"'],
    [['tour', '--serve', '--no-dashboard'], 'tour: --serve keeps the dashboard up, which --no-dashboard turns off: give one of them'],
    [['check', 'src'], 'check: no such file: src'],
    [['check', '--mode', 'slow'], 'check: --mode expects full or fast, got "slow"'],
    [['replay', 'a.jsonl', 'b.jsonl'], 'replay: expected one JSONL file, got a.jsonl b.jsonl'],
  ])('gradstream %j', expectUsageError);

  it('a negative number is the value of the option before it', async () => {
    // check's seeds may be negative (fast-check prints them so): accepted, then refused only for the missing file.
    await expectUsageError(['check', '--seed', '-5', 'nope.ts'], 'check: no such file: nope.ts');
  });
});

describe('what the user typed is echoed with its control characters escaped', () => {
  it.each([
    [['run', 'xor', '--steps', '\u001b[2J'], 'run: --steps expects an integer ≥ 1, got "\\u001b[2J"'],
    [['run', 'xor', '--steps', '1\u009b'], 'run: --steps expects an integer ≥ 1, got "1\\u009b"'],
    [['run', 'x\u001b]0;title\u0007'], "run: unknown scenario 'x\\u001b]0;title\\u0007'; expected one of simplest, deeper, wider, primer-typos, custom-layer, tfjs-custom-grad, xor, iris, mnist, conv-mnist, attention"],
    [['run', 'xor', '--\u001b[31m'], 'run: unknown option --\\u001b[31m'],
    [['run', 'xor', '--jsonl', join(scratch, 'no\u001bpe', 'x.jsonl')], `run: --jsonl ${join(scratch, 'no\\u001bpe', 'x.jsonl')}: the directory ${join(scratch, 'no\\u001bpe')} does not exist`],
    [['check', 'evil\u202e.ts'], 'check: no such file: evil\\u202e.ts'],
  ])('gradstream %j', expectUsageError);

  it('an unknown command too', async () => {
    const { code, stderr } = await cli(['fr\u001bob']);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe("gradstream: unknown command 'fr\\u001bob'");
    expect(stderr).not.toMatch(rawControl);
  });
});
