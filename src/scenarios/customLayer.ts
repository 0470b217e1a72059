/**
 * Your own layer, start to finish: define it, verify it, find a planted mistake, train with it.
 *
 * What you will see: swish with a trainable β, y = x·σ(βx), written twice: first with a
 * mistake in ∂L/∂β (a plausible slip: x where the chain rule gives x²), which the verifier
 * rejects with the smallest case it can find, naming the gradient and the entry; then
 * corrected, passing; then trained inside a network on the iris flowers, β learning too.
 */
import { Tensor, tensor } from '../tensor/tensor.ts';
import { defineLayer, sameFeatures } from '../layers/defineLayer.ts';
import { logistic } from '../layers/sigmoid.ts';
import { dense } from '../layers/dense.ts';
import { softmaxCrossEntropy } from '../layers/softmaxCrossEntropy.ts';
import { verifyLayer } from '../check/property/verifyLayer.ts';
import { formatVerifyResult } from '../check/property/runProperty.ts';
import { sequential } from '../graph/builder.ts';
import { evaluate } from '../graph/evaluate.ts';
import { adam } from '../optim/adam.ts';
import { loadIris } from '../data/iris.ts';
import { standardize } from '../data/standardize.ts';
import { epochBatches, stratifiedSplit } from '../data/dataset.ts';
import { defineScenario, startRun } from './scenario.ts';

/**
 * Swish with trainable β (Ramachandran et al.): y = x·σ(βx), s = σ(βx).
 * dx = dy·(s + βx·s(1 − s)),  dβ = Σ dy·x²·s(1 − s).
 */
export function swish(options: { beta?: number; plantedMistake?: boolean } = {}) {
  return defineLayer({
    name: options.plantedMistake ? 'swish (with a mistake)' : 'swish',
    params: { beta: tensor([options.beta ?? 1]) },
    outputShape: sameFeatures,
    forward: (x, { beta }) => {
      const b = beta!.data[0]!;
      const s = x.data.map((v) => logistic(b * v));
      return { y: new Tensor(x.data.map((v, i) => v * s[i]!), x.shape), saved: { x: x.data, s, b } };
    },
    backward: (dy, { x, s, b }) => {
      let dBeta = 0;
      const dx = dy.data.map((g, i) => {
        const slope = s[i]! * (1 - s[i]!);
        dBeta += g * (options.plantedMistake ? x[i]! : x[i]! * x[i]!) * slope;
        return g * (s[i]! + b * x[i]! * slope);
      });
      return { dx: new Tensor(dx, dy.shape), dParams: { beta: tensor([dBeta]) } };
    },
  });
}

export const customLayer = defineScenario({
  name: 'custom-layer',
  summary: 'define swish with a trainable β, let the verifier find a planted mistake, fix it, train with it',
  defaultSeed: 3,
  resumable: true,
  async run(context) {
    const { print, seed, quick } = context;
    const numRuns = quick ? 50 : 200;
    const wrong = verifyLayer(() => swish({ plantedMistake: true }), { features: [3], seed, numRuns });
    print(formatVerifyResult(wrong) + '\n');
    const fixed = verifyLayer(() => swish(), { features: [3], seed, numRuns });
    print(formatVerifyResult(fixed) + '\n');

    const split = stratifiedSplit(loadIris(), { testFraction: 0.2, seed });
    const [trainSet, testSet] = [standardize(split.train), standardize(split.test, split.train)];
    const activation = swish();
    const net = sequential([dense(4, 8, { seed }), activation, dense(8, 3, { seed: seed + 1 })], { inputFeatures: [4] });
    const testBatches = [{ x: testSet.x, target: tensor(Array.from(testSet.labels)) }];
    // The test flowers are scored after every epoch, as the run's evaluation events.
    const run = startRun(context, net, epochBatches(trainSet, { batchSize: 16, seed, epoch: 0 }), {
      loss: softmaxCrossEntropy(), optimizer: adam(0.02), epochs: quick ? 40 : 80, shuffle: true, seed, validation: testBatches,
    });
    await run.result;
    const test = await evaluate(net, testBatches, { loss: softmaxCrossEntropy() });
    const beta = activation.params.beta!.data[0]!;
    print(`Trained 4-8(swish)-3 on iris: test accuracy ${(100 * test.accuracy!).toFixed(1)}%, β learned 1 → ${beta.toFixed(3)}`);
    return { mistakeCaught: !wrong.ok, mistakeReport: wrong.report, fixedOk: fixed.ok, accuracy: test.accuracy!, beta };
  },
});
