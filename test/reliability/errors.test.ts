import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import type { TrainHandle } from '../../src/graph/trainer.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { errorCases, type ErrorCase } from './fixtures/errorCases.ts';

const isRun = (value: unknown): value is TrainHandle => typeof (value as TrainHandle)?.stop === 'function' && (value as TrainHandle).result instanceof Promise;
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

/** Watches a run to its end: its events, and whether its telemetry and every tap completed. */
function observe(run: TrainHandle) {
  const events: TelemetryEvent[] = [];
  const completed = { telemetry: false, forward: false, backward: false, update: false, step: false };
  run.telemetry$.subscribe({ next: (e) => events.push(e), complete: () => (completed.telemetry = true) });
  run.taps.forward$.subscribe({ complete: () => (completed.forward = true) });
  run.taps.backward$.subscribe({ complete: () => (completed.backward = true) });
  run.taps.update$.subscribe({ complete: () => (completed.update = true) });
  run.taps.step$.subscribe({ complete: () => (completed.step = true) });
  return { events, completed };
}

/** The run failed with the row's error, and ended cleanly: run-end sent, every stream completed, the graph free again. */
async function expectCleanFailure(run: TrainHandle, row: ErrorCase): Promise<void> {
  const baseline = timers();
  const { events, completed } = observe(run);
  const error = await run.result.then(() => undefined, (e: unknown) => e as Error);
  expect(error, 'the run should have failed').toBeInstanceOf(Error);
  expect(error!.name).toBe(row.type);
  expect(error!.message).toBe(row.message);
  expect(completed).toEqual({ telemetry: true, forward: true, backward: true, update: true, step: true });
  expect(events.at(-1)).toMatchObject({ type: 'run-end', reason: row.type === 'NonFiniteError' ? 'alarm' : 'error', error: row.message });
  expect(timers()).toBeLessThanOrEqual(baseline);
}

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const sink = (append: (text: string) => void) => new Writable({ write: (chunk, _encoding, done) => { append(String(chunk)); done(); } });
  const code = await main(args, { stdout: sink(() => undefined), stderr: sink((text) => (stderr += text)) });
  return { code, stderr };
}

describe.each([...new Set(errorCases.map((row) => row.group))])('%s', (group) => {
  it.each(errorCases.filter((row) => row.group === group).map((row) => [row.case, row] as const))('%s', async (_, row) => {
    if (row.how === 'thrown') {
      let thrown: unknown;
      try {
        row.provoke();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      expect((thrown as Error).name).toBe(row.type);
      expect((thrown as Error).message).toBe(row.message);
      return;
    }
    if (row.how === 'exit') {
      const { code, stderr } = await cli(row.provoke() as string[]);
      expect(String(code)).toBe(row.type);
      expect(stderr.split('\n')[0]).toBe(row.message);
      expect(stderr).toContain('usage:');
      return;
    }
    const provoked = row.provoke();
    if (!isRun(provoked)) {
      await expect(provoked).rejects.toThrow(row.message);
      await (provoked as Promise<unknown>).catch((error: Error) => expect(error.name).toBe(row.type));
      return;
    }
    if (row.how === 'rejected') {
      await expectCleanFailure(provoked, row);
      return;
    }
    const { events } = observe(provoked);
    const result = await provoked.result;
    expect(events.filter((e) => e.type === 'alarm')).toEqual([expect.objectContaining({ kind: row.type, message: row.message, policy: 'continue' })]);
    expect(result).toMatchObject({ reason: 'completed', steps: 2, step: 2 });
    expect(Number.isFinite(result.loss)).toBe(true);
  });
});

it('a failed run lets its graph train again at once', async () => {
  const row = errorCases.find((r) => r.case === 'backward throws')!;
  const run = row.provoke() as TrainHandle;
  await run.result.catch(() => undefined);
  const { train } = await import('../../src/graph/trainer.ts');
  const { sgd } = await import('../../src/optim/sgd.ts');
  const { mse } = await import('../../src/layers/mse.ts');
  const again = train(run.graph, [], { loss: mse(), optimizer: sgd(0.1) });
  await expect(again.result).rejects.toThrow('train: the data yielded no batches in epoch 1');
});
