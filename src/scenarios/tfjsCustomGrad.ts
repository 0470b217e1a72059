/**
 * A TensorFlow.js op with a hand-written gradient, checked the way TensorFlow.js will train it.
 *
 * What you will see: GELU's tanh approximation written with `tf.customGrad`, first with a
 * slip in gradFunc (the cubic term's derivative without its factor 3), which `verifyLayer`
 * finds in its float32 mode and shrinks to the smallest case, naming the entry; then
 * corrected, passing; then the corrected op compared with gradstream's own float64
 * `gelu({ approximate: 'tanh' })` as its twin, which agrees to float32 rounding. Needs
 * @tensorflow/tfjs-core and @tensorflow/tfjs-backend-cpu installed beside gradstream.
 */
import type * as Tf from '@tensorflow/tfjs-core';
import { requireOptional } from '../data/optionalPackage.ts';
import { verifyLayer } from '../check/property/verifyLayer.ts';
import { formatVerifyResult } from '../check/property/runProperty.ts';
import { gelu } from '../layers/gelu.ts';
import { defineScenario } from './scenario.ts';

const sqrtTwoOverPi = Math.sqrt(2 / Math.PI);
const cubic = 0.044715;

/**
 * GELU, tanh form, as a TensorFlow.js op: y = ½·x·(1 + tanh u), u = √(2/π)·(x + 0.044715·x³);
 * dx = dy·(½·(1 + tanh u) + ½·x·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²)). The planted
 * mistake writes du/dx as √(2/π)·(1 + 0.044715·x²), the factor 3 of d(x³)/dx forgotten.
 */
export function geluTanhOp(tf: typeof Tf, options: { plantedMistake?: boolean } = {}): (x: Tf.Tensor) => Tf.Tensor {
  const slope = options.plantedMistake ? cubic : 3 * cubic;
  const op = tf.customGrad(((x: Tf.Tensor, save: (tensors: Tf.Tensor[]) => void) => {
    const t = tf.tanh(tf.mul(sqrtTwoOverPi, tf.add(x, tf.mul(cubic, tf.pow(x, 3)))));
    save([x, t]);
    return {
      value: tf.mul(tf.mul(0.5, x), tf.add(1, t)),
      gradFunc: (dy: Tf.Tensor, [xs, ts]: Tf.Tensor[]) => {
        const du = tf.mul(sqrtTwoOverPi, tf.add(1, tf.mul(slope, tf.square(xs!))));
        const inner = tf.mul(tf.mul(tf.mul(0.5, xs!), tf.sub(1, tf.square(ts!))), du);
        return tf.mul(dy, tf.add(tf.mul(0.5, tf.add(1, ts!)), inner));
      },
    };
  }) as never) as unknown as (x: Tf.Tensor) => Tf.Tensor;
  return (x) => op(x);
}

/** TensorFlow.js on its pure-JavaScript backend, or a MissingPackageError saying what to install. */
async function loadTensorFlow(): Promise<typeof Tf> {
  const neededBy = 'gradstream run tfjs-custom-grad';
  const tf = requireOptional<typeof Tf>('@tensorflow/tfjs-core', neededBy, 'TensorFlow.js');
  requireOptional('@tensorflow/tfjs-backend-cpu', neededBy, "TensorFlow.js's pure-JavaScript backend");
  await tf.setBackend('cpu');
  return tf;
}

export const tfjsCustomGrad = defineScenario({
  name: 'tfjs-custom-grad',
  summary: 'a TensorFlow.js tf.customGrad op with a planted mistake, found in float32, fixed, then matched against its float64 twin',
  defaultSeed: 3,
  async run(context) {
    const { print, seed, quick } = context;
    const numRuns = quick ? 50 : 200;
    const tf = await loadTensorFlow();
    const { fromTfjsFunction, verifyAgainstTwin, formatTwinResult } = await import('../tfjs.ts');
    const before = tf.memory().numTensors;
    const wrong = verifyLayer(() => fromTfjsFunction(geluTanhOp(tf, { plantedMistake: true }), { name: 'gelu (tf.customGrad, with a mistake)' }), { features: [3], seed, numRuns });
    print(formatVerifyResult(wrong) + '\n');
    const fixedOp = geluTanhOp(tf);
    const fixed = verifyLayer(() => fromTfjsFunction(fixedOp, { name: 'gelu (tf.customGrad)' }), { features: [3], seed, numRuns });
    print(formatVerifyResult(fixed) + '\n');
    const twin = verifyAgainstTwin(() => fromTfjsFunction(fixedOp, { name: 'gelu (tf.customGrad)' }), () => gelu({ approximate: 'tanh' }), { features: [3], seed, numRuns });
    print(formatTwinResult(twin));
    const tensorsLeft = tf.memory().numTensors - before;
    print(`TensorFlow.js tensors left behind by ${wrong.stats.evaluations.forward + fixed.stats.evaluations.forward} forward passes: ${tensorsLeft}`);
    return { mistakeCaught: !wrong.ok, mistakeReport: wrong.report, counterexample: wrong.counterexample, fixedOk: fixed.ok, twinOk: twin.ok, tensorsLeft };
  },
});
