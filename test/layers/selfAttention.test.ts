import { describe, expect, it } from 'vitest';
import { Tensor, ShapeError } from '../../src/tensor/tensor.ts';
import { selfAttention } from '../../src/layers/selfAttention.ts';
import { softmaxBackwardRows } from '../../src/tensor/attention.ts';
import { analyticGradients, numericGradients, sampleTensor, worstError } from './numericGradient.ts';

/** Sets W to the identity and every bias to zero. */
function identityProjection(layer: ReturnType<typeof selfAttention>, name: string): void {
  const W = layer.params[`W${name}`]!;
  const d = W.shape[0]!;
  W.data.fill(0);
  for (let i = 0; i < d; i++) W.data[i * d + i] = 1;
  layer.params[`b${name}`]?.data.fill(0);
}

describe('selfAttention', () => {
  it('averages the values uniformly when the queries are zero, and over the prefix when causal', () => {
    for (const causal of [false, true]) {
      const layer = selfAttention(2, { causal, seed: 1 });
      layer.params.Wq!.data.fill(0);
      layer.params.bq!.data.fill(0);
      identityProjection(layer, 'v');
      identityProjection(layer, 'o');
      const x = new Tensor(Float64Array.of(1, 2, 3, 4, 5, 9), [1, 3, 2]);
      const y = Array.from(layer.forward(x).y.data);
      expect(y).toEqual(causal ? [1, 2, 2, 3, 3, 5] : [3, 5, 3, 5, 3, 5]);
    }
  });

  it('computes softmax(Q·Kᵀ/√dHead) per head: a hand-checked two-token case', () => {
    const layer = selfAttention(1, { seed: 1 });
    for (const name of ['q', 'k', 'v', 'o']) identityProjection(layer, name);
    const x = new Tensor(Float64Array.of(1, 2), [1, 2, 1]);
    // Scores: q·k = [[1, 2], [2, 4]]; token 0 weights e¹, e² over values 1, 2.
    const y = layer.forward(x).y.data;
    expect(y[0]).toBeCloseTo((Math.E * 1 + Math.E ** 2 * 2) / (Math.E + Math.E ** 2), 14);
    expect(y[1]).toBeCloseTo((Math.E ** 2 * 1 + Math.E ** 4 * 2) / (Math.E ** 2 + Math.E ** 4), 14);
  });

  it('lets no position see a later one when causal', () => {
    const layer = selfAttention(4, { heads: 2, causal: true, seed: 3 });
    const x = sampleTensor([1, 4, 4], 1);
    const changed = x.clone();
    for (let j = 0; j < 4; j++) changed.data[3 * 4 + j]! += 1; // the last position
    const [a, b] = [layer.forward(x).y.data, layer.forward(changed).y.data];
    expect(Array.from(a.slice(0, 12))).toEqual(Array.from(b.slice(0, 12)));
    expect(Array.from(a.slice(12))).not.toEqual(Array.from(b.slice(12)));
  });

  it('is equivariant to permutations of the sequence without a mask', () => {
    const layer = selfAttention(4, { heads: 2, seed: 5 });
    const x = sampleTensor([1, 3, 4], 2);
    const order = [2, 0, 1];
    const permuted = new Tensor(new Float64Array(12), [1, 3, 4]);
    order.forEach((from, to) => permuted.data.set(x.data.subarray(from * 4, from * 4 + 4), to * 4));
    const [y, yp] = [layer.forward(x).y.data, layer.forward(permuted).y.data];
    order.forEach((from, to) => {
      for (let j = 0; j < 4; j++) expect(yp[to * 4 + j]).toBeCloseTo(y[from * 4 + j]!, 14);
    });
  });

  it('matches central differences for x and all eight parameters, with heads and a causal mask', () => {
    for (const options of [{ heads: 2, seed: 1 }, { heads: 3, causal: true, seed: 2 }, { heads: 1, bias: false, seed: 3 }]) {
      const layer = selfAttention(6, options);
      for (const tensor of Object.values(layer.params)) tensor.data.set(sampleTensor(tensor.shape, tensor.size).data);
      const x = sampleTensor([2, 4, 6], 7), dy = sampleTensor([2, 4, 6], 8);
      const numeric = numericGradients(layer, x, dy);
      const analytic = analyticGradients(layer, x, dy);
      expect(Object.keys(analytic).sort()).toEqual(Object.keys(numeric).sort());
      for (const key of Object.keys(numeric)) expect(worstError(analytic[key]!, numeric[key]!), `${JSON.stringify(options)} ${key}`).toBeLessThan(1e-8);
    }
  });

  it("initialises as PyTorch's MultiheadAttention: Xavier uniform Wq, Wk, Wv, Linear's Wo, zero biases", () => {
    const layer = selfAttention(8, { seed: 4 });
    expect(Object.keys(layer.params).sort()).toEqual(['Wk', 'Wo', 'Wq', 'Wv', 'bk', 'bo', 'bq', 'bv']);
    const xavier = Math.sqrt(6 / 32);
    for (const name of ['Wq', 'Wk', 'Wv']) {
      expect(layer.params[name]!.shape).toEqual([8, 8]);
      expect(Math.max(...layer.params[name]!.data.map(Math.abs))).toBeLessThanOrEqual(xavier);
    }
    expect(Math.max(...layer.params.Wo!.data.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(8));
    for (const name of ['bq', 'bk', 'bv', 'bo']) expect(Array.from(layer.params[name]!.data).every((v) => v === 0)).toBe(true);
    expect(Object.keys(selfAttention(8, { bias: false }).params).sort()).toEqual(['Wk', 'Wo', 'Wq', 'Wv']);
  });

  it('validates heads and names the expected shape', () => {
    expect(() => selfAttention(6, { heads: 4 })).toThrow('selfAttention: heads (4) must divide dModel (6)');
    expect(() => selfAttention(6, { heads: 0 })).toThrow('selfAttention: heads: expected a positive integer, got 0');
    expect(() => selfAttention(4).forward(sampleTensor([2, 4], 1))).toThrow('selfAttention: expected input of shape [batch, sequence, 4], got [2, 4]');
    expect(() => selfAttention(4).outputShape!([3, 5])).toThrow(ShapeError);
    expect(selfAttention(4).outputShape!([3, 4])).toEqual([3, 4]);
  });

  it("keeps the softmax backward's relative precision for a saturated row", () => {
    // Logits [0, −40]: A = [1, e^−40] in float64. The true dS = A₀·A₁·[dA₀ − dA₁, dA₁ − dA₀];
    // the plain A ⊙ (dA − ⟨A, dA⟩) gives dS₀ = 1·(1 − 1) = 0.
    const small = Math.exp(-40) / (1 + Math.exp(-40));
    const dS = softmaxBackwardRows(Float64Array.of(1, small), Float64Array.of(1, 2), 2, 1);
    expect(dS[0]).toBe(-small);
    expect(dS[1]).toBe(small);
  });
});
