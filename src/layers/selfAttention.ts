import { Tensor, ShapeError, formatShape, describe, sizeOf } from '../tensor/tensor.ts';
import { createRandom } from '../tensor/random.ts';
import { swapAxes } from '../tensor/permute.ts';
import { linearBackward, linearForward } from '../tensor/linear.ts';
import { attentionBackward, attentionForward, type AttentionShape } from '../tensor/attention.ts';
import { defineLayer, positiveInteger, layerName } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/** Options of {@link selfAttention}. */
export interface SelfAttentionOptions {
  /** Number of heads; must divide dModel. Default 1. */
  readonly heads?: number | undefined;
  /** Mask keys after the query's position (an autoregressive model). Default false. */
  readonly causal?: boolean | undefined;
  /** Seed of the initial weights. Default 0. */
  readonly seed?: number | undefined;
  /** Add the biases bq, bk, bv, bo. Default true. */
  readonly bias?: boolean | undefined;
  /** Name in reports. Default `'selfAttention'`. */
  readonly name?: string | undefined;
}

const projections = ['q', 'k', 'v'] as const;

/**
 * Multi-head self-attention, PyTorch's `nn.MultiheadAttention(dModel, heads)` called as
 * attention(x, x, x), on [batch, sequence, dModel]:
 * Q = x·Wqᵀ + bq, K = x·Wkᵀ + bk, V = x·Wvᵀ + bv, split into heads of dHead = dModel/heads;
 * per head A = softmax(Q·Kᵀ/√dHead) over the keys (keys after the query masked with −∞
 * when causal), O = A·V; the heads are concatenated and y = O·Woᵀ + bo.
 *
 * Backward through each step in reverse: dO = dy·Wo; dV = Aᵀ·dO; dA = dO·Vᵀ;
 * dS = A ⊙ (dA − rowsum(dA ⊙ A)) (the softmax Jacobian); dQ = dS·K/√dHead,
 * dK = dSᵀ·Q/√dHead; dx = dQ·Wq + dK·Wk + dV·Wv (x feeds all three projections);
 * dW = dPᵀ·input and db = Σ dP for each projection P.
 *
 * Parameters `Wq`, `Wk`, `Wv`, `Wo` [dModel, dModel] and `bq`, `bk`, `bv`, `bo` [dModel],
 * initialised as PyTorch does: the query, key and value weights Xavier uniform over
 * their stacked [3·dModel, dModel] matrix (bound √(6/(4·dModel))), Wo uniform in
 * ±1/√dModel, every bias zero.
 *
 * @example selfAttention(8, { heads: 2, causal: true, seed: 1 }) // [batch, seq, 8] → [batch, seq, 8]
 */
export function selfAttention(dModel: number, options: SelfAttentionOptions = {}): Layer {
  assertOptions(options, 'selfAttention');
  const name = layerName(options.name, 'selfAttention');
  positiveInteger(dModel, `${name}: dModel`);
  sizeOf([dModel, dModel], `${name}: projections`);
  const heads = positiveInteger(options.heads ?? 1, `${name}: heads`);
  if (dModel % heads !== 0) throw new RangeError(`${name}: heads (${heads}) must divide dModel (${dModel})`);
  const causal = options.causal ?? false;
  if (typeof causal !== 'boolean') throw new TypeError(`${name}: causal must be a boolean, got ${describe(causal)}`);
  const withBias = options.bias ?? true;
  const dHead = dModel / heads;
  const params = initialParams(dModel, options.seed ?? 0, withBias);

  return defineLayer({
    name,
    factoryCall: { factory: 'selfAttention', args: [dModel, options] },
    params,
    outputShape: (features) => {
      if (features.length !== 2 || features[1] !== dModel) {
        throw new ShapeError(`${name}: expected input features [sequence, ${dModel}], got ${formatShape(features)}`);
      }
      return features.slice();
    },
    forward: (x, p) => {
      if (x.rank !== 3 || x.shape[2] !== dModel) {
        throw new ShapeError(`${name}: expected input of shape [batch, sequence, ${dModel}], got ${formatShape(x.shape)}`);
      }
      const [batch, sequence] = x.shape as [number, number, number];
      const rows = batch * sequence;
      const shape: AttentionShape = { groups: batch * heads, sequence, dHead, causal };
      // [batch, sequence, heads, dHead] → [batch, heads, sequence, dHead]: one contiguous block per head.
      const [q, k, v] = projections.map((P) =>
        swapAxes(linearForward(x.data, rows, dModel, dModel, p[`W${P}`]!.data, p[`b${P}`]?.data), batch, sequence, heads, dHead),
      ) as [Float64Array, Float64Array, Float64Array];
      const { out, weights } = attentionForward(q, k, v, shape);
      const merged = swapAxes(out, batch, heads, sequence, dHead);
      const y = linearForward(merged, rows, dModel, dModel, p.Wo!.data, p.bo?.data);
      return { y: new Tensor(y, x.shape), saved: { x, q, k, v, weights, merged, shape } };
    },
    backward: (dy, { x, q, k, v, weights, merged, shape }, p, wanted) => {
      const [batch, sequence] = x.shape as [number, number, number];
      const rows = batch * sequence;
      const dParams: Record<string, Tensor> = {};
      const dMerged = new Float64Array(rows * dModel);
      keep(dParams, 'o', linearBackward(dy.data, merged, rows, dModel, dModel, p.Wo!.data, dMerged), dModel, withBias);
      const dOut = swapAxes(dMerged, batch, sequence, heads, dHead);
      const headGradients = attentionBackward(dOut, q, k, v, weights, shape);
      // dx not wanted (the graph's input): the three products dP·W_P are skipped.
      const dx = wanted.dx ? new Float64Array(x.size) : undefined;
      for (const P of projections) {
        const dProjection = swapAxes(headGradients[`d${P}`], batch, heads, sequence, dHead);
        keep(dParams, P, linearBackward(dProjection, x.data, rows, dModel, dModel, p[`W${P}`]!.data, dx), dModel, withBias);
      }
      return dx ? { dx: new Tensor(dx, x.shape), dParams } : { dParams };
    },
  });
}

/** Stores one projection's gradients under PyTorch-style names (W·, b·). */
function keep(dParams: Record<string, Tensor>, P: string, { dW, db }: { dW: Float64Array; db: Float64Array }, dModel: number, withBias: boolean): void {
  dParams[`W${P}`] = new Tensor(dW, [dModel, dModel]);
  if (withBias) dParams[`b${P}`] = new Tensor(db, [dModel]);
}

function initialParams(dModel: number, seed: number, withBias: boolean): Record<string, Tensor> {
  const random = createRandom(seed);
  const xavier = Math.sqrt(6 / (4 * dModel));
  const linear = 1 / Math.sqrt(dModel);
  const matrix = (bound: number) => new Tensor(random.uniformArray(dModel * dModel, -bound, bound), [dModel, dModel]);
  const params: Record<string, Tensor> = { Wq: matrix(xavier), Wk: matrix(xavier), Wv: matrix(xavier), Wo: matrix(linear) };
  if (withBias) for (const P of ['q', 'k', 'v', 'o']) params[`b${P}`] = new Tensor(new Float64Array(dModel), [dModel]);
  return params;
}
