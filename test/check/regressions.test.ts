/**
 * Cases the soak once flagged on correct layers, kept so the verifier never raises those
 * false alarms again. All are attentions with weights of 1000: rounding the logits moves the
 * outputs far more than the magnitudes of the terms alone predict. The condition noise
 * ε·Σ|u|·|∂g/∂u| accounts for the first two; in the third, the four samples at the first step
 * agreed by chance, and the finer step measures the noise they hid.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/tensor/tensor.ts';
import { findLayer } from '../../src/layers/registry.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { formatReport } from '../../src/check/report/formatReport.ts';

function withParams(layer: Layer, values: Record<string, number[]>): Layer {
  for (const [key, data] of Object.entries(values)) layer.params[key]!.data.set(data);
  return layer;
}

const zeros4 = [0, 0, 0, 0];

describe('false alarms found by the soak', () => {
  it('selfAttention, full mode: a key bias whose derivative is 0 through a saturated tie (soak seed 620429751)', () => {
    const layer = withParams(findLayer('selfAttention')!.make(), {
      Wq: [-0.5187, 0, 0, 1.3181, 0, 0, -1000, 0, -2.6259, -1.7082, 0, -0.979, -1.6498, 2.7494, 0, 1.1181],
      Wk: [0, 0, 0, 0, 0, 0, 1000, 0, -2.1621, -0.5, -2.0962, -2, 3.081, 1, 0.0014, 0],
      Wv: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.159, -2.9199, 0],
      Wo: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
      bq: [0, 0, -0.5, 0], bk: zeros4, bv: zeros4, bo: zeros4,
    });
    const x = tensor([[[-3.4842, 2, -0.5, -1.65], [-3.4305, -1, 0, 1.3724], [1, 1000, -0.5, -2.3541]]]);
    const dy = tensor([[[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]]);
    const report = checkGradients(layer, x, { dy, mode: 'full' });
    expect(report.ok, formatReport(report)).toBe(true);
  });

  it('selfAttention, fast mode: values of 1e6 behind two tied keys (soak seed 620429751)', () => {
    const layer = withParams(findLayer('selfAttention')!.make(), {
      Wq: [0.5, -0.5, 0.996, 1.3004, 2, -1.3188, -0.0006, -2.857, 0, 0, 0, 0, 0, 0, 0, 0],
      Wk: [0, 1, 0, -2.0444, -2, -2.1876, -2.5462, -0.626, 0, 0, 0, 0, 0, 0, 0, 0],
      Wv: [0, 0, 0, 1000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      Wo: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0],
      bq: [-1.7474, 2.1768, 0, 0], bk: [-0.4869, 0.5, 0, 0], bv: zeros4, bo: zeros4,
    });
    const x = tensor([[[-0.0005, -1.3738, -2, 1], [0.5, -1, -1000, -1000], [0, 0, 0, 0]]]);
    const dy = tensor([[[0, 0, 0, 2], [0, 0, 0, 0], [0, 0, 0, 0]]]);
    const report = checkGradients(layer, x, { dy, mode: 'fast' });
    expect(report.ok, formatReport(report)).toBe(true);
  });

  it('selfAttentionCausal, full mode: samples that agree by chance under noise of 1e-9 (soak seed 621381429)', () => {
    const layer = withParams(findLayer('selfAttentionCausal')!.make(), {
      Wq: [-0.5, 1000, 1000, 1000, 2.5803, 0, 0.5, -4, 0, 1000, 0, 1000, 0, 0, 3.7186, 0],
      Wk: [1.2812, -0.0864, 1.3769, 1.0377, 0, 0, 2, -4, -1, 1, -0.3686, -0.6325, 2, 0, -1.1349, -2],
      Wv: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1000, 0, 0, 0, 0, 0],
      Wo: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0],
      bq: [2, -3, -1, 1], bk: [0, 0, 1000, 0], bv: zeros4, bo: zeros4,
    });
    const x = tensor([[[0.1688, 1, -0.9998, -3.7509], [0, 0, 0, 0], [0.4829, 2.1622, -2.1374, 2]]]);
    const dy = tensor([[[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, -1]]]);
    const report = checkGradients(layer, x, { dy, mode: 'full' });
    expect(report.ok, formatReport(report)).toBe(true);
  });
});
