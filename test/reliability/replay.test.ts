/**
 * `gradstream replay` against files that try to hurt it: paths that never give data, lines
 * too long to hold, bytes that would drive the terminal. The FIFO and the terminal's bytes go
 * through the real binary in a child process (a replay that blocks fails the test, the child
 * killed, instead of holding the test runner; the bytes are those the process writes); the
 * rest through the CLI in process.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEvent, encodeEvent } from '../../src/telemetry/codec.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { fakeRunEvents } from '../telemetry/fakeRun.ts';
import { main } from '../../src/cli/main.ts';
import { capture } from '../capture.ts';
import { finished, spawnTs } from './fixtures/child.ts';

const scratch = mkdtempSync(join(tmpdir(), 'gradstream-replay-attacks-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Replays `path` with the real binary; the child is killed after 30 s, so a hang fails. */
const replayChild = (...args: string[]) => finished(spawnTs('src/cli/main.ts', ['replay', ...args]), 30_000);

/** Replays `path` with the CLI in process. */
async function replay(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = capture();
  const stderr = capture();
  const code = await main(['replay', ...args], { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const linux = process.platform === 'linux';

describe('paths that are not recorded files are refused, not read', () => {
  it.runIf(linux)('a FIFO with no writer (which would block a read forever)', async () => {
    const fifo = join(scratch, 'never.jsonl');
    execFileSync('mkfifo', [fifo]);
    const result = await replayChild(fifo);
    expect(result.signal).toBeNull(); // not killed: it answered by itself
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`replay: ${fifo} is a pipe (FIFO), not a regular file; expected a JSONL file a run recorded (a pipe, a socket or a device may give data late or never, so it is not read)\n`);
  });

  it.runIf(linux)('a socket, a device that never ends, and a directory', async () => {
    const socketPath = join(scratch, 'socket.jsonl');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const directory = join(scratch, 'directory.jsonl');
    mkdirSync(directory);
    try {
      for (const [path, kind] of [[socketPath, 'a socket'], ['/dev/zero', 'a device'], [directory, 'a directory']] as const) {
        const result = await replay(path);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(new RegExp(`^replay: ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is ${kind}, not a regular file;`));
      }
    } finally {
      server.close();
    }
  });

  it('a path whose name holds control characters is named with them escaped', async () => {
    const result = await replay(join(scratch, 'missing\u001b[2J.jsonl'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('missing\\u001b[2J.jsonl: no such file or directory (ENOENT)');
    expect(result.stderr).not.toContain('\u001b');
  });
});

describe('a file too big to hold is streamed, and a line too long to hold is refused', () => {
  it('a 40 MB file of one line without a newline is refused at that line, without holding it', async () => {
    const path = join(scratch, 'one-line.jsonl');
    const fd = openSync(path, 'w');
    const block = Buffer.alloc(1 << 20, 0x78);
    for (let i = 0; i < 40; i++) writeSync(fd, block);
    closeSync(fd);
    const result = await replay(path);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`replay: ${path} line 1: a line of ${40 << 20} bytes: expected at most ${16 << 20} bytes a line (maxLineBytes)\n`);
  });
});

describe('bytes from the file never drive the terminal', () => {
  const hostile = '\u001b]0;pwned\u0007\u001b[2J';

  it('an alarm message that sets the title and clears the screen is shown escaped', async () => {
    const events = fakeRunEvents({ steps: 20, alarmSteps: [7] })
      .map((event): TelemetryEvent => (event.type === 'alarm' ? { ...event, message: `loss is NaN${hostile}`, layer: `dense1` } : event));
    const path = join(scratch, 'hostile.jsonl');
    writeFileSync(path, events.map((event) => `${encodeEvent(event)}\n`).join(''));
    const result = await replayChild(path);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('⚠ alarm at step 7 (non-finite-loss) in layer dense1: loss is NaN\\u001b]0;pwned\\u0007\\u001b[2J; the run goes on');
    expect(result.stdout + result.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('a bad line quoted in an error is shown escaped, by the library\'s message as by the CLI', async () => {
    const lines = fakeRunEvents({ steps: 5 }).map((event) => encodeEvent(event));
    lines[3] = `{oops${hostile}\u009b31m`;
    // The library's own message, which a program may print as it is (JSON.stringify leaves C1 controls such as CSI, U+009B, raw).
    expect(() => decodeEvent(lines[3]!, 'line 4')).toThrow('line 4: not valid JSON');
    let message = '';
    try {
      decodeEvent(lines[3]!, 'line 4');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/"\{oops\\u001b\]0;pwned\\u0007\\u001b\[2J\\u009b31m"$/);
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    const path = join(scratch, 'bad-hostile.jsonl');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const result = await replay(path);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^replay: .*bad-hostile\.jsonl line 4: not valid JSON \(.*\): "\{oops\\u001b\]0;pwned\\u0007\\u001b\[2J\\u009b31m"\n$/);
    expect(result.stdout + result.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});
