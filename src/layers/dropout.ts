import { Tensor, describe } from '../tensor/tensor.ts';
import { createRandom } from '../tensor/random.ts';
import { defineLayer, sameFeatures, layerName } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Seed of the masks; with the step it fixes each step's mask. Default 0. */
  readonly seed?: number | undefined;
  /** Name in reports and errors. Default `'dropout'`. */
  readonly name?: string | undefined;
}

/**
 * Dropout, PyTorch's `nn.Dropout(p)`: in training each value is zeroed with probability
 * p and the kept ones are scaled by 1/(1 − p), so the expected output equals x:
 * y = x ⊙ m, mᵢ ∈ {0, 1/(1 − p)}; dx = dy ⊙ m, with the same mask m. In evaluation
 * (`context.training` false) y = x and dx = dy.
 *
 * The mask is drawn from (seed, context.step) alone, so the forward and backward of a
 * step use the same mask, and a replayed step (or the verifier, which holds the step
 * fixed) sees it again. With p = 1 every value is dropped and y = 0.
 *
 * @example dropout(0.5, { seed: 1 }).forward(x, { training: true, step: 3 })
 */
export function dropout(p = 0.5, options: DropoutOptions = {}): Layer {
  assertOptions(options, 'dropout');
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new RangeError(`dropout: p must be a probability in [0, 1], got ${describe(p)}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`dropout: seed must be a safe integer, got ${describe(seed)}`);
  const keepScale = p === 1 ? 0 : 1 / (1 - p);

  return defineLayer({
    name: layerName(options.name, 'dropout'),
    factoryCall: { factory: 'dropout', args: [p, options] },
    outputShape: sameFeatures,
    forward: (x, _params, context) => {
      const mask = context.training && p > 0 ? stepMask(x.size, p, keepScale, seed, context.step) : undefined;
      if (!mask) return { y: new Tensor(x.data.slice(), x.shape), saved: mask };
      const y = new Float64Array(x.size);
      const xs = x.data;
      for (let i = 0; i < y.length; i++) y[i] = xs[i]! * mask[i]!;
      return { y: new Tensor(y, x.shape), saved: mask };
    },
    backward: (dy, mask) => {
      if (!mask) return { dx: new Tensor(dy.data.slice(), dy.shape) };
      const g = dy.data;
      const dx = new Float64Array(g.length);
      for (let i = 0; i < dx.length; i++) dx[i] = g[i]! * mask[i]!;
      return { dx: new Tensor(dx, dy.shape) };
    },
  });
}

/** The mask of one step: 0 with probability p, `keepScale` otherwise; a function of (seed, step, size) only. */
function stepMask(size: number, p: number, keepScale: number, seed: number, step: number): Float64Array {
  const random = createRandom(`dropout:${seed}:${step}`);
  const mask = new Float64Array(size);
  for (let i = 0; i < size; i++) mask[i] = random.uniform() < p ? 0 : keepScale;
  return mask;
}
