/**
 * A small convolutional network on the MNIST digits.
 *
 * What you will see: the digits as 1×28×28 images, a network of two 3×3 convolutions with
 * ReLU and 2×2 max pooling and one dense layer (9,098 parameters, a tenth of the 784-128-10
 * MLP's), trained with Adam through the streaming runtime, and its accuracy on 1,500
 * held-out digits (≥ 95% after three epochs). Same seed, same split, same result.
 */
import { conv2d } from '../layers/conv2d.ts';
import { relu } from '../layers/relu.ts';
import { maxPool2d } from '../layers/maxPool2d.ts';
import { flatten } from '../layers/flatten.ts';
import { dense } from '../layers/dense.ts';
import { softmaxCrossEntropy } from '../layers/softmaxCrossEntropy.ts';
import { argmaxRows } from '../tensor/rows.ts';
import { sequential } from '../graph/builder.ts';
import { predict } from '../graph/evaluate.ts';
import { adam } from '../optim/adam.ts';
import { loadMnist } from '../data/mnist.ts';
import { epochBatches, stratifiedSplit, subset, trainingBatches } from '../data/dataset.ts';
import { defineScenario, startRun } from './scenario.ts';
import { positiveInteger } from '../cli/valueTypes.ts';

/** The outcome: held-out accuracy and the run's size. */
export interface ConvMnistOutcome {
  readonly accuracy: number;
  readonly steps: number;
  readonly trainSamples: number;
  readonly testSamples: number;
}

export const convMnist = defineScenario<ConvMnistOutcome>({
  name: 'conv-mnist',
  summary: 'a two-convolution network (9,098 parameters) on the MNIST digits, ≥ 95% held-out accuracy',
  defaultSeed: 0,
  resumable: true,
  options: { epochs: { kind: 'value', type: positiveInteger, description: 'passes over the training digits (default 3; 2 with --quick)' } },
  async run(context) {
    const { print, seed, quick, options, signal } = context;
    const epochs = options.epochs !== undefined ? Number(options.epochs) : quick ? 2 : 3;
    if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`conv-mnist: --epochs expects a positive integer, got ${String(options.epochs)}`);
    const digits = loadMnist({ image: true });
    const split = stratifiedSplit(digits, { testFraction: 0.15, seed });
    const trainSet = quick ? subset(split.train, Array.from({ length: 1200 }, (_, i) => i)) : split.train;
    const test = quick ? subset(split.test, Array.from({ length: 500 }, (_, i) => i)) : split.test;
    print(`${trainSet.labels.length} digits to train on, ${test.labels.length} held out (seed ${seed}), ${epochs} epoch${epochs === 1 ? '' : 's'} of batches of 32\n`);

    const net = sequential([
      conv2d(1, 8, 3, { padding: 1, seed }), relu(), maxPool2d(2),
      conv2d(8, 16, 3, { padding: 1, seed: seed + 1 }), relu(), maxPool2d(2),
      flatten(), dense(16 * 7 * 7, 10, { seed: seed + 2 }),
    ], { inputFeatures: [1, 28, 28] });
    print(net.summary() + '\n');
    // The held-out digits are scored once the stream of batches ends, as the run's evaluation event (what the dashboard draws).
    const validation = epochBatches(test, { batchSize: 500, seed, epoch: 0, shuffle: false });
    const run = startRun(context, net, trainingBatches(trainSet, { batchSize: 32, seed, epochs }), { loss: softmaxCrossEntropy(), optimizer: adam(0.002), seed, validation });
    const stop = () => run.stop();
    signal.addEventListener('abort', stop, { once: true });
    let recent = 0;
    run.taps.step$.subscribe(({ step, loss }) => {
      recent += loss;
      if (step % 50 === 0) {
        print(`  step ${String(step).padStart(4)}  mean loss of the last 50 steps ${(recent / 50).toFixed(4)}`);
        recent = 0;
      }
    });
    const result = await run.result;
    signal.removeEventListener('abort', stop);

    const predicted = argmaxRows(predict(net, test.x));
    let correct = 0;
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === test.labels[i]) correct++;
    const accuracy = correct / predicted.length;
    print(`\nHeld-out accuracy ${(100 * accuracy).toFixed(2)}% (${correct} of ${predicted.length}) after ${result.steps} steps, ${result.durationSeconds.toFixed(0)} s.`);
    return { accuracy, steps: result.steps, trainSamples: trainSet.labels.length, testSamples: predicted.length };
  },
});
