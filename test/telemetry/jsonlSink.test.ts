import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, Subject } from 'rxjs';
import { jsonlSink } from '../../src/telemetry/jsonlSink.ts';
import { jsonlEnd, readJsonl } from '../../src/telemetry/jsonlFile.ts';
import { encodeEvent, TelemetryFormatError } from '../../src/telemetry/codec.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { fakeRunEvents } from './fakeRun.ts';

let folder: string;
beforeEach(() => { folder = mkdtempSync(join(tmpdir(), 'gradstream-jsonl-')); });
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const seqsOf = (events: readonly TelemetryEvent[]): number[] => events.map((event) => event.seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('jsonlSink', () => {
  it('writes every event, one per line, and reads back exactly what was written', async () => {
    const path = join(folder, 'run.jsonl');
    const events = fakeRunEvents({ steps: 60, alarmSteps: [30], failingAuditSteps: [40] });
    const sink = jsonlSink(from(events), path);
    await sink.finished;
    expect(sink.written()).toBe(events.length);
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(events.length + 1);
    const back = readJsonl(path);
    expect(back.truncated).toBeNull();
    expect(back.events).toEqual(events);
  });

  it('batches the events of one tick into one write and still writes what waits when disposed', async () => {
    const path = join(folder, 'run.jsonl');
    const source = new Subject<TelemetryEvent>();
    const sink = jsonlSink(source, path);
    const events = fakeRunEvents({ steps: 5 });
    for (const event of events.slice(0, 4)) source.next(event);
    expect(readFileSync(path, 'utf8')).toBe('');
    await new Promise((resolve) => setImmediate(resolve));
    expect(readJsonl(path).events).toEqual(events.slice(0, 4));
    source.next(events[4]!);
    await sink.dispose();
    expect(readJsonl(path).events).toEqual(events.slice(0, 5));
  });

  it('with everyMs, writes at most that often, and refuses a bad everyMs', async () => {
    const path = join(folder, 'run.jsonl');
    const source = new Subject<TelemetryEvent>();
    const sink = jsonlSink(source, path, { everyMs: 80 });
    const events = fakeRunEvents({ steps: 5 });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    source.next(events[0]!);
    await turn();
    expect(readJsonl(path).events).toEqual(events.slice(0, 1));
    source.next(events[1]!);
    await turn();
    expect(readJsonl(path).events).toEqual(events.slice(0, 1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readJsonl(path).events).toEqual(events.slice(0, 2));
    source.next(events[2]!);
    sink.flush();
    expect(readJsonl(path).events).toEqual(events.slice(0, 3));
    await sink.dispose();
    expect(() => jsonlSink(new Subject<TelemetryEvent>(), join(folder, 'other.jsonl'), { everyMs: -1 })).toThrow(/jsonlSink: everyMs must be a number of milliseconds, 0 or more, got -1/);
  });

  it('continues a resumed run after the last seq in the file, with no duplicates', async () => {
    const path = join(folder, 'run.jsonl');
    const first = fakeRunEvents({ steps: 30 });
    await jsonlSink(from(first.slice(0, 50)), path).finished;
    // The resumed run starts from a checkpoint before the file's end: its first events repeat seqs already written.
    const resumed = first.slice(40);
    const sink = jsonlSink(from(resumed), path, { runId: 'fake-run' });
    expect(sink.resumedAfterSeq).toBe(49);
    await sink.finished;
    expect(sink.skipped()).toBe(10);
    expect(seqsOf(readJsonl(path).events)).toEqual(range(0, first.length));
  });

  it('cuts a torn last line left by a crash before appending, and keeps a whole one missing its newline', async () => {
    const path = join(folder, 'run.jsonl');
    const events = fakeRunEvents({ steps: 10 });
    writeFileSync(path, events.slice(0, 5).map((e) => encodeEvent(e) + '\n').join('') + encodeEvent(events[5]!).slice(0, 30));
    expect(jsonlEnd(path)).toMatchObject({ lastSeq: 4, tornBytes: 30, missingNewline: false });
    await jsonlSink(from(events.slice(5)), path, { runId: 'fake-run' }).finished;
    expect(readJsonl(path)).toEqual({ events, truncated: null });

    writeFileSync(path, events.slice(0, 3).map((e) => encodeEvent(e)).join('\n'));
    expect(jsonlEnd(path)).toMatchObject({ lastSeq: 2, missingNewline: true });
    await jsonlSink(from(events.slice(3)), path, { runId: 'fake-run' }).finished;
    expect(readJsonl(path).events).toEqual(events);
  });

  it('finds the end of a long file reading only its tail, past blank lines and long lines', () => {
    const path = join(folder, 'run.jsonl');
    const events = fakeRunEvents({ steps: 2000 });
    const long = { ...events[1]!, config: { note: 'x'.repeat(200_000) } };
    writeFileSync(path, events.map((e) => encodeEvent(e) + '\n').join(''));
    appendFileSync(path, `${encodeEvent({ ...long, seq: events.length } as never)}\n\n\n`);
    expect(jsonlEnd(path)).toMatchObject({ lastSeq: events.length, tornBytes: 0 });
    expect(jsonlEnd(join(folder, 'missing.jsonl'))).toMatchObject({ lastSeq: -1, completeBytes: 0 });
  });

  it('gives up on a last line longer than any event (16 MiB) instead of reading the whole file back', () => {
    const path = join(folder, 'run.jsonl');
    const events = fakeRunEvents({ steps: 3 });
    // An event's header, then 20 MiB with no line end: what a crafted or foreign file can hold.
    writeFileSync(path, events.map((e) => encodeEvent(e) + '\n').join('') + encodeEvent(events[1]!).slice(0, 40) + 'x'.repeat(20 * 1024 * 1024));
    expect(() => jsonlEnd(path)).toThrow(/no line ends in the 16777216 bytes before byte \d+: longer than any telemetry event/);
    expect(() => jsonlEnd(path)).toThrow(TelemetryFormatError);
    // Read as if it ended where the events do, the same file is fine.
    const eventsEnd = events.map((e) => encodeEvent(e) + '\n').join('').length;
    expect(jsonlEnd(path, eventsEnd)).toMatchObject({ lastSeq: events.at(-1)!.seq, tornBytes: 0 });
  });

  it('readJsonl reports a cut-off last line and refuses a bad line elsewhere, naming it', () => {
    const path = join(folder, 'run.jsonl');
    const events = fakeRunEvents({ steps: 3 });
    writeFileSync(path, events.map((e) => encodeEvent(e) + '\n').join('') + '{"type":"st');
    const run = readJsonl(path);
    expect(run.events).toEqual(events);
    expect(run.truncated).toEqual({ line: events.length + 1, bytes: 11 });
    writeFileSync(path, `${encodeEvent(events[0]!)}\nnot json\n${encodeEvent(events[1]!)}\n`);
    expect(() => readJsonl(path)).toThrow(/run\.jsonl line 2: not valid JSON/);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('leaves only whole lines, seq without gaps, when the process gets %s', async (signal) => {
    const path = join(folder, 'run.jsonl');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'writeJsonlUntilSignalled.ts'), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => { if (chunk.toString().includes('ready')) resolve(); });
      child.once('exit', (code) => reject(new Error(`the child exited early with ${code}`)));
    });
    child.kill(signal);
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signalName) => resolve({ code, signal: signalName })));
    // The sink re-raises the signal after flushing, so the process ends the way it would have.
    expect(exit.signal).toBe(signal);
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const run = readJsonl(path);
    expect(run.truncated).toBeNull();
    expect(run.events.length).toBeGreaterThanOrEqual(2000);
    expect(seqsOf(run.events)).toEqual(range(0, run.events.length));
  });
});
