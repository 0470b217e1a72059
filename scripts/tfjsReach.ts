/**
 * The reach of the float32 checks, measured: for a few layer kinds written in TensorFlow.js
 * with a hand-written gradient (`tf.customGrad`), every gradient is scaled by 1 + r and each
 * check is run on the same drawn cases, at its default settings. A cell is the share of cases
 * in which the check catches the error:
 *
 * - float32 FD: `checkGradients` on the `fromTfjsFunction` layer (the float32 mode), which is
 *   what `verifyLayer` runs on each of its cases (100 by default);
 * - twin: `compareWithTwin` against gradstream's own float64 layer (the differential mode).
 *
 * r = 0 is the correct gradient: any catch there is a false alarm. Cases are drawn as
 * `verifyLayer` draws them for a float32 layer (values in [−4, 4], kinks and ties, no ±1e3).
 *
 *     npx tsx scripts/tfjsReach.ts            # 40 cases per cell, a few minutes
 *     npx tsx scripts/tfjsReach.ts --cases 10 # quicker, coarser
 */
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the built-in ops' gradients in Node
import { checkGradients } from '../src/check/checkGradients.ts';
import { layerCase, type LayerCase } from '../src/check/arbitraries/layerCase.ts';
import { Tensor } from '../src/tensor/tensor.ts';
import type { Layer } from '../src/layers/contract.ts';
import { dense } from '../src/layers/dense.ts';
import { softmax } from '../src/layers/softmax.ts';
import { layerNorm } from '../src/layers/layerNorm.ts';
import { defineLayer } from '../src/layers/defineLayer.ts';
import { compareWithTwin } from '../src/tfjs/compareWithTwin.ts';
import { fromTfjsFunction } from '../src/tfjs/fromTfjsFunction.ts';

await tf.setBackend('cpu');
const casesAt = process.argv.indexOf('--cases');
const caseCount = casesAt >= 0 ? Number(process.argv[casesAt + 1]) : 40;
if (!(Number.isSafeInteger(caseCount) && caseCount >= 1)) {
  console.error(`tfjsReach: --cases expects an integer ≥ 1, got ${JSON.stringify(process.argv[casesAt + 1] ?? 'nothing')}`);
  process.exit(2);
}
const errors = [0, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 1e-6];

type Save = (tensors: tf.Tensor[]) => void;
type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
const customGrad = (f: (...args: never[]) => { value: tf.Tensor; gradFunc: GradFunc }) => tf.customGrad(f as never) as unknown as (...inputs: tf.Tensor[]) => tf.Tensor;

/** A layer kind: its TensorFlow.js form with every gradient scaled by `scale`, its float64 twin, its input features. */
interface Kind {
  readonly name: string;
  readonly features: number[];
  readonly make: (scale: number) => Layer;
  readonly twin: () => Layer;
}

const W = tf.variable(tf.zeros([3, 4]));
const b = tf.variable(tf.zeros([3]));
const gamma = tf.variable(tf.ones([5]));
const beta = tf.variable(tf.zeros([5]));

const kinds: Kind[] = [
  {
    name: 'element-wise x·sin x',
    features: [4],
    make: (scale) => {
      const op = customGrad((x: tf.Tensor, save: Save) => {
        save([x]);
        return { value: tf.mul(x, tf.sin(x)), gradFunc: (dy, [s]) => tf.mul(tf.mul(dy, tf.add(tf.sin(s!), tf.mul(s!, tf.cos(s!)))), scale) };
      });
      return fromTfjsFunction((x) => op(x), { name: 'xSinX' });
    },
    twin: () => defineLayer({
      name: 'xSinX',
      forward: (x) => ({ y: new Tensor(x.data.map((v) => v * Math.sin(v)), x.shape), saved: { x } }),
      backward: (dy, { x }) => ({ dx: new Tensor(dy.data.map((g, i) => g * (Math.sin(x.data[i]!) + x.data[i]! * Math.cos(x.data[i]!))), dy.shape) }),
    }),
  },
  {
    name: 'dense 4 → 3',
    features: [4],
    make: (scale) => {
      const op = customGrad((x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor, save: Save) => {
        save([x, w]);
        return {
          value: tf.add(tf.matMul(x, w, false, true), bias),
          gradFunc: (dy, [xs, ws]) => [tf.mul(tf.matMul(dy, ws!), scale), tf.mul(tf.matMul(dy, xs!, true, false), scale), tf.mul(tf.sum(dy, 0), scale)],
        };
      });
      return fromTfjsFunction((x) => op(x, W, b), { name: 'dense', params: { W, b } });
    },
    twin: () => dense(4, 3),
  },
  {
    name: 'softmax over 6',
    features: [6],
    make: (scale) => {
      const op = customGrad((x: tf.Tensor, save: Save) => {
        const y = tf.softmax(x);
        save([y]);
        return { value: y, gradFunc: (dy, [s]) => tf.mul(tf.mul(s!, tf.sub(dy, tf.sum(tf.mul(dy, s!), -1, true))), scale) };
      });
      return fromTfjsFunction((x) => op(x), { name: 'softmax' });
    },
    twin: () => softmax(),
  },
  {
    name: 'layer norm over 5',
    features: [5],
    make: (scale) => {
      const op = customGrad((x: tf.Tensor, g: tf.Tensor, bt: tf.Tensor, save: Save) => {
        const mean = tf.mean(x, -1, true);
        const centred = tf.sub(x, mean);
        const s = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), 1e-5));
        const xHat = tf.mul(centred, s);
        save([xHat, s, g]);
        return {
          value: tf.add(tf.mul(xHat, g), bt),
          gradFunc: (dy, [xh, sc, gm]) => {
            const dxHat = tf.mul(dy, gm!);
            const dx = tf.mul(sc!, tf.sub(tf.sub(dxHat, tf.mean(dxHat, -1, true)), tf.mul(xh!, tf.mean(tf.mul(dxHat, xh!), -1, true))));
            return [tf.mul(dx, scale), tf.mul(tf.sum(tf.mul(dy, xh!), 0), scale), tf.mul(tf.sum(dy, 0), scale)];
          },
        };
      });
      return fromTfjsFunction((x) => op(x, gamma, beta), { name: 'layerNorm', params: { gamma, beta } });
    },
    twin: () => layerNorm(5),
  },
];

/** The cases every check of a kind sees, drawn as verifyLayer draws them for a float32 layer. */
function drawCases(kind: Kind): LayerCase[] {
  const sample = kind.twin();
  const outputSize = sample.forward(new Tensor(new Float64Array(kind.features.reduce((a, d) => a * d, 1)), [1, ...kind.features])).y.size;
  const paramSizes = Object.fromEntries(Object.entries(sample.params).map(([key, t]) => [key, t.size]));
  const inputSize = kind.features.reduce((a, d) => a * d, 1);
  return fc.sample(layerCase({ inputSize, outputSize, paramSizes }, { largeValues: [] }), { seed: 42, numRuns: caseCount });
}

/** Share of cases caught by the float32 FD check and by the twin, for one kind and one r. */
function measure(kind: Kind, r: number, cases: readonly LayerCase[]): { fd: number; twin: number } {
  let fd = 0, twin = 0;
  const before = tf.memory().numTensors;
  for (const drawn of cases) {
    const layer = kind.make(1 + r);
    for (const [key, values] of Object.entries(drawn.params)) layer.params[key]!.data.set(values);
    const x = new Tensor(Float64Array.from(drawn.x), [drawn.batch, ...kind.features]);
    const y = layer.forward(x).y;
    const dy = new Tensor(Float64Array.from(drawn.dy), y.shape.slice());
    if (!checkGradients(layer, x, { dy }).ok) fd++;
    const params = Object.fromEntries(Object.entries(drawn.params).map(([key, v]) => [key, Float64Array.from(v)]));
    if (!compareWithTwin(kind.make(1 + r), kind.twin(), { x, params, dy }, { training: true, step: 0 }).ok) twin++;
  }
  if (tf.memory().numTensors !== before) throw new Error(`${kind.name}: tf.memory().numTensors went from ${before} to ${tf.memory().numTensors}`);
  return { fd: fd / cases.length, twin: twin / cases.length };
}

const percent = (share: number) => `${Math.round(100 * share)}%`;
console.log(`cases per cell: ${caseCount}; each cell: caught by float32 FD / by the twin\n`);
console.log(`| r | ${kinds.map((k) => k.name).join(' | ')} |`);
console.log(`| --- | ${kinds.map(() => '---').join(' | ')} |`);
const smallest = new Map<string, { fd?: number; twin?: number }>(kinds.map((k) => [k.name, {}]));
const casesByKind = new Map(kinds.map((k) => [k.name, drawCases(k)]));
for (const r of errors) {
  const cells = kinds.map((kind) => {
    const { fd, twin } = measure(kind, r, casesByKind.get(kind.name)!);
    const best = smallest.get(kind.name)!;
    // Reliably: in at least 95% of the cases, so that a verifyLayer run of 100 cannot miss it.
    if (r > 0 && fd >= 0.95) best.fd = r;
    if (r > 0 && twin >= 0.95) best.twin = r;
    return `${percent(fd)} / ${percent(twin)}`;
  });
  console.log(`| ${r === 0 ? '0 (correct)' : r} | ${cells.join(' | ')} |`);
}
console.log('\nsmallest r caught in ≥ 95% of cases (float32 FD / twin):');
for (const [name, best] of smallest) console.log(`  ${name}: ${best.fd ?? 'none'} / ${best.twin ?? 'none'}`);
