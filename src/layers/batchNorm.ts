import { Tensor, ShapeError, formatShape, describe } from '../tensor/tensor.ts';
import { swapAxes } from '../tensor/permute.ts';
import { inverseStd, normalizeRows, normalizedBackward, rowMoments } from '../tensor/normalize.ts';
import { defineLayer, positiveInteger, layerName } from './defineLayer.ts';
import { assertOptions, finiteAtLeastZero } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  readonly eps?: number | undefined;
  /** Weight of the batch in the running statistics' update. Default 0.1. */
  readonly momentum?: number | undefined;
  /** Name in reports and errors. Default `'batchNorm'`. */
  readonly name?: string | undefined;
}

/**
 * Batch normalisation, PyTorch's `nn.BatchNorm1d(features)` on [batch, features] or
 * [batch, features, length], and `nn.BatchNorm2d` on [batch, features, height, width]
 * (any number of trailing axes): each feature (channel) c is normalised over the batch
 * and every trailing position, x̂ = (x − μ_c)/√(σ²_c + ε), then y = γ_c·x̂ + β_c.
 *
 * Training (`context.training`, the default) uses the batch's mean and biased variance;
 * the gradient couples the whole batch: per channel, with s = 1/√(σ² + ε) and
 * g = dy·γ_c, dx = s·(g − mean(g) − x̂·mean(g·x̂)). It also updates the buffers
 * `running_mean` and `running_var` (PyTorch's names, starting at 0 and 1):
 * running ← (1 − momentum)·running + momentum·batch, with the unbiased batch variance
 * (divided by m − 1 for m values per channel). This update is the only state any layer
 * mutates, and nothing computed in training depends on it. Training needs more than one
 * value per channel, as in PyTorch.
 *
 * Evaluation (`training: false`) normalises with the running statistics, so the layer is
 * the affine map y = γ_c·(x − running_mean_c)/√(running_var_c + ε) + β_c, and
 * dx = dy·γ_c/√(running_var_c + ε). In both modes dγ_c = Σ dy·x̂ and dβ_c = Σ dy.
 *
 * Parameters `gamma` (PyTorch's `weight`) start at 1 and `beta` (`bias`) at 0, both
 * [features]. PyTorch's `momentum=None` (a cumulative average) is not offered.
 */
export function batchNorm(features: number, options: BatchNormOptions = {}): Layer {
  assertOptions(options, 'batchNorm');
  const name = layerName(options.name, 'batchNorm');
  positiveInteger(features, `${name}: features`);
  const eps = finiteAtLeastZero(options.eps ?? 1e-5, name, 'eps');
  const momentum = options.momentum ?? 0.1;
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw new RangeError(`${name}: momentum must be a number in [0, 1], got ${describe(momentum)}`);
  }
  const gamma = new Tensor(new Float64Array(features).fill(1), [features]);
  const beta = new Tensor(new Float64Array(features), [features]);
  const runningMean = new Tensor(new Float64Array(features), [features]);
  const runningVar = new Tensor(new Float64Array(features).fill(1), [features]);

  return defineLayer({
    name,
    factoryCall: { factory: 'batchNorm', args: [features, options] },
    params: { gamma, beta },
    buffers: { running_mean: runningMean, running_var: runningVar },
    batchIndependent: false, // training normalises each channel over the whole batch
    outputShape: (inputFeatures) => {
      if (inputFeatures.length < 1 || inputFeatures[0] !== features) {
        throw new ShapeError(`${name}: expected input features [${features}, ...], got ${formatShape(inputFeatures)}`);
      }
      return inputFeatures.slice();
    },
    forward: (x, params, context) => {
      if (x.rank < 2 || x.shape[1] !== features) {
        throw new ShapeError(`${name}: expected input of shape [batch, ${features}, ...], got ${formatShape(x.shape)}`);
      }
      const batch = x.shape[0]!;
      const inner = batch === 0 ? 0 : x.size / (batch * features);
      const count = batch * inner; // values per channel
      const channelRows = swapAxes(x.data, 1, batch, features, inner); // [features, batch, inner]
      let mean: Float64Array, scale: Float64Array;
      if (context.training) {
        if (count < 2) {
          throw new ShapeError(`${name}: training needs more than one value per feature, got input of shape ${formatShape(x.shape)}`);
        }
        const moments = rowMoments(channelRows, features, count);
        mean = moments.mean;
        scale = inverseStd(moments.variance, eps);
        updateRunning(runningMean.data, runningVar.data, moments, momentum, count);
      } else {
        mean = runningMean.data.slice();
        scale = inverseStd(runningVar.data, eps);
      }
      const xhat = normalizeRows(channelRows, count, mean, scale);
      const g = params.gamma!.data, b = params.beta!.data;
      const y = new Float64Array(x.size);
      for (let c = 0, offset = 0; c < features; c++, offset += count) {
        for (let k = 0; k < count; k++) y[offset + k] = g[c]! * xhat[offset + k]! + b[c]!;
      }
      const saved = { xhat, scale, training: context.training, batch, inner };
      return { y: new Tensor(swapAxes(y, 1, features, batch, inner), x.shape), saved };
    },
    backward: (dy, { xhat, scale, training, batch, inner }, params) => {
      const count = batch * inner;
      const g = params.gamma!.data;
      const dyRows = swapAxes(dy.data, 1, batch, features, inner);
      const dxhat = new Float64Array(dyRows.length);
      const dGamma = new Float64Array(features);
      const dBeta = new Float64Array(features);
      for (let c = 0, offset = 0; c < features; c++, offset += count) {
        for (let k = 0; k < count; k++) {
          const d = dyRows[offset + k]!;
          dxhat[offset + k] = d * g[c]!;
          dGamma[c]! += d * xhat[offset + k]!;
          dBeta[c]! += d;
        }
      }
      const dxRows = training ? normalizedBackward(dxhat, xhat, count, scale) : scaleRows(dxhat, count, scale);
      return {
        dx: new Tensor(swapAxes(dxRows, 1, features, batch, inner), dy.shape),
        dParams: { gamma: new Tensor(dGamma, [features]), beta: new Tensor(dBeta, [features]) },
      };
    },
  });
}

/** running ← (1 − momentum)·running + momentum·batch, the variance unbiased (× m/(m − 1)). */
function updateRunning(
  runningMean: Float64Array,
  runningVar: Float64Array,
  batch: { mean: Float64Array; variance: Float64Array },
  momentum: number,
  count: number,
): void {
  const unbias = count / (count - 1);
  for (let c = 0; c < runningMean.length; c++) {
    runningMean[c] = (1 - momentum) * runningMean[c]! + momentum * batch.mean[c]!;
    runningVar[c] = (1 - momentum) * runningVar[c]! + momentum * batch.variance[c]! * unbias;
  }
}

/** Row r multiplied by factor[r]. */
function scaleRows(data: Float64Array, length: number, factor: Float64Array): Float64Array {
  const out = new Float64Array(data.length);
  for (let r = 0, offset = 0; r < factor.length; r++, offset += length) {
    for (let k = 0; k < length; k++) out[offset + k] = data[offset + k]! * factor[r]!;
  }
  return out;
}
