/**
 * Iris: Fisher's 150 flowers, four measurements each, three species.
 *
 * What you will see: a stratified, seeded split (40 flowers of each species to train on, 10
 * to test), a 4-16-3 network with tanh trained with Adam on standardised measurements, the
 * test flowers scored after every epoch (the run's evaluation events: the dashboard draws
 * them), and the test accuracy with a confusion table. The same seed gives the same split, the same
 * weights and the same accuracy on every machine.
 */
import { dense } from '../layers/dense.ts';
import { tanh } from '../layers/tanh.ts';
import { softmaxCrossEntropy } from '../layers/softmaxCrossEntropy.ts';
import { sequential } from '../graph/builder.ts';
import { evaluate, predict } from '../graph/evaluate.ts';
import { adam } from '../optim/adam.ts';
import { argmaxRows } from '../tensor/rows.ts';
import { loadIris } from '../data/iris.ts';
import { standardize } from '../data/standardize.ts';
import { epochBatches, stratifiedSplit } from '../data/dataset.ts';
import { formatTable } from '../primer/table.ts';
import { defineScenario, startRun } from './scenario.ts';

/** The outcome: test accuracy and loss, and the number of test flowers. */
export interface IrisOutcome {
  readonly accuracy: number;
  readonly loss: number;
  readonly testSamples: number;
  readonly finalTrainingLoss: number;
}

export const iris = defineScenario<IrisOutcome>({
  name: 'iris',
  summary: "Fisher's 150 iris flowers: a stratified seeded split, a 4-16-3 network, ≥ 95% test accuracy",
  defaultSeed: 1,
  resumable: true,
  async run(context) {
    const { print, seed, quick } = context;
    const flowers = loadIris();
    const split = stratifiedSplit(flowers, { testFraction: 0.2, seed });
    const trainSet = standardize(split.train);
    const testSet = standardize(split.test, split.train);
    print(`${flowers.x.shape[0]} flowers, ${flowers.classes} species (${flowers.classNames.join(', ')}); ${trainSet.labels.length} to train, ${testSet.labels.length} to test (seed ${seed})\n`);

    const net = sequential([dense(4, 16, { seed }), tanh(), dense(16, 3, { seed: seed + 1 })], { inputFeatures: [4] });
    print(net.summary());
    const epochs = quick ? 60 : 100;
    const testBatches = epochBatches(testSet, { batchSize: testSet.labels.length, seed, epoch: 0, shuffle: false });
    const run = startRun(context, net, epochBatches(trainSet, { batchSize: 16, seed, epoch: 0 }), {
      loss: softmaxCrossEntropy(), optimizer: adam(0.01), epochs, shuffle: true, seed, validation: testBatches,
    });
    run.telemetry$.subscribe((event) => {
      if (event.type === 'step' && event.step % (8 * 20) === 0) print(`  epoch ${String(event.epoch).padStart(3)}  loss ${event.loss.toFixed(4)}`);
    });
    const result = await run.result;

    const evaluation = await evaluate(net, testBatches, { loss: softmaxCrossEntropy() });
    const predicted = argmaxRows(predict(net, testSet.x));
    const confusion = flowers.classNames.map((name, actual) => [
      name, ...flowers.classNames.map((_, guess) => String(testSet.labels.filter((l, i) => l === actual && predicted[i] === guess).length)),
    ]);
    print('\nTest flowers, actual species (rows) against predicted (columns):\n');
    print(formatTable(['', ...flowers.classNames], confusion));
    const accuracy = evaluation.accuracy!;
    print(`\nTest accuracy ${(100 * accuracy).toFixed(1)}% (${Math.round(accuracy * testSet.labels.length)} of ${testSet.labels.length}), test loss ${evaluation.loss.toFixed(4)}.`);
    return { accuracy, loss: evaluation.loss, testSamples: testSet.labels.length, finalTrainingLoss: result.loss };
  },
});
