/**
 * The built-in layers and losses at non-finite and extreme values, against PyTorch 1.13 in
 * float64: a NaN in the input is never turned into a number, and large finite logits keep
 * log-softmax and cross-entropy exact where PyTorch's are. Every expected value below is
 * PyTorch 1.13's (float64, the same input and dy), written as a literal.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.ts';
import { builtinLayers } from '../../src/layers/registry.ts';
import { logSoftmax } from '../../src/layers/logSoftmax.ts';
import { softmax } from '../../src/layers/softmax.ts';
import { sigmoid } from '../../src/layers/sigmoid.ts';
import { softmaxCrossEntropy } from '../../src/layers/softmaxCrossEntropy.ts';
import { argmaxRows } from '../../src/tensor/rows.ts';
import { layerNorm } from '../../src/layers/layerNorm.ts';

const row = (values: number[]) => new Tensor(Float64Array.from(values), [1, values.length]);
const dyRow = row([0.1, -0.2, 0.3, 0.45]);

/**
 * Entry by entry: a non-finite expected value must be matched exactly (NaN by NaN, ±∞ by the
 * same infinity); a finite one to 1e-12 relative, 1e-15 absolute (the sign of a zero is not
 * compared: −0 and +0 differ between the two libraries without consequence).
 */
function expectValues(what: string, actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  expected.forEach((want, i) => {
    const got = actual[i]!;
    const where = `${what}[${i}]: got ${got}, PyTorch gives ${want}`;
    if (!Number.isFinite(want)) expect(Object.is(got, want), where).toBe(true);
    else expect(Math.abs(got - want) <= 1e-12 * Math.abs(want) + 1e-15, where).toBe(true);
  });
}

describe('log-softmax at large logits (PyTorch 1.13 values)', () => {
  // The normaliser max + log Σ rounded away log Σ beside a large max: these rows gave 0 and −2
  // where PyTorch, which subtracts the maximum first, gives −log 4 and the exact values.
  const cases: { logits: number[]; y: number[]; dx: number[] }[] = [
    {
      logits: [1e308, 1e308, 1e308, 1e308],
      y: [-1.3862943611198906, -1.3862943611198906, -1.3862943611198906, -1.3862943611198906],
      dx: [-0.0625, -0.36250000000000004, 0.13749999999999998, 0.2875],
    },
    {
      logits: [1e17, 1e17, 1e17, -1e17],
      y: [-1.0986122886681098, -1.0986122886681098, -1.0986122886681098, -2e17],
      dx: [-0.11666666666666665, -0.4166666666666667, 0.08333333333333333, 0.45],
    },
    {
      logits: [1e16, 1e16 + 2, 1e16 + 4, 1e16 + 8],
      y: [-8.020909713948857, -6.020909713948857, -4.020909713948857, -0.020909713948857177],
      dx: [0.09978646133266209, -0.2015778491922508, 0.2883411838028066, -0.18654979594321788],
    },
    {
      logits: [-Infinity, 0.3, -0.2, 1],
      y: [-Infinity, -1.2865523010014774, -1.7865523010014774, -0.5865523010014776],
      dx: [0.1, -0.37954395666705937, 0.19110108551531202, 0.08844287115174732],
    },
  ];
  for (const { logits, y, dx } of cases) {
    it(`logSoftmax [${logits.join(', ')}]`, () => {
      const pass = logSoftmax().forward(row(logits));
      expectValues('y', pass.y.data, y);
      expectValues('dx', pass.backward(dyRow).dx.data, dx);
    });
  }
});

describe('softmax cross-entropy at large logits (PyTorch 1.13 values)', () => {
  const cases: { logits: number[]; target: Tensor; loss: number; grad: number[] }[] = [
    { logits: [1e308, 1e308, 1e308, 1e308], target: new Tensor(Float64Array.of(0), [1]), loss: 1.3862943611198906, grad: [-0.75, 0.25, 0.25, 0.25] },
    {
      logits: [1e308, 1e308, 1e308, 1e308],
      target: row([0.1, 0.2, 0.3, 0.4]),
      loss: 1.3862943611198904,
      grad: [0.15, 0.04999999999999999, -0.04999999999999999, -0.15000000000000002],
    },
    {
      logits: [1e16, 1e16 + 2, 1e16 + 4, 1e16 + 8],
      target: new Tensor(Float64Array.of(0), [1]),
      loss: 8.020909713948857,
      grad: [-0.9996714789733263, 0.0024274602957704275, 0.01793664030337448, 0.9793073783741814],
    },
    {
      logits: [1e16, 1e16 + 2, 1e16 + 4, 1e16 + 8],
      target: row([0.1, 0.2, 0.3, 0.4]),
      loss: 3.220909713948857,
      grad: [-0.09967147897332629, -0.19757253970422958, -0.2820633596966255, 0.5793073783741813],
    },
  ];
  for (const { logits, target, loss, grad } of cases) {
    it(`logits [${logits.join(', ')}], target ${target.rank === 1 ? `class ${target.data[0]}` : `[${Array.from(target.data).join(', ')}]`}`, () => {
      const pass = softmaxCrossEntropy().forward(row(logits), target);
      expectValues('loss', [pass.loss], [loss]);
      expectValues('grad', pass.backward().data, grad);
    });
  }
});

describe('softmax cross-entropy at non-finite logits (PyTorch 1.13 values)', () => {
  it('a NaN logit in a row whose target is all zeros makes the loss NaN', () => {
    // The loss skipped every class of target 0, so this row's NaN log-probabilities never reached it.
    const logits = new Tensor(Float64Array.of(NaN, 0.3, -0.2, 1, 0.5, 0.1, -0.3, 0.2), [2, 4]);
    const target = new Tensor(Float64Array.of(0, 0, 0, 0, 0.1, 0.2, 0.3, 0.4), [2, 4]);
    const pass = softmaxCrossEntropy().forward(logits, target);
    expectValues('loss', [pass.loss], [NaN]);
    expectValues('grad', pass.backward().data, [NaN, NaN, NaN, NaN, 0.12479661875172697, 0.017169677528531727, -0.0714588163650936, -0.07050747991516504]);
  });

  it('a logit of −∞ whose target is 0 adds nothing', () => {
    // PyTorch's probability path gives NaN here (0·(−∞)); its class-index path and its value at a
    // logit of −1e300 (the limit, written below) are finite, and so is gradstream's.
    const pass = softmaxCrossEntropy().forward(row([-Infinity, 0.3, -0.2, 1]), row([0, 0.2, 0.3, 0.5]));
    expectValues('loss', [pass.loss], [1.0865523010014775]);
    expectValues('grad', pass.backward().data, [0, 0.07622147179547595, -0.1324632084850954, 0.056241736689619515]);
    const indexed = softmaxCrossEntropy().forward(row([-Infinity, 0.3, -0.2, 1]), new Tensor(Float64Array.of(3), [1]));
    expectValues('loss', [indexed.loss], [0.5865523010014776]);
    expectValues('grad', indexed.backward().data, [0, 0.27622147179547596, 0.16753679151490458, -0.4437582633103805]);
  });
});

describe('extreme finite inputs stay finite (PyTorch 1.13 values)', () => {
  it('softmax of logits ±1e308', () => {
    const pass = softmax().forward(row([1e308, -1e308, 0.5, 1]));
    expectValues('y', pass.y.data, [1, 0, 0, 0]);
    expectValues('dx', pass.backward(dyRow).dx.data, [0, 0, 0, 0]);
  });

  it('sigmoid of ±1000', () => {
    const pass = sigmoid().forward(row([-1000, 1000]));
    expectValues('y', pass.y.data, [0, 1]);
    expectValues('dx', pass.backward(row([0.3, -0.7])).dx.data, [0, 0]);
  });
});

describe('no built-in layer hides a NaN in its input (as in PyTorch)', () => {
  for (const entry of builtinLayers) {
    if (entry.name === 'embedding') continue; // its input is indices: a NaN index is a RangeError
    it(entry.name, () => {
      const shape = [2, ...entry.features];
      const size = shape.reduce((a, d) => a * d, 1);
      const x = new Float64Array(size).map((_, i) => Math.sin(i + 1));
      x[1] = NaN;
      const y = entry.make().forward(new Tensor(x, shape), { training: true, step: 0 }).y.data;
      expect(y.some(Number.isNaN), `${entry.name}: a NaN at x[1] left no NaN in y = [${Array.from(y).join(', ')}]`).toBe(true);
    });
  }
});

describe('argmaxRows counts a NaN as the largest entry (PyTorch 1.13 argmax)', () => {
  // torch.argmax gives 1, 0 and 2 for the first three rows: the first NaN wins over any number.
  it('gives the first NaN of a row, and the first maximum of a row without one', () => {
    const rows = new Tensor(Float64Array.of(1, NaN, 2, NaN, NaN, 5, 2, -1, 1, Infinity, NaN, 0, 3, 1, 3, -2), [4, 4]);
    expect(Array.from(argmaxRows(rows))).toEqual([1, 0, 2, 0]);
  });
});

describe('layerNorm of a row whose variance overflows (PyTorch 1.13 layer_norm gives NaN)', () => {
  it('gives NaN for that row, so the step\'s checks see it, and leaves the other rows as they were', () => {
    const layer = layerNorm(4);
    const ordinary = [0.5, -1, 2, 0.25];
    const pass = layer.forward(new Tensor(Float64Array.of(1e308, -1e308, 0.3, 1, 1e160, -1e160, 0, 1, ...ordinary), [3, 4]));
    const y = Array.from(pass.y.data);
    expect(y.slice(0, 8).every(Number.isNaN), `y = [${y.join(', ')}]`).toBe(true);
    expect(y.slice(8)).toEqual(Array.from(layer.forward(new Tensor(Float64Array.from(ordinary), [1, 4])).y.data));
  });
});
