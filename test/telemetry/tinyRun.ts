/** A small real training run for telemetry tests: a 4-8-3 network on separable synthetic data. */
import { interval, map, take, type Observable } from 'rxjs';
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

/** A live run fed one batch every `everyMs` ms, for up to `steps` steps (stop it earlier with `stop()`). */
export function pacedRun(steps: number, everyMs: number, options: Partial<TrainOptions> = {}): TrainHandle {
  const batches: Observable<Batch> = interval(everyMs).pipe(take(steps), map((i) => syntheticBatch(i)));
  return train(tinyNet(), batches, { loss: softmaxCrossEntropy(), optimizer: sgd(0.1), ...options });
}
