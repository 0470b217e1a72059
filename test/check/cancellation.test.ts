/**
 * Backwards that subtract nearly equal terms: the textbook softmax backward P·(dA − Σ P·dA),
 * attention built on it, log softmax and layer normalisation with their means subtracted.
 * With inputs and parameters of ±1e3 their rows saturate, and the result carries the rounding
 * of terms up to 10¹² times larger than itself: exactly linear in dy, yet off exact linearity
 * by far more than the result's own magnitude allows. The linearity check observes that
 * rounding (see src/check/numeric/observedRounding.ts) instead of flagging it; a backward that is not
 * linear in dy, and a gradient off by a relative 1e-6, are still caught.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { linearityCheck } from '../../src/check/layerChecks.ts';
import { magnitudePass } from '../../src/check/numeric/magnitudePass.ts';
import { absoluteTensor, combine, maxNorm } from '../../src/check/numeric/tensorChecks.ts';
import { verifyLayer } from '../../src/check/property/verifyLayer.ts';
import { formatVerifyResult } from '../../src/check/property/runProperty.ts';
import { formatReport } from '../../src/check/report/formatReport.ts';
import { cotangentValues, gradientValues } from '../../src/check/arbitraries/values.ts';
import { Tensor, tensor } from '../../src/tensor/tensor.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { textbookAttention, textbookLayerNorm, textbookLogSoftmax, textbookSoftmax, withBentCotangent, type CotangentBend } from './fixtures/cancellingBackward.ts';

/** The `linear in dy` check at one point, with the magnitude pass and the output's size the verifier gives it. */
function linearityAt(layer: Layer, x: Tensor, dy: Tensor, dy2: Tensor) {
  const saved = Object.entries(layer.params).map(([key, t]) => [key, t.data.slice()] as const);
  const forward = (input: Tensor) => layer.forward(input);
  const magnitudes = magnitudePass(layer, x, combine(2, absoluteTensor(dy), 1, absoluteTensor(dy2)), forward, (pass) => (d) => pass.backward(d));
  for (const [key, data] of saved) layer.params[key]!.data.set(data);
  const pass = layer.forward(x);
  return linearityCheck(layer.name, (d) => pass.backward(d), dy, dy2, magnitudes.gradients, maxNorm(pass.y));
}

/** Softmax rows saturated to 1 − 1.5e-12 by inputs of ±1e3 (found by a search over such inputs). */
const saturatedSoftmax = {
  x: tensor([
    [1000, -250.91198741136222, -142.58706545718803, -808.8904168324933],
    [-0.5, 1000, -807.9598930079272, -576.6169821771965],
    [-0.959028220809186, 3.348312784935014, 30.581768905408314, 0],
  ]),
  dy: tensor([
    [-0.48292844523691736, 0.22707699871287956, 0.02361559938699198, -0.1938393336986024],
    [0.6738478214936898, 0.7365048697108201, -0.5603979051560348, 0.6156628562742761],
    [-0.7493857865947127, 0.4701017519709194, -0.13865349570646401, -0.5886557425261885],
  ]),
  dy2: tensor([
    [-0.25353230458152876, -0.5643352353990947, -0.007760920259723525, -0.7368251156201082],
    [0.6199228511592467, 0.8406042746452445, -0.9236404903442965, 0.36578046888107574],
    [-0.28213691361288484, 0.629629310828488, -0.07680748189561837, 0.5996233162890927],
  ]),
};

const families: { name: string; make: (sumError: number) => Layer; shape: number[] }[] = [
  { name: 'textbook softmax', make: textbookSoftmax, shape: [3, 4] },
  { name: 'textbook log softmax', make: textbookLogSoftmax, shape: [3, 4] },
  { name: 'textbook layer norm', make: textbookLayerNorm, shape: [3, 4] },
  { name: 'attention with the textbook softmax backward', make: (e) => textbookAttention(2, e), shape: [2, 3, 2] },
];

const bends: CotangentBend[] = ['absolute', 'square', 'signedSquare', 'positivePart', 'clipped', 'normalised'];

describe('the linearity check where the backward cancels', () => {
  it('regression: the textbook softmax backward off exact linearity by 4.6e-5 of its size, all of it rounding', () => {
    const layer = textbookSoftmax();
    const { x, dy, dy2 } = saturatedSoftmax;
    const pass = layer.forward(x);
    const deviation = combine(1, pass.backward(combine(2, dy, -1, dy2)).dx, -1, combine(2, pass.backward(dy).dx, -1, pass.backward(dy2).dx));
    // Beyond √ε of the gradient's size, what the check allowed before it observed the rounding.
    expect(maxNorm(deviation)).toBeGreaterThan(Math.sqrt(Number.EPSILON) * 4 * maxNorm(pass.backward(dy).dx));
    const check = linearityAt(layer, x, dy, dy2);
    expect(check.ok, check.detail).toBe(true);
  });

  it('regression: attention whose logits saturate its rows (x and weights of ±1e3)', () => {
    const layer = textbookAttention(2);
    layer.params['Wq']!.data.set([-1, 2, 0.5, -2]);
    layer.params['Wk']!.data.set([-1.0327210952054289, -81.70319981707274, -0.5, 0]);
    layer.params['Wv']!.data.set([-1, -0.5, -979.5959727420754, 0.797906334703117]);
    const x = new Tensor(Float64Array.of(0, 2.9664298975149963, 2.189779873132406, -0.9039473508427287, -0.5, -1000, 2.180657036893159, -2.997282530258115, 2, 3.4402618895745922, 0, 1), [2, 3, 2]);
    const dy = new Tensor(Float64Array.of(-0.35077480668937566, -0.8867807431693671, 0.5476101593789178, 0.7736897925598918, 0.545201926376649, -0.2281980440350433, 0.34836648781218726, 0.4846134002616769, -0.799920452608736, -0.5113829450411149, 0.7629292867434667, 0.3558255826460135), [2, 3, 2]);
    const dy2 = new Tensor(Float64Array.of(0.2510005583366446, 0.1987478635555051, 0.2989630867034043, -0.8560314504414255, -0.943127359799969, -0.10745966811404473, -0.6564237309150385, -0.10020252040122202, 0.06537697414029942, -0.7370380087503761, -0.08553466343319971, -0.021422384518691384), [2, 3, 2]);
    const check = linearityAt(layer, x, dy, dy2);
    expect(check.ok, check.detail).toBe(true);
  });

  it.each(bends)('a backward of %s dy is still not linear, at the saturated rows too', (bend) => {
    const { x, dy, dy2 } = saturatedSoftmax;
    for (const inner of [textbookSoftmax(), textbookLayerNorm()]) {
      const check = linearityAt(withBentCotangent(inner, bend), x, dy, dy2);
      expect(check.ok, `${inner.name}: ${check.detail}`).toBe(false);
    }
  });

  it.each(families.map((f) => [f.name, f] as const))('%s: linear in dy at drawn inputs and parameters up to ±1e3', (_name, family) => {
    const size = (shape: readonly number[]) => shape.reduce((a, d) => a * d, 1);
    const paramSizes = Object.values(family.make(0).params).map((t) => t.size);
    const large = gradientValues({ valueRange: { min: -1e3, max: 1e3 } });
    fc.assert(
      fc.property(
        fc.array(large, { minLength: size(family.shape), maxLength: size(family.shape) }),
        fc.tuple(...paramSizes.map((n) => fc.array(large, { minLength: n, maxLength: n }))),
        fc.array(cotangentValues(), { minLength: 2 * size(family.shape), maxLength: 2 * size(family.shape) }),
        (xs, params, cotangents) => {
          const layer = family.make(0);
          Object.values(layer.params).forEach((t, i) => t.data.set(params[i]!));
          const x = new Tensor(Float64Array.from(xs), family.shape);
          const n = size(family.shape);
          const [dy, dy2] = [0, n].map((start) => new Tensor(Float64Array.from(cotangents.slice(start, start + n)), family.shape)) as [Tensor, Tensor];
          const check = linearityAt(layer, x, dy, dy2);
          expect(check.ok, check.detail).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each(families.filter((f) => !f.name.startsWith('attention')).map((f) => [f.name, f] as const))('%s: every check passes at drawn inputs up to ±1e3', (_name, family) => {
    const size = family.shape.reduce((a, d) => a * d, 1);
    fc.assert(
      fc.property(fc.array(gradientValues({ valueRange: { min: -1e3, max: 1e3 } }), { minLength: size, maxLength: size }), fc.nat(), (xs, seed) => {
        const report = checkGradients(family.make(0), new Tensor(Float64Array.from(xs), family.shape), { seed });
        expect(report.ok, formatReport(report)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it.each(families.map((f) => [f.name, f] as const))('%s: correct, it passes verifyLayer; with its sum off by a relative 1e-6, it is caught', (_name, family) => {
    const features = family.shape.slice(1);
    const correct = verifyLayer(() => family.make(0), { features, numRuns: 30, seed: 4 });
    expect(correct.ok, formatVerifyResult(correct)).toBe(true);
    const wrong = verifyLayer(() => family.make(1e-6), { features, seed: 4 });
    expect(wrong.ok, formatVerifyResult(wrong)).toBe(false);
    expect(wrong.report?.checks.find((c) => !c.ok)?.name).toBe('gradient');
  });
});
