/**
 * What a run says of itself when it starts, and the evaluations a caller adds: `train`'s
 * `name` and `config` (free-form JSON, refused with its path when JSON cannot carry it), the
 * trainer's own settings and the run's environment in `run-start`; `recordEvaluation` while
 * the run goes on; records made before these fields still read.
 */
import { describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { from, lastValueFrom, toArray } from 'rxjs';
import { decodeEvent, encodeEvent } from '../../src/telemetry/codec.ts';
import { eventFieldProblem } from '../../src/telemetry/eventSchema.ts';
import type { EvaluationEvent, RunStartEvent, TelemetryEvent } from '../../src/telemetry/events.ts';
import { RunSequence } from '../../src/telemetry/runSequence.ts';
import { train } from '../../src/graph/trainer.ts';
import { softmaxCrossEntropy } from '../../src/layers/softmaxCrossEntropy.ts';
import { adam } from '../../src/optim/adam.ts';
import { syntheticBatch, tinyNet, tinyRun } from './tinyRun.ts';

const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const events = (run: ReturnType<typeof train>): Promise<TelemetryEvent[]> => lastValueFrom(run.telemetry$.pipe(toArray()));

describe('run-start', () => {
  it('carries the name and config given, the trainer\'s settings and where the run ran', async () => {
    const config = { lr: 0.01, tags: ['sweep', 'baseline'], notes: 'first try', nested: { depth: 2, off: null, on: true } };
    const run = train(tinyNet(), [syntheticBatch(0, 12), syntheticBatch(1, 12)], {
      loss: softmaxCrossEntropy(), optimizer: adam(0.01), epochs: 3, seed: 7, shuffle: true, maxSteps: 5, name: 'adam, lr 0.01', config,
    });
    const start = (await events(run))[0] as RunStartEvent;
    expect(start.name).toBe('adam, lr 0.01');
    expect(start.config).toEqual(config);
    expect(start.training).toEqual({
      loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', ...adam(0.01).hyperparameters }, epochs: 3, microbatches: 1, guard: 'stop',
      shuffle: true, maxSteps: 5, parameters: 4 * 8 + 8 + 8 * 3 + 3, batchSize: 12,
    });
    expect(start.environment).toEqual({ gradstream: packageVersion, host: hostname(), runtime: `node ${process.versions.node}` });
    expect(start.seed).toBe(7);
    expect(eventFieldProblem(start)).toBeNull();
    // Through the JSONL file and back, the configuration is as given.
    expect(decodeEvent(encodeEvent(start))).toEqual(start);
  });

  it('records null for a name not given, {} for no config, and no batch size for a stream', async () => {
    const run = train(tinyNet(), from([syntheticBatch(0), syntheticBatch(1)]), { loss: softmaxCrossEntropy(), optimizer: adam(0.01) });
    const start = (await events(run))[0] as RunStartEvent;
    expect(start.name).toBeNull();
    expect(start.config).toEqual({});
    expect(start.training).toMatchObject({ batchSize: null, maxSteps: null, epochs: 1 });
  });

  it.each([
    [{ lr: Number.NaN }, 'config.lr is NaN; write a number that is not finite as a string'],
    [{ schedule: [0.1, Number.POSITIVE_INFINITY] }, 'config.schedule[1] is Infinity'],
    [{ when: new Date(0) }, 'config.when is an object (Date), not a plain object'],
    [{ callback: () => 1 }, 'config.callback is a function'],
    [{ missing: undefined }, 'config.missing is undefined'],
    [{ big: 10n }, 'config.big is bigint 10'],
    [{ 'a key': { deeper: [new Map()] } }, 'config["a key"].deeper[0] is an object (Map), not a plain object'],
  ])('refuses a config JSON cannot carry unchanged (%#), naming where', (config, message) => {
    expect(() => tinyRun(1, { config: config as never })).toThrow(message);
  });

  it('refuses a cycle, a config that is not an object, and an empty name', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    expect(() => tinyRun(1, { config: cyclic as never })).toThrow('config.self.back refers back to an object that contains it (a cycle)');
    expect(() => tinyRun(1, { config: [1, 2] as never })).toThrow('train: config must be a plain object of JSON values');
    expect(() => tinyRun(1, { name: '  ' })).toThrow('train: name must be a non-empty string');
  });

  it('of a record made before names, training and environment still reads and replays', () => {
    // A run-start as gradstream wrote them before: the trainer's settings merged into config.
    const old = '{"v":1,"runId":"old","seq":0,"time":1700000000000,"type":"run-start","config":{"loss":"mse","optimizer":{"name":"sgd","lr":0.1},"epochs":2,"microbatches":1,"guard":"stop","shuffle":false,"parameters":10},"seed":9,"graph":[{"name":"input","layer":"input","inputs":[],"outputShape":[2],"parameters":0}],"startStep":0}';
    const event = decodeEvent(old);
    expect(eventFieldProblem(event)).toBeNull();
    expect(new RunSequence().check(event, 1)).toEqual({ problem: null, play: true });
  });

  it('refuses a training summary or an environment of the wrong shape', () => {
    const run = decodeEvent('{"v":1,"runId":"r","seq":0,"time":1,"type":"run-start","config":{},"seed":1,"graph":[],"startStep":0}') as RunStartEvent;
    expect(eventFieldProblem({ ...run, name: 3 } as never)).toBe('name: expected a string, or null, got 3');
    expect(eventFieldProblem({ ...run, training: { loss: 'mse' } } as never)).toMatch(/^training\.optimizer: missing/);
    expect(eventFieldProblem({ ...run, environment: { gradstream: null, host: null } } as never)).toMatch(/^environment\.runtime: missing/);
  });
});

describe('recordEvaluation', () => {
  it('sends an evaluation at the last completed step, in sequence with the run\'s events', async () => {
    const run = tinyRun(6);
    run.taps.step$.subscribe(({ step }) => {
      if (step % 3 === 0) run.recordEvaluation({ split: 'test', loss: 1 / step, accuracy: step / 6 });
    });
    const all = await events(run);
    const evaluations = all.filter((event): event is EvaluationEvent => event.type === 'evaluation');
    expect(evaluations.map(({ step, epoch, split, loss, accuracy }) => ({ step, epoch, split, loss, accuracy }))).toEqual([
      { step: 3, epoch: 1, split: 'test', loss: 1 / 3, accuracy: 0.5 },
      { step: 6, epoch: 1, split: 'test', loss: 1 / 6, accuracy: 1 },
    ]);
    // Right after its step, with the run's next seq.
    const third = all.findIndex((event) => event.type === 'step' && event.step === 3);
    expect(all[third + 1]!.type).toBe('evaluation');
    expect(all.map((event) => event.seq)).toEqual(all.map((_, i) => i));
  });

  it('takes the epoch given, and null accuracy when there is none', async () => {
    const run = tinyRun(2);
    run.taps.step$.subscribe(({ step }) => run.recordEvaluation({ split: 'holdout', loss: Number.NaN, epoch: 4 + step }));
    const evaluations = (await events(run)).filter((event): event is EvaluationEvent => event.type === 'evaluation');
    expect(evaluations.map(({ epoch, accuracy, loss }) => ({ epoch, accuracy, loss }))).toEqual([{ epoch: 5, accuracy: null, loss: Number.NaN }, { epoch: 6, accuracy: null, loss: Number.NaN }]);
  });

  it('refuses bad records, and any record before the run starts or after it ended', async () => {
    const run = tinyRun(2);
    expect(() => run.recordEvaluation({ split: 'test', loss: 1 })).toThrow('has not started yet');
    const refusals: string[] = [];
    run.taps.step$.subscribe(() => {
      for (const bad of [{ split: '', loss: 1 }, { split: 'test', loss: '1' }, { split: 'test', loss: 1, accuracy: 1.5 }, { split: 'test', loss: 1, epoch: 0 }]) {
        try {
          run.recordEvaluation(bad as never);
        } catch (error) {
          refusals.push((error as Error).message);
        }
      }
    });
    await run.result;
    expect(refusals.slice(0, 4)).toEqual([
      "recordEvaluation: split must be a non-empty string such as 'test', got \"\"",
      'recordEvaluation: loss must be a number, got "1"',
      'recordEvaluation: accuracy must be a fraction in [0, 1] or null, got 1.5',
      'recordEvaluation: epoch must be an integer ≥ 1, got 0',
    ]);
    expect(() => run.recordEvaluation({ split: 'test', loss: 1 })).toThrow(/has ended \(its run-end event was sent\)/);
  });
});
