import { Tensor, ShapeError, formatShape } from '../tensor/tensor.ts';
import { rowCount, sumRows } from '../tensor/rows.ts';
import { inverseStd, normalizeRows, normalizedBackward, rowMoments } from '../tensor/normalize.ts';
import { defineLayer, expectLastFeature, positiveInteger, layerName } from './defineLayer.ts';
import { assertOptions, finiteAtLeastZero } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/** Options of {@link layerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance before the square root. Default 1e-5. */
  readonly eps?: number | undefined;
  /** Name in reports and errors. Default `'layerNorm'`. */
  readonly name?: string | undefined;
}

/**
 * Layer normalisation, PyTorch's `nn.LayerNorm(features)`, over the last axis of
 * `[batch, ..., features]`: each row is normalised by its own mean μ and biased variance σ²,
 * x̂ = (x − μ)/√(σ² + ε), then y = γ ⊙ x̂ + β.
 *
 * Backward, per row with s = 1/√(σ² + ε) and g = dy ⊙ γ:
 * dx = s·(g − mean(g) − x̂·mean(g ⊙ x̂)) (the mean terms are the paths through μ and σ²),
 * dγ = Σ dy ⊙ x̂ and dβ = Σ dy over every row.
 *
 * Forward mode: ty = γ ⊙ tx̂ + tγ ⊙ x̂ + tβ, with tx̂ = s·(tx − mean(tx) − x̂·mean(tx ⊙ x̂)):
 * the Jacobian of x ↦ x̂ is symmetric, so tx̂ is the same product as backward's.
 *
 * Parameters `gamma` (PyTorch's `weight`) start at 1 and `beta` (`bias`) at 0, both [features].
 */
export function layerNorm(features: number, options: LayerNormOptions = {}): Layer {
  assertOptions(options, 'layerNorm');
  const name = layerName(options.name, 'layerNorm');
  positiveInteger(features, `${name}: features`);
  const eps = finiteAtLeastZero(options.eps ?? 1e-5, name, 'eps');
  const gamma = new Tensor(new Float64Array(features).fill(1), [features]);
  const beta = new Tensor(new Float64Array(features), [features]);

  return defineLayer({
    name,
    factoryCall: { factory: 'layerNorm', args: [features, options] },
    params: { gamma, beta },
    // Normalised over the last axis only, like dense: [features] alone, or after any leading axes.
    inputFeatures: [features],
    outputShape: (inputFeatures) => {
      expectLastFeature(name, inputFeatures, features);
      return inputFeatures.slice();
    },
    forward: (x, params) => {
      if (x.rank < 2 || x.shape[x.rank - 1] !== features) {
        throw new ShapeError(`${name}: expected input of shape [batch, ..., ${features}], got ${formatShape(x.shape)}`);
      }
      const rows = rowCount(x);
      const { mean, variance } = rowMoments(x.data, rows, features);
      const scale = inverseStd(variance, eps);
      // A row whose variance overflows (|x − μ| past ~1e154) would give 1/√∞ = 0 and y = β with zero
      // gradients, hiding the overflow from the step's checks; PyTorch's layer_norm gives NaN there, and so does this.
      for (let r = 0; r < rows; r++) if (variance[r] === Infinity) scale[r] = Number.NaN;
      const xhat = normalizeRows(x.data, features, mean, scale);
      const g = params.gamma!.data, b = params.beta!.data;
      const y = new Float64Array(x.size);
      for (let offset = 0; offset < y.length; offset += features) {
        for (let j = 0; j < features; j++) y[offset + j] = g[j]! * xhat[offset + j]! + b[j]!;
      }
      return { y: new Tensor(y, x.shape), saved: { xhat, scale } };
    },
    backward: (dy, { xhat, scale }, params) => {
      const g = params.gamma!.data, gradient = dy.data;
      const dxhat = new Float64Array(gradient.length);
      const dGamma = new Float64Array(features);
      for (let offset = 0; offset < gradient.length; offset += features) {
        for (let j = 0; j < features; j++) {
          dxhat[offset + j] = gradient[offset + j]! * g[j]!;
          dGamma[j]! += gradient[offset + j]! * xhat[offset + j]!;
        }
      }
      return {
        dx: new Tensor(normalizedBackward(dxhat, xhat, features, scale), dy.shape),
        dParams: { gamma: new Tensor(dGamma, [features]), beta: sumRows(dy) },
      };
    },
    jvp: ({ x: tx, params: tangents }, { xhat, scale }, params) => {
      const txhat = normalizedBackward(tx.data, xhat, features, scale);
      const g = params.gamma!.data, tGamma = tangents.gamma!.data, tBeta = tangents.beta!.data;
      const ty = new Float64Array(txhat.length);
      for (let offset = 0; offset < ty.length; offset += features) {
        for (let j = 0; j < features; j++) ty[offset + j] = g[j]! * txhat[offset + j]! + tGamma[j]! * xhat[offset + j]! + tBeta[j]!;
      }
      return new Tensor(ty, tx.shape);
    },
  });
}
