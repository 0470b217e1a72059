import { Tensor } from '../tensor/tensor.ts';
import { softmaxRows, rowLength } from '../tensor/rows.ts';
import { defineLayer, layerName, sameFeatures, type LayerNameOptions } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/**
 * Softmax over the last axis: yᵢ = e^(xᵢ) / Σⱼ e^(xⱼ), computed after subtracting the
 * row maximum so that logits of any size stay finite.
 * Backward (the Jacobian diag(y) − y·yᵀ applied to dy): dxᵢ = yᵢ · (dyᵢ − Σⱼ dyⱼ·yⱼ).
 * The Jacobian is symmetric, so forward mode applies the same product to the tangent:
 * tyᵢ = yᵢ · (txᵢ − Σⱼ txⱼ·yⱼ).
 */
export function softmax(options?: LayerNameOptions): Layer {
  assertOptions(options, 'softmax');
  return defineLayer({
    name: layerName(options?.name, 'softmax'),
    factoryCall: { factory: 'softmax', args: options === undefined ? [] : [options] },
    outputShape: sameFeatures,
    forward: (x) => {
      const y = softmaxRows(x);
      return { y, saved: y };
    },
    backward: (dy, y) => ({ dx: jacobianTimes(dy, y) }),
    jvp: ({ x: tx }, y) => jacobianTimes(tx, y),
  });
}

/** (diag(y) − y·yᵀ)·v for each row: the Jacobian applied to dy (backward) or to a tangent (jvp). */
function jacobianTimes(v: Tensor, y: Tensor): Tensor {
  const n = rowLength(y);
  const out = new Float64Array(y.size);
  const g = v.data, s = y.data;
  for (let offset = 0; offset < out.length; offset += n) {
    let weighted = 0;
    for (let j = 0; j < n; j++) weighted += g[offset + j]! * s[offset + j]!;
    for (let j = 0; j < n; j++) out[offset + j] = s[offset + j]! * (g[offset + j]! - weighted);
  }
  return new Tensor(out, v.shape);
}
