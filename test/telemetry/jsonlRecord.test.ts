/**
 * The JSONL file as the run's record: what a sink refuses to write over, the lock that
 * keeps a second writer out, the cut back to a checkpoint's position, and a file that
 * cannot be written (a writer that fails as a full disk does).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, Subject } from 'rxjs';
import { jsonlSink } from '../../src/telemetry/jsonlSink.ts';
import { readJsonl } from '../../src/telemetry/jsonlFile.ts';
import { encodeEvent } from '../../src/telemetry/codec.ts';
import { JsonlFileError, JsonlWriteError } from '../../src/telemetry/jsonlErrors.ts';
import { FileLockError } from '../../src/checkpoint/fileLock.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { watch } from '../../src/telemetry/watch.ts';
import { fakeRunEvents } from './fakeRun.ts';
import { tinyRun } from './tinyRun.ts';
import { failingAfter } from './fixtures/failingWriter.ts';

let folder: string;
beforeEach(() => { folder = mkdtempSync(join(tmpdir(), 'gradstream-record-')); });
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const lines = (events: readonly TelemetryEvent[]) => events.map((e) => `${encodeEvent(e)}\n`).join('');
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Asserts that opening a sink on `path` throws `type` matching `message`, and that the file is byte for byte as it was. */
function expectRefused(path: string, options: Parameters<typeof jsonlSink>[2], type: new (...args: never[]) => Error, message: RegExp): void {
  const before = existsSync(path) && statSync(path).isFile() ? readFileSync(path) : null;
  expect(() => jsonlSink(from(fakeRunEvents({ steps: 3, runId: 'new-run' })), path, options)).toThrow(type);
  expect(() => jsonlSink(from(fakeRunEvents({ steps: 3, runId: 'new-run' })), path, options)).toThrow(message);
  if (before) expect(readFileSync(path)).toEqual(before);
  expect(existsSync(`${path}.lock`)).toBe(false);
}

describe('a file that is not this run\'s record is refused before anything is written', () => {
  it('another run\'s record, for a new run and for another resumed run', () => {
    const path = join(folder, 'run.jsonl');
    writeFileSync(path, lines(fakeRunEvents({ steps: 20, runId: 'first' })));
    expectRefused(path, {}, JsonlFileError, /run\.jsonl holds the record of a run \(first, through seq \d+, step 20\), and this is a new run; refusing to mix two runs in one file/);
    expectRefused(path, { runId: 'second' }, JsonlFileError, /holds the record of another run \(first, .*\), and this is the run second/);
  });

  it.each([
    ['a note', Buffer.from('my note'), /holds 7 bytes that are not gradstream telemetry \(it starts with "my note"\)/],
    ['a binary file', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)), /holds 5000 bytes that are not gradstream telemetry \(binary data\)/],
    ['JSON that is not an event', Buffer.from('{"name":"notes","items":[1,2]}\n'), /holds 31 bytes that are not gradstream telemetry \(it starts with "\{\\"name\\":\\"notes\\"/],
    ['telemetry with a note appended', Buffer.from(`${lines(fakeRunEvents({ steps: 2 }))}my note\n`), /that are not gradstream telemetry \(its last line is not an event\)/],
  ])('%s, whatever the run', (_, bytes, message) => {
    const path = join(folder, 'file');
    writeFileSync(path, bytes);
    expectRefused(path, {}, JsonlFileError, message);
    expectRefused(path, { runId: 'fake-run' }, JsonlFileError, message);
    expectRefused(path, { existing: 'append' }, JsonlFileError, message);
  });

  it('a directory, even with overwrite', () => {
    const path = join(folder, 'adir');
    mkdirSync(path);
    expectRefused(path, { existing: 'overwrite' }, JsonlFileError, /adir is a directory; expected the path of a JSONL file/);
  });

  it('a missing or empty file is a new record', async () => {
    const events = fakeRunEvents({ steps: 5, runId: 'new-run' });
    for (const path of [join(folder, 'missing.jsonl'), join(folder, 'empty.jsonl')]) {
      if (path.endsWith('empty.jsonl')) writeFileSync(path, '');
      await jsonlSink(from(events), path).finished;
      expect(readJsonl(path).events).toEqual(events);
    }
  });

  it("existing: 'overwrite' replaces the file, 'append' adds a run after another run's record", async () => {
    const path = join(folder, 'run.jsonl');
    const first = fakeRunEvents({ steps: 4, runId: 'first' });
    const second = fakeRunEvents({ steps: 4, runId: 'second' });
    writeFileSync(path, 'my note');
    const notes: string[] = [];
    await jsonlSink(from(first), path, { existing: 'overwrite', note: (text) => notes.push(text) }).finished;
    expect(readJsonl(path).events).toEqual(first);
    expect(notes).toEqual([`replaced ${path} (7 bytes), as asked`]);
    await jsonlSink(from(second), path, { existing: 'append' }).finished;
    // Each run keeps its own seqs: the second's start again at 0 after the first's.
    expect(readJsonl(path).events).toEqual([...first, ...second]);
  });
});

describe('watch', () => {
  it('refuses another run\'s record: the run stops before its first step, watch rejects, the file is as it was', async () => {
    const path = join(folder, 'run.jsonl');
    writeFileSync(path, lines(fakeRunEvents({ steps: 5, runId: 'first' })));
    const before = readFileSync(path);
    const run = tinyRun(20);
    await expect(watch(run, { console: false, jsonl: path })).rejects.toThrow(/run\.jsonl holds the record of another run \(first, through seq \d+, step 5\), and this is the run run-/);
    expect((await run.result).steps).toBe(0);
    expect(readFileSync(path)).toEqual(before);
  });

  it("continues the run's own record (a resumed run has its id), and stops the run when the file cannot be written", async () => {
    const path = join(folder, 'run.jsonl');
    const first = tinyRun(10);
    const one = await watch(first, { console: false, jsonl: path });
    await first.result;
    await one.dispose();
    // Long enough that the run yields to the sink (every 50 ms) well before its end, however fast a step is.
    const failing = tinyRun(20_000, { resume: first.state() });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let result;
    let two;
    let written: string[] = [];
    try {
      two = await watch(failing, { console: false, layerStats: false, flushEveryMs: 0, jsonl: { path, writeSync: failingAfter(statSync(path).size + 3000, 'EIO'), onWriteError: 'stop' } });
      result = await failing.result;
      await two.dispose();
    } finally {
      written = stderr.mock.calls.map(([text]) => String(text));
      stderr.mockRestore();
    }
    expect(written).toEqual([
      expect.stringMatching(/^gradstream telemetry: cannot write the telemetry file .*run\.jsonl \(EIO: i\/o error, write\); it holds the run's events through seq \d+ \(step \d+\), and nothing after them is written\. The run stops at the step boundary \(onWriteError 'stop'\)\.\n$/),
    ]);
    expect(result.reason).toBe('stopped');
    expect(result.step).toBeLessThan(20_000);
    expect(two.jsonl!.failure()?.code).toBe('EIO');
    const back = readJsonl(path);
    expect(back.truncated).toBeNull();
    expect(back.events.map((e) => e.seq)).toEqual(range(0, back.events.length));
  });
});

describe('a checkpoint\'s position', () => {
  const run = fakeRunEvents({ steps: 30 });
  const cut = 40;
  const position = { bytes: Buffer.byteLength(lines(run.slice(0, cut))), lastSeq: run[cut - 1]!.seq };

  it('cuts the file back to it: the events after it are left out, and the resumed run continues after its seq', async () => {
    const path = join(folder, 'run.jsonl');
    writeFileSync(path, lines(run) + '{"v":1,"runId":"fake-run","seq":');
    const notes: string[] = [];
    const resumed = run.slice(cut).map((e) => ({ ...e, loss: 0.5 }) as TelemetryEvent);
    const sink = jsonlSink(from(resumed), path, { runId: 'fake-run', position, note: (text) => notes.push(text) });
    expect(sink.resumedAfterSeq).toBe(position.lastSeq);
    await sink.finished;
    const back = readJsonl(path);
    expect(back.truncated).toBeNull();
    expect(back.events).toEqual([...run.slice(0, cut), ...resumed]);
    expect(notes.join('\n')).toMatch(/cut .*run\.jsonl back to seq 39, where the checkpoint was saved: the \d+ bytes after it are steps the resumed run computes again/);
  });

  it('refuses a file shorter than the position: the record was lost', () => {
    const path = join(folder, 'run.jsonl');
    writeFileSync(path, lines(run.slice(0, cut - 1)));
    expectRefused(path, { runId: 'fake-run', position }, JsonlFileError, new RegExp(`holds \\d+ bytes, but the checkpoint being resumed was saved when it held ${position.bytes} bytes \\(this run's events through seq 39\\); the record was lost`));
    rmSync(path);
    expect(() => jsonlSink(from([]), path, { runId: 'fake-run', position })).toThrow(/run\.jsonl is missing, but the checkpoint being resumed was saved when it held/);
  });

  it('refuses a file whose line at the position is not the checkpoint\'s', () => {
    const path = join(folder, 'run.jsonl');
    // The run's record with its first event gone: the lines, and what ends at the position, have moved.
    writeFileSync(path, lines(run.slice(1)));
    expectRefused(path, { runId: 'fake-run', position }, JsonlFileError, /does not hold the record the checkpoint expects: .*, and (no line of an event ends there|the line ending there is seq \d+ of fake-run)/);
  });
});

describe('the lock', () => {
  it('keeps a second writer off the file until the first is disposed', async () => {
    const path = join(folder, 'run.jsonl');
    const source = new Subject<TelemetryEvent>();
    const first = jsonlSink(source, path);
    expect(() => jsonlSink(from([]), path)).toThrow(FileLockError);
    expect(() => jsonlSink(from([]), path)).toThrow(new RegExp(`the telemetry file .*run\\.jsonl is in use by this process \\(pid ${process.pid}\\) since .* \\(lock file .*run\\.jsonl\\.lock\\)`));
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await first.dispose();
    expect(existsSync(`${path}.lock`)).toBe(false);
    await jsonlSink(from([]), path).finished;
  });

  it('takes over a stale lock (its process is gone) with a note, and refuses a live one naming its owner', async () => {
    const path = join(folder, 'run.jsonl');
    const gone = { pid: 2 ** 22 + 12345, host: hostname(), token: 'dead', since: '2025-01-01T00:00:00.000Z' };
    writeFileSync(`${path}.lock`, JSON.stringify(gone));
    const notes: string[] = [];
    const sink = jsonlSink(from(fakeRunEvents({ steps: 2 })), path, { note: (text) => notes.push(text) });
    expect(notes).toEqual([`the telemetry file ${path}: took over the lock ${path}.lock of process ${gone.pid}, which no longer runs (it was taken ${gone.since})`]);
    await sink.finished;
    expect(existsSync(`${path}.lock`)).toBe(false);

    const live = { ...gone, pid: process.ppid, token: 'live' };
    writeFileSync(`${path}.lock`, JSON.stringify(live));
    expect(() => jsonlSink(from([]), path, { runId: 'fake-run' })).toThrow(`the telemetry file ${path} is in use by process ${process.ppid} on ${hostname()} since ${gone.since}`);
    const elsewhere = { ...gone, host: 'another-host', token: 'remote' };
    writeFileSync(`${path}.lock`, JSON.stringify(elsewhere));
    expect(() => jsonlSink(from([]), path, { runId: 'fake-run' })).toThrow(`this host (${hostname()}) cannot tell whether it still runs: if it does not, delete ${path}.lock`);
  });
});

describe('a file that cannot be written', () => {
  it('ends the record at its last whole line, reports once, writes nothing after, and sync() throws', async () => {
    const path = join(folder, 'run.jsonl');
    const events = fakeRunEvents({ steps: 200 });
    const reported: JsonlWriteError[] = [];
    const source = new Subject<TelemetryEvent>();
    // The disk fills after about 80 lines, so that three syncs (every 25 events) succeed first.
    const roomFor80Lines = events.slice(0, 80).reduce((bytes, event) => bytes + JSON.stringify(event).length + 1, 0);
    const sink = jsonlSink(source, path, { writeSync: failingAfter(roomFor80Lines, 'ENOSPC'), onWriteError: (error) => reported.push(error) });
    let synced = sink.sync();
    expect(synced).toEqual({ bytes: 0, lastSeq: -1 });
    let syncs = 0;
    for (const [i, event] of events.entries()) {
      source.next(event);
      if (i % 25 !== 24) continue;
      try {
        synced = sink.sync();
        syncs++;
      } catch (error) {
        expect(error).toBeInstanceOf(JsonlWriteError);
      }
    }
    expect(syncs).toBeGreaterThan(2);
    expect(() => sink.sync()).toThrow(JsonlWriteError);
    await sink.dispose();
    expect(reported).toHaveLength(1);
    const error = reported[0]!;
    expect(error.code).toBe('ENOSPC');
    expect(error.message).toMatch(/^cannot write the telemetry file .*run\.jsonl \(ENOSPC: no space left on device, write\); it holds the run's events through seq \d+ \(step \d+\), and nothing after them is written$/);
    const back = readJsonl(path);
    expect(back.truncated).toBeNull();
    expect(statSync(path).size).toBe(error.position.bytes);
    expect(back.events).toEqual(events.slice(0, back.events.length));
    expect(back.events.at(-1)!.seq).toBe(error.position.lastSeq);
    expect(statSync(path).size).toBeLessThanOrEqual(roomFor80Lines);
    // The last position synced lies within what the file holds.
    expect(synced.bytes).toBeLessThanOrEqual(error.position.bytes);
    expect(synced.lastSeq).toBeLessThanOrEqual(error.position.lastSeq);
    expect(sink.failure()).toBe(error);
  });
});

describe('reading keeps its API', () => {
  it('readJsonl reads a record written across a cut back and a resume', async () => {
    const path = join(folder, 'run.jsonl');
    const run = fakeRunEvents({ steps: 10 });
    await jsonlSink(from(run.slice(0, 8)), path).finished;
    await jsonlSink(from(run.slice(8)), path, { runId: 'fake-run' }).finished;
    expect(readJsonl(path).events.map((e) => e.seq)).toEqual(range(0, run.length));
  });
});
