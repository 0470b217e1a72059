import { Tensor } from '../tensor/tensor.ts';
import { logSoftmaxRows, rowLength } from '../tensor/rows.ts';
import { defineLayer, layerName, sameFeatures, type LayerNameOptions } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/**
 * Log-softmax over the last axis: yᵢ = xᵢ − log Σⱼ e^(xⱼ), stable for logits of any size.
 * Backward: dxᵢ = dyᵢ − softmax(x)ᵢ · Σⱼ dyⱼ, with softmax(x) = e^y.
 * Forward mode (the Jacobian I − 1·softmax(x)ᵀ, not symmetric): tyᵢ = txᵢ − Σⱼ softmax(x)ⱼ·txⱼ.
 */
export function logSoftmax(options?: LayerNameOptions): Layer {
  assertOptions(options, 'logSoftmax');
  return defineLayer({
    name: layerName(options?.name, 'logSoftmax'),
    factoryCall: { factory: 'logSoftmax', args: options === undefined ? [] : [options] },
    outputShape: sameFeatures,
    forward: (x) => {
      const y = logSoftmaxRows(x);
      return { y, saved: y };
    },
    backward: (dy, y) => {
      const n = rowLength(y);
      const dx = new Float64Array(y.size);
      const g = dy.data, logp = y.data;
      for (let offset = 0; offset < dx.length; offset += n) {
        let total = 0;
        for (let j = 0; j < n; j++) total += g[offset + j]!;
        for (let j = 0; j < n; j++) dx[offset + j] = g[offset + j]! - Math.exp(logp[offset + j]!) * total;
      }
      return { dx: new Tensor(dx, dy.shape) };
    },
    jvp: ({ x: tx }, y) => {
      const n = rowLength(y);
      const ty = new Float64Array(y.size);
      const t = tx.data, logp = y.data;
      for (let offset = 0; offset < ty.length; offset += n) {
        let expected = 0;
        for (let j = 0; j < n; j++) expected += Math.exp(logp[offset + j]!) * t[offset + j]!;
        for (let j = 0; j < n; j++) ty[offset + j] = t[offset + j]! - expected;
      }
      return new Tensor(ty, tx.shape);
    },
  });
}
