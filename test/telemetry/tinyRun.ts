/** A small real training run for telemetry tests: a 4-8-3 network on separable synthetic data. */
import { interval, map, Observable, take } from 'rxjs';
import { Tensor } from '../../src/tensor/tensor.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { dense } from '../../src/layers/dense.ts';
import { relu } from '../../src/layers/relu.ts';
import { softmaxCrossEntropy } from '../../src/layers/softmaxCrossEntropy.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { sequential } from '../../src/graph/builder.ts';
import { sgd } from '../../src/optim/sgd.ts';
import { train, type TrainHandle } from '../../src/graph/trainer.ts';
import type { TrainOptions } from '../../src/graph/trainOptions.ts';
import type { Batch } from '../../src/data/dataset.ts';

/** Batch `index` of a seeded stream: class c has features centred on 2·e_c. */
export function syntheticBatch(index: number, rows = 16): Batch {
  const random = createRandom(`telemetry batch ${index}`);
  const x = new Float64Array(rows * 4);
  const target = new Float64Array(rows * 3);
  for (let row = 0; row < rows; row++) {
    const label = row % 3;
    for (let f = 0; f < 4; f++) x[row * 4 + f] = random.normal() * 0.5 + (f === label ? 2 : 0);
    target[row * 3 + label] = 1;
  }
  return { x: new Tensor(x, [rows, 4]), target: new Tensor(target, [rows, 3]) };
}

/** The network; `middle` replaces the ReLU (a broken layer, for instance). */
export function tinyNet(middle: Layer = relu()) {
  return sequential([dense(4, 8, { seed: 1 }), middle, dense(8, 3, { seed: 2 })], { inputFeatures: [4] });
}

/** Trains the tiny net on `steps` batches. */
export function tinyRun(steps: number, options: Partial<TrainOptions> & { middle?: Layer } = {}): TrainHandle {
  const { middle, ...trainOptions } = options;
  const batches = Array.from({ length: steps }, (_, i) => syntheticBatch(i));
  return train(tinyNet(middle), batches, { loss: softmaxCrossEntropy(), optimizer: sgd(0.1), ...trainOptions });
}

/** A promise and the call that settles it: a gate of {@link gatedRun} the test opens. */
export function opening(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

/** A point a gated run waits at: the batch of step `beforeStep + 1` is not sent until `open` settles. */
export interface RunGate {
  readonly beforeStep: number;
  readonly open: Promise<unknown>;
}

/**
 * A live run fed one batch every `everyMs` ms, for `steps` steps, that waits at each gate (still
 * running, a step done) until the test opens it: a test that must see the run live waits for what
 * it needs to see, however slow the machine, and lets it go on then.
 */
export function gatedRun(steps: number, everyMs: number, gates: readonly RunGate[], options: Partial<TrainOptions> = {}): TrainHandle {
  const batches = new Observable<Batch>((subscriber) => {
    let ended = false;
    void (async () => {
      for (let i = 0; i < steps && !ended; i++) {
        for (const gate of gates) if (gate.beforeStep === i) await gate.open;
        await new Promise((resolve) => setTimeout(resolve, everyMs));
        if (!ended) subscriber.next(syntheticBatch(i));
      }
      if (!ended) subscriber.complete();
    })();
    return () => {
      ended = true;
    };
  });
  return train(tinyNet(), batches, { loss: softmaxCrossEntropy(), optimizer: sgd(0.1), ...options });
}

/** A live run fed one batch every `everyMs` ms, for up to `steps` steps (stop it earlier with `stop()`). */
export function pacedRun(steps: number, everyMs: number, options: Partial<TrainOptions> = {}): TrainHandle {
  const batches: Observable<Batch> = interval(everyMs).pipe(take(steps), map((i) => syntheticBatch(i)));
  return train(tinyNet(), batches, { loss: softmaxCrossEntropy(), optimizer: sgd(0.1), ...options });
}
