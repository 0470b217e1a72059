import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { from, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { consoleSink } from '../../src/telemetry/consoleSink.ts';
import { auditsText, bar, formatDuration, formatNumber, progressBarLine, secondsLeft } from '../../src/telemetry/consoleFormat.ts';
import type { StepEvent, TelemetryEvent } from '../../src/telemetry/events.ts';
import { fakeRunEvents } from './fakeRun.ts';

function capture(isTTY: boolean): Writable & { text: () => string; isTTY: boolean; columns: number } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  }) as Writable & { text: () => string; isTTY: boolean; columns: number };
  stream.isTTY = isTTY;
  stream.columns = 120;
  stream.text = () => text;
  return stream;
}

describe('console formatting', () => {
  it('formats numbers, durations and bars for people', () => {
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(1234.5678)).toBe('1235');
    expect(formatNumber(1.5e-7)).toBe('1.50e-7');
    expect(formatNumber(Number.NaN)).toBe('NaN');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(bar(0.5, 4)).toBe('██  ');
    expect(bar(1 / 16, 2)).toBe('▏ ');
  });

  it('estimates the time left from the pace since the run (or its resume) started', () => {
    const step = { step: 150, wallTime: 10, loss: 1, samplesPerSecond: 5, epoch: 0 } as StepEvent;
    const progress = { step, startStep: 100, totalSteps: 200, audits: { passed: 0, failed: 0, layers: 0, of: null }, alarms: 0 };
    expect(secondsLeft(progress)).toBe(10);
    expect(progressBarLine(progress, 200)).toMatch(/75% step 150\/200 · loss 1 · 5 samples\/s · ETA 0:10$/);
  });

  it('counts audits with the distinct layers they covered, out of those in turn when known', () => {
    expect(auditsText({ passed: 0, failed: 0, layers: 0, of: 3 })).toBeNull();
    expect(auditsText({ passed: 12, failed: 0, layers: 3, of: 3 })).toBe('audits 12 ok over 3 of 3 layers');
    expect(auditsText({ passed: 1, failed: 0, layers: 1, of: 3 })).toBe('audits 1 ok over 1 of 3 layers');
    expect(auditsText({ passed: 10, failed: 2, layers: 2, of: 3 })).toBe('audits 2/12 FAILED over 2 of 3 layers');
    expect(auditsText({ passed: 4, failed: 0, layers: 1, of: 1 })).toBe('audits 4 ok over 1 of 1 layer');
    expect(auditsText({ passed: 4, failed: 0, layers: 2, of: null })).toBe('audits 4 ok over 2 layers');
  });
});

describe('consoleSink', () => {
  it('prints plain lines when the output is not a terminal: start, every N steps, milestones, end', async () => {
    const output = capture(false);
    const events = fakeRunEvents({ steps: 40, failingAuditSteps: [20], alarmSteps: [33] });
    await consoleSink(from(events), { output, everySteps: 10 }).finished;
    const lines = output.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^run fake-run: 3 nodes, 40 parameters, seed 1, 40 steps$/);
    expect(lines.filter((line) => line.startsWith('step '))).toHaveLength(4);
    expect(lines).toContainEqual(expect.stringMatching(/^step 10\/40 \(25%\) epoch 0 loss 0\.6325 lr 0\.1/));
    expect(lines).toContainEqual(expect.stringMatching(/^✗ gradient audit FAILED at step 20: layer relu1, worst relative error 0\.3/));
    expect(lines).toContainEqual(expect.stringMatching(/^⚠ alarm at step 33 \(non-finite-loss\): loss is NaN at step 33; the run goes on$/));
    expect(lines).toContainEqual(expect.stringMatching(/^evaluation \(test\) at step 20, epoch 0: loss 0\.4919, accuracy 50\.00%$/));
    expect(lines.at(-1)).toBe('run completed: 40 steps in 0:00; final loss 0.3162; audits 1/4 FAILED over 3 of 3 layers');
    expect(output.text()).not.toContain('\r');
  });

  it('writes a step\'s line after that step\'s audit, so the last line counts every audit', async () => {
    const output = capture(false);
    // An audit every 10 steps, after its step's event, as a live run emits them.
    const events = fakeRunEvents({ steps: 30, stepsPerEpoch: 100 });
    await consoleSink(from(events), { output, everySteps: 10 }).finished;
    const lines = output.text().trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('step ')).map((line) => line.replace(/^(step \S+).* · /, '$1 · '))).toEqual([
      'step 10/30 · audits 1 ok over 1 of 3 layers',
      'step 20/30 · audits 2 ok over 2 of 3 layers',
      'step 30/30 · audits 3 ok over 3 of 3 layers',
    ]);
    expect(lines.at(-1)).toBe('run completed: 30 steps in 0:00; final loss 0.3651; audits 3 ok over 3 of 3 layers');
  });

  it('writes a waiting step line when the stream stops without a run-end', async () => {
    const output = capture(false);
    const events = fakeRunEvents({ steps: 20 }).filter((event) => event.type !== 'run-end');
    await consoleSink(from(events), { output, everySteps: 20 }).finished;
    expect(output.text().trimEnd().split('\n').at(-1)).toMatch(/^step 20\/20 .* · audits 2 ok over 2 of 3 layers$/);
  });

  it('redraws a progress bar in place on a terminal, at most once per redraw period', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, flush }) => {
      const events = fakeRunEvents({ steps: 10, auditEvery: 0, stepsPerEpoch: 100 });
      // One event per frame; a 4-frame redraw period.
      const source = cold<TelemetryEvent>(events.map((_, i) => String.fromCharCode(97 + i)).join('') + '|',
        Object.fromEntries(events.map((event, i) => [String.fromCharCode(97 + i), event])));
      const output = capture(true);
      consoleSink(source, { output, redrawMs: 4 });
      flush();
      const text = output.text();
      const redraws = text.split('\r').length - 1;
      expect(redraws).toBeGreaterThan(1);
      expect(redraws).toBeLessThan(10);
      expect(text).toMatch(/\r▕█+▏ 100% step 10\/10 · loss 0\.6325/);
      expect(text.trimEnd().split('\n').at(-1)).toBe('run completed: 10 steps in 0:00; final loss 0.6325');
    });
  });

  it('escapes the control characters of names and messages from user code, and keeps its own', async () => {
    // An alarm whose message would set the terminal's title and clear the screen, a layer name
    // with a carriage return and a C1 CSI, an error message of two lines that ends in a bell.
    const hostile = '\u001b]0;pwned\u0007\u001b[2J';
    const events = fakeRunEvents({ steps: 20, runId: `run${hostile}`, layers: ['dense1', 'relu\r\u009b1'], failingAuditSteps: [20], stepsPerEpoch: 100 })
      .map((event): TelemetryEvent => {
        if (event.type === 'alarm') return { ...event, message: `loss is NaN${hostile}` };
        if (event.type === 'run-end') return { ...event, reason: 'error', error: `exploded\nat layer relu\u0007` };
        return event;
      });
    const withAlarm: TelemetryEvent[] = [...events.slice(0, 3), { ...events[2]!, type: 'alarm', step: 1, kind: 'non-finite-loss', message: `loss is NaN${hostile}`, policy: 'continue', layer: 'relu\r\u009b1' } as TelemetryEvent, ...events.slice(3)];
    for (const tty of [false, true]) {
      const output = capture(tty);
      await consoleSink(from(withAlarm), { output, everySteps: 10, redrawMs: 0 }).finished;
      const text = output.text();
      expect(text).toContain('run run\\u001b]0;pwned\\u0007\\u001b[2J: 2 nodes');
      expect(text).toContain('⚠ alarm at step 1 (non-finite-loss) in layer relu\\u000d\\u009b1: loss is NaN\\u001b]0;pwned\\u0007\\u001b[2J; the run goes on');
      expect(text).toContain('layer relu\\u000d\\u009b1, worst relative error');
      // The error keeps its own line break; its bell is escaped.
      expect(text).toContain('run failed at step 20 after 0:00: exploded\nat layer relu\\u0007');
      // Nothing from the events reaches the output raw: the only controls are the sink's own
      // newlines, and on a terminal its carriage returns and erase-line sequences.
      const own = tty ? text.replaceAll('\r\u001b[K', '').replaceAll('\u001b[K', '').replaceAll('\r', '') : text;
      expect(own).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    }
  });

  it('shows a failed audit at once on its own line, without waiting for a redraw', () => {
    const output = capture(true);
    const events = new Subject<TelemetryEvent>();
    const sink = consoleSink(events, { output, redrawMs: 1_000_000 });
    const run = fakeRunEvents({ steps: 10, failingAuditSteps: [10] });
    for (const event of run.filter((e) => e.type !== 'run-end')) events.next(event);
    expect(output.text()).toMatch(/^✗ gradient audit FAILED at step 10: layer dense1, worst relative error 0\.3 — dense1: dW off by 30%$/m);
    expect(output.text()).not.toContain('step 10/10');
    void sink.dispose();
  });
});
