import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Subject } from 'rxjs';
import { join } from 'node:path';
import { encodeEvent, TelemetryFormatError } from '../../src/telemetry/codec.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { readJsonl } from '../../src/telemetry/jsonlFile.ts';
import { readJsonlEvents, type JsonlProblem } from '../../src/telemetry/jsonlReader.ts';
import { watch } from '../../src/telemetry/watch.ts';
import { consoleSink } from '../../src/telemetry/consoleSink.ts';
import { fakeRunEvents } from './fakeRun.ts';
import { tinyRun } from './tinyRun.ts';

let folder: string;
beforeEach(() => { folder = mkdtempSync(join(tmpdir(), 'gradstream-reader-')); });
afterEach(() => rmSync(folder, { recursive: true, force: true }));

type Loose = Record<string, unknown>;

/** A file of these lines (objects are encoded as events, strings written as they are). */
function file(lines: readonly (Loose | TelemetryEvent | string)[], end = '\n'): string {
  const path = join(folder, 'run.jsonl');
  writeFileSync(path, lines.map((line) => (typeof line === 'string' ? line : encodeEvent(line as TelemetryEvent))).join('\n') + end);
  return path;
}

/** Reads strictly; resolves to the events, or to the error's message. */
async function strict(path: string, options: { multipleRuns?: boolean } = {}): Promise<TelemetryEvent[] | string> {
  const events: TelemetryEvent[] = [];
  try {
    await readJsonlEvents(path, (event) => events.push(event), options);
    return events;
  } catch (error) {
    if (error instanceof TelemetryFormatError) return error.message.replace(`${path} `, '');
    throw error;
  }
}

/** A valid run of 20 steps: run-start at line 1, step 1 at line 2, step 2 at line 3, … */
const run = fakeRunEvents({ steps: 20, stepsPerEpoch: 100 }) as unknown as Loose[];
const lineOf = (predicate: (event: Loose) => boolean): number => run.findIndex(predicate) + 1;
const stepLine = (step: number): number => lineOf((event) => event.type === 'step' && event.step === step);
const changed = (line: number, change: (event: Loose) => Loose): Loose[] => run.map((event, index) => (index === line - 1 ? change(event) : event));
const without = (event: Loose, field: string): Loose => Object.fromEntries(Object.entries(event).filter(([key]) => key !== field));

describe('readJsonlEvents: each event\'s fields', () => {
  it('reads a valid run whole, in order', async () => {
    expect(await strict(file(run))).toEqual(run);
  });

  const at = stepLine(5);
  const statsLine = lineOf((event) => event.type === 'layer-stats');
  const auditLine = lineOf((event) => event.type === 'audit');
  const cases: [string, Loose[], string][] = [
    ['a loss that is a string', changed(at, (event) => ({ ...event, loss: 'abc' })), `line ${at}: step event: loss: expected a number (NaN and ±Infinity are written "NaN", "Infinity", "-Infinity"), got "abc"`],
    ['a missing step', changed(at, (event) => without(event, 'step')), `line ${at}: step event: step: missing; expected an integer ≥ 0`],
    ['a negative step', changed(at, (event) => ({ ...event, step: -5 })), `line ${at}: step event: step: expected an integer ≥ 0, got -5`],
    ['a fractional epoch', changed(at, (event) => ({ ...event, epoch: 1.5 })), `line ${at}: step event: epoch: expected an integer ≥ 0, got 1.5`],
    ['a wall time of Infinity', changed(at, (event) => ({ ...event, wallTime: Infinity })), `line ${at}: step event: wallTime: expected a finite number ≥ 0, got Infinity`],
    ['a time that is not finite', changed(at, (event) => ({ ...event, time: Number.NaN })), `line ${at}: step event: time: expected a finite number, got NaN`],
    ['a fraction above 1, deep in an object', changed(statsLine, (event) => ({ ...event, activation: { ...(event.activation as Loose), zeroFraction: 2 } })), `line ${statsLine}: layer-stats event: activation.zeroFraction: expected a number from 0 to 1, got 2`],
    ['a gradient that is neither an object nor null', changed(statsLine, (event) => ({ ...event, gradient: 7 })), `line ${statsLine}: layer-stats event: gradient: expected an object, or null, got 7`],
    ['a graph node with a negative dimension', changed(1, (event) => ({ ...event, graph: [(event.graph as Loose[])[0], { ...(event.graph as Loose[])[1], outputShape: [4, -1] }] })), 'line 1: run-start event: graph[1].outputShape[1]: expected an integer ≥ 0, got -1'],
    ['an audit whose ok is a string', changed(auditLine, (event) => ({ ...event, ok: 'yes' })), `line ${auditLine}: audit event: ok: expected true or false, got "yes"`],
    ['an alarm of an unknown kind', changed(at, (event) => ({ ...event, type: 'alarm', kind: 'bogus', message: 'm', policy: 'stop' })), `line ${at}: alarm event: kind: expected one of "non-finite-loss", "non-finite-gradient", "audit-failed", got "bogus"`],
    ['a run-end with an unknown reason', changed(run.length, (event) => ({ ...event, reason: 'tired' })), `line ${run.length}: run-end event: reason: expected one of "completed", "stopped", "error", "alarm", got "tired"`],
    ['a line that is not JSON', changed(at, () => '{oops' as unknown as Loose), `line ${at}: not valid JSON`],
    ['quantiles out of order', changed(statsLine, (event) => ({ ...event, quantiles: { ...(event.quantiles as Loose), weights: [0, 1, 2, 3, 2.5, 4, 5, 6, 7] } })), `line ${statsLine}: layer-stats event: quantiles.weights[4]: expected a quantile ≥ the one before (3), got 2.5`],
    ['eight quantiles', changed(statsLine, (event) => ({ ...event, quantiles: { ...(event.quantiles as Loose), activations: [0, 1, 2, 3, 4, 5, 6, 7] } })), `line ${statsLine}: layer-stats event: quantiles.activations: expected a list of 9 quantiles in non-decreasing order, got [0,1,2,3,4,5,6,7]`],
  ];
  for (const [name, lines, message] of cases) {
    it(`refuses ${name}, naming the line and what was expected`, async () => {
      const result = await strict(file(lines));
      expect(typeof result).toBe('string');
      expect(result as string).toContain(message);
    });
  }

  it('takes NaN and ±Infinity where a measurement may hold them, and fields the schema does not name', async () => {
    const diverged = changed(at, (event) => ({ ...event, loss: Number.NaN, extra: { note: 'a later field' } }));
    const read = await strict(file(diverged));
    expect(Array.isArray(read)).toBe(true);
    expect((read as unknown as Loose[])[at - 1]).toMatchObject({ loss: Number.NaN });
  });
  it('reads a run recorded before layer statistics carried their distributions', async () => {
    const older = fakeRunEvents({ steps: 10, quantiles: false }) as unknown as Loose[];
    expect(older.some((event) => event.type === 'layer-stats')).toBe(true);
    expect(await strict(file(older))).toEqual(older);
  });
});

describe('readJsonlEvents: the run as a whole', () => {
  const resumed = [
    ...fakeRunEvents({ steps: 10, stepsPerEpoch: 100 }).slice(0, -1),
    { ...fakeRunEvents({ steps: 10, stepsPerEpoch: 100 }).at(-1)!, reason: 'stopped' },
    ...fakeRunEvents({ steps: 10, stepsPerEpoch: 100, startStep: 10, firstSeq: fakeRunEvents({ steps: 10, stepsPerEpoch: 100 }).length }),
  ] as unknown as Loose[];
  const second = fakeRunEvents({ steps: 5, runId: 'other-run' }) as unknown as Loose[];

  const cases: [string, Loose[], string][] = [
    ['a duplicated line', [...run.slice(0, 4), run[3]!, ...run.slice(4)], 'line 5: seq 3 after seq 3: expected 4; an event repeated or out of order'],
    ['a missing line', [...run.slice(0, 4), ...run.slice(5)], 'line 5: seq 5 after seq 3: expected 4 (1 event missing)'],
    ['two lines in reverse order', [...run.slice(0, 4), run[5]!, run[4]!, ...run.slice(6)], 'line 5: seq 5 after seq 3: expected 4 (1 event missing)'],
    ['a file without its run-start', run.slice(1), 'line 1: expected the run\'s run-start event first, got a step event'],
    ['an event of another run', changed(6, (event) => ({ ...event, runId: 'intruder' })), 'line 6: runId "intruder" is not the run\'s: expected "fake-run", the run that began at line 1'],
    ['a second run after the first', [...run, ...second], `line ${run.length + 1}: a second run, "other-run", begins: expected one run per file (run "fake-run" began at line 1); a file of several runs is read with multipleRuns (replay --multiple-runs)`],
    ['a step that goes back', changed(stepLine(9), (event) => ({ ...event, step: 3 })), `line ${stepLine(9)}: step 3 after step 8: expected steps that never go back`],
    ['a step event repeated under a new seq', changed(stepLine(9), (event) => ({ ...event, step: 8 })), `line ${stepLine(9)}: step 8 again: expected one step event per step`],
    ['a layer that is not in the graph', changed(lineOf((event) => event.type === 'layer-stats'), (event) => ({ ...event, layer: 'ghost' })), 'is not a node of the run\'s graph: expected one of "dense1", "relu1", "dense2"'],
  ];
  for (const [name, lines, message] of cases) {
    it(`refuses ${name}, naming the line and what was expected`, async () => {
      const result = await strict(file(lines));
      expect(typeof result).toBe('string');
      expect(result as string).toContain(message);
    });
  }

  it('reads a resumed run (a second run-start of the same run, its seq and steps going on)', async () => {
    expect(await strict(file(resumed))).toHaveLength(resumed.length);
  });

  it('reads several runs with multipleRuns, each with its own seq and steps', async () => {
    expect(await strict(file([...run, ...second]), { multipleRuns: true })).toHaveLength(run.length + second.length);
  });

  it('reads a run recorded by watch, resumed once, without a problem', async () => {
    const path = join(folder, 'recorded.jsonl');
    const first = tinyRun(12, { runId: 'recorded' });
    const watching = await watch(first, { console: false, jsonl: path, layerStats: { everySteps: 1 }, audits: { everySteps: 4 } });
    await first.result;
    await watching.finished;
    await watching.dispose();
    const again = tinyRun(12, { resume: first.state(), maxSteps: 20 });
    const watchingAgain = await watch(again, { console: false, jsonl: path, layerStats: { everySteps: 1 }, audits: { everySteps: 4 } });
    await again.result;
    await watchingAgain.finished;
    await watchingAgain.dispose();
    const events: TelemetryEvent[] = [];
    const summary = await readJsonlEvents(path, (event) => events.push(event));
    expect(events.filter((event) => event.type === 'run-start')).toHaveLength(2);
    expect(events.filter((event) => event.type === 'audit').length).toBeGreaterThan(0);
    expect(summary).toMatchObject({ events: readJsonl(path).events.length, problems: 0, runs: 1, truncated: null });
  });
});

describe('readJsonlEvents: lenient reading and a torn last line', () => {
  it('reports each problem with its line, leaves out the events at fault and reads on', async () => {
    const lines = changed(stepLine(3), (event) => ({ ...event, loss: 'abc' }));
    lines.splice(stepLine(7), 0, run[stepLine(6) - 1]!); // a repeated step-6 event after step 7's
    const problems: JsonlProblem[] = [];
    const events: TelemetryEvent[] = [];
    const summary = await readJsonlEvents(file(lines), (event) => events.push(event), { lenient: true, onProblem: (problem) => problems.push(problem) });
    expect(problems).toEqual([
      { line: stepLine(3), message: expect.stringMatching(/^step event: loss: expected a number .*got "abc"$/) },
      { line: stepLine(7) + 1, message: expect.stringMatching(/^seq \d+ after seq \d+: expected \d+; an event repeated or out of order$/) },
    ]);
    expect(summary).toMatchObject({ problems: 2, events: run.length - 1 });
    expect(events.map((event) => event.seq)).toEqual(run.map((event) => event.seq).filter((seq) => seq !== run[stepLine(3) - 1]!.seq));
  });

  it('reports a last line cut off mid-write as truncated, not as a problem', async () => {
    const text = run.map((event) => encodeEvent(event as unknown as TelemetryEvent)).join('\n');
    const path = join(folder, 'torn.jsonl');
    writeFileSync(path, text.slice(0, -25));
    const events: TelemetryEvent[] = [];
    const summary = await readJsonlEvents(path, (event) => events.push(event));
    expect(summary.truncated).toEqual({ line: run.length, bytes: Buffer.byteLength(encodeEvent(run.at(-1) as unknown as TelemetryEvent)) - 25 });
    expect(summary.problems).toBe(0);
    expect(events).toHaveLength(run.length - 1);
    // A whole last event without its newline is read.
    expect(await strict(file(run, ''))).toHaveLength(run.length);
  });

  it('refuses a line longer than maxLineBytes without holding it, and holds no more for a file twice as long', async () => {
    const long = `{"type":"step","pad":"${'x'.repeat(50_000)}"}`;
    const lines = [...run.slice(0, 3), long, ...run.slice(3)];
    await expect(readJsonlEvents(file(lines), () => undefined, { maxLineBytes: 4096, chunkBytes: 1024 })).rejects.toThrow(`line 4: a line of ${Buffer.byteLength(long)} bytes: expected at most 4096 bytes a line (maxLineBytes)`);
    // What is held of an unfinished line never exceeds the longest line, however many lines follow.
    for (const copies of [50, 100]) {
      const many = Array.from({ length: copies }, (_, copy) => fakeRunEvents({ steps: 20, runId: `run-${copy}` })).flat();
      const longest = Math.max(...many.map((event) => Buffer.byteLength(encodeEvent(event))));
      const summary = await readJsonlEvents(file(many), () => undefined, { multipleRuns: true, chunkBytes: 1024 });
      expect(summary.events).toBe(many.length);
      expect(summary.peakHeldBytes).toBeGreaterThan(0);
      expect(summary.peakHeldBytes).toBeLessThanOrEqual(longest);
    }
  });
});

describe('readJsonlEvents: memory', () => {
  it('holds no more after reading twice as many events: the heap at the 2N-th event is the heap at the N-th', async () => {
    // A collection on demand, to measure what is held rather than what is garbage.
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    const path = join(folder, 'long.jsonl');
    const runs = 60; // 60 runs of 500 steps: 52,620 events, 10 MB
    writeFileSync(path, Array.from({ length: runs }, (_, copy) => fakeRunEvents({ steps: 500, runId: `run-${copy}` }).map((event) => `${encodeEvent(event)}\n`).join('')).join(''));
    const total = readJsonl(path).events.length;
    const half = Math.floor(total / 2);
    const heapAt = new Map<number, number>();
    const events$ = new Subject<TelemetryEvent>();
    const printed = consoleSink(events$, { output: { write: () => true }, mode: 'lines', everySteps: 100 });
    let count = 0;
    await readJsonlEvents(path, (event) => {
      events$.next(event);
      count++;
      if (count === half || count === 2 * half) {
        collect();
        heapAt.set(count, process.memoryUsage().heapUsed);
      }
    }, { multipleRuns: true });
    events$.complete();
    await printed.finished;
    // 26,310 more events read and played: 20 bytes kept per event would add 0.5 MB, the events themselves 6 MB.
    expect(heapAt.get(2 * half)! - heapAt.get(half)!).toBeLessThan(128 * 1024);
  });
});
