import { Tensor } from '../tensor/tensor.ts';
import { softmaxRows, rowLength } from '../tensor/rows.ts';
import { defineLayer, sameFeatures } from './defineLayer.ts';
import type { Layer } from './contract.ts';

/**
 * Softmax over the last axis: yᵢ = e^(xᵢ) / Σⱼ e^(xⱼ), computed after subtracting the
 * row maximum so that logits of any size stay finite.
 * Backward (the Jacobian diag(y) − y·yᵀ applied to dy): dxᵢ = yᵢ · (dyᵢ − Σⱼ dyⱼ·yⱼ).
 */
export function softmax(): Layer {
  return defineLayer({
    name: 'softmax',
    factoryCall: { factory: 'softmax', args: [] },
    outputShape: sameFeatures,
    forward: (x) => {
      const y = softmaxRows(x);
      return { y, saved: y };
    },
    backward: (dy, y) => {
      const n = rowLength(y);
      const dx = new Float64Array(y.size);
      const g = dy.data, s = y.data;
      for (let offset = 0; offset < dx.length; offset += n) {
        let weighted = 0;
        for (let j = 0; j < n; j++) weighted += g[offset + j]! * s[offset + j]!;
        for (let j = 0; j < n; j++) dx[offset + j] = s[offset + j]! * (g[offset + j]! - weighted);
      }
      return { dx: new Tensor(dx, dy.shape) };
    },
  });
}
