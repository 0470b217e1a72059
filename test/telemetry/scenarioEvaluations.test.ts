/**
 * The scenarios that score held-out data send the scores as their runs' `evaluation` events,
 * so that the JSONL record, the dashboard's accuracy chart and Prometheus see them: MNIST (the
 * tour's run, which scores each epoch itself, its epochs being one stream to the trainer),
 * iris and custom-layer (each epoch, through `validation`) and attention (once its batches are
 * done).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train, type TrainHandle } from '../../src/graph/trainer.ts';
import type { EvaluationEvent } from '../../src/telemetry/events.ts';
import { recordingContext, type StartRun } from '../../src/scenarios/scenario.ts';
import { iris } from '../../src/scenarios/iris.ts';
import { customLayer } from '../../src/scenarios/customLayer.ts';
import { attention } from '../../src/scenarios/attention.ts';
import { trainMnist } from '../../src/scenarios/mnist.ts';
import { watch } from '../../src/telemetry/watch.ts';
import { readJsonl } from '../../src/telemetry/jsonlFile.ts';

/** A `startRun` that keeps every evaluation event of the runs it starts. */
function recordingEvaluations(): { startRun: StartRun; evaluations: EvaluationEvent[] } {
  const evaluations: EvaluationEvent[] = [];
  const startRun: StartRun = (graph, data, options) => {
    const run = train(graph, data, options);
    run.telemetry$.subscribe((event) => {
      if (event.type === 'evaluation') evaluations.push(event);
    });
    return run;
  };
  return { startRun, evaluations };
}

describe('scenarios that evaluate', () => {
  it('iris scores its test flowers after every epoch; the last score is the one it prints', async () => {
    const { startRun, evaluations } = recordingEvaluations();
    const outcome = await iris.run(recordingContext({ seed: 1, startRun }));
    expect(evaluations.map((event) => event.epoch)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(evaluations.at(-1)).toMatchObject({ split: 'validation', accuracy: outcome.accuracy, loss: outcome.loss });
  });

  it('custom-layer scores its test flowers after every epoch', async () => {
    const { startRun, evaluations } = recordingEvaluations();
    const outcome = await customLayer.run(recordingContext({ startRun }));
    expect(evaluations).toHaveLength(40);
    expect(evaluations.at(-1)!.accuracy).toBe(outcome.accuracy);
  });

  it('attention scores its held-out sequences once its batches are done: the token accuracy', async () => {
    const { startRun, evaluations } = recordingEvaluations();
    const outcome = await attention.run(recordingContext({ startRun }));
    expect(evaluations).toHaveLength(1);
    expect(evaluations[0]!.accuracy).toBe(outcome.tokenAccuracy);
  });

  it("MNIST's scores of each epoch reach the JSONL record and Prometheus, as the tour's dashboard gets them", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'gradstream-evaluations-'));
    try {
      const jsonl = join(directory, 'mnist.jsonl');
      let watching: Awaited<ReturnType<typeof watch>> | undefined;
      let started: Promise<void> | undefined;
      const outcome = await trainMnist({
        seed: 0, epochs: 2, trainLimit: 640, print: () => undefined,
        onStart: (run: TrainHandle) => {
          started = watch(run, { console: false, jsonl, prometheus: true, layerStats: false }).then((attached) => {
            watching = attached;
          });
        },
      });
      await started;
      await watching!.finished;
      const evaluations = readJsonl(jsonl).events.filter((event): event is EvaluationEvent => event.type === 'evaluation');
      expect(evaluations.map(({ step, epoch, split }) => ({ step, epoch, split }))).toEqual([{ step: 10, epoch: 1, split: 'test' }, { step: 20, epoch: 2, split: 'test' }]);
      expect(evaluations.map((event) => event.accuracy)).toEqual(outcome.accuracyByEpoch);
      expect(evaluations.every((event) => Number.isFinite(event.loss) && event.loss > 0)).toBe(true);
      const metrics = await watching!.prometheus!.metrics();
      expect(metrics).toContain(`gradstream_evaluation_accuracy_ratio{split="test"} ${outcome.accuracyByEpoch[1]}`);
      await watching!.dispose();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
