/**
 * MNIST: 10,000 real handwritten digits, 28×28 pixels.
 *
 * What you will see: a stratified seeded split (8,500 digits to train on, 1,500 to test), a
 * 784-128-10 network with ReLU trained with SGD and momentum, the loss and the test accuracy
 * after each epoch (each also an evaluation event of the run, which the dashboard draws), and
 * the final accuracy (≥ 95%). The run
 * is deterministic for a given seed: same split, same weights, same batches, same accuracy.
 */
import { dense } from '../layers/dense.ts';
import { relu } from '../layers/relu.ts';
import { softmaxCrossEntropy } from '../layers/softmaxCrossEntropy.ts';
import { sequential } from '../graph/builder.ts';
import type { TrainHandle } from '../graph/trainer.ts';
import { evaluate, predict } from '../graph/evaluate.ts';
import { argmaxRows } from '../tensor/rows.ts';
import { sgd } from '../optim/sgd.ts';
import { loadMnist } from '../data/mnist.ts';
import { epochBatches, oneHot, stratifiedSplit, trainingBatches, subset, type ClassificationDataset } from '../data/dataset.ts';
import type { Loss } from '../layers/contract.ts';
import type { Graph } from '../graph/graph.ts';
import { defineScenario, startRun, type StartRun } from './scenario.ts';
import { positiveInteger } from '../cli/valueTypes.ts';

/** The outcome: test accuracy after each epoch and at the end. */
export interface MnistOutcome {
  readonly accuracy: number;
  readonly accuracyByEpoch: readonly number[];
  readonly steps: number;
  readonly trainSamples: number;
  readonly testSamples: number;
  readonly seconds: number;
}

/** Options of the MNIST run, for callers (the tour) that attach telemetry to it. */
export interface MnistRunOptions {
  readonly seed: number;
  readonly epochs: number;
  /** Use only this many training digits (all when absent). */
  readonly trainLimit?: number | undefined;
  readonly print: (text: string) => void;
  /** Called with the run's handle as soon as training starts, to attach telemetry. */
  readonly onStart?: ((run: TrainHandle, net: Graph) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Starts the training run (the runner's, to checkpoint and resume it). Default `train`. */
  readonly startRun?: StartRun | undefined;
}

/** Builds, trains and evaluates the 784-128-10 network. */
export async function trainMnist(options: MnistRunOptions): Promise<MnistOutcome> {
  const { seed, epochs, print } = options;
  const digits = loadMnist();
  const split = stratifiedSplit(digits, { testFraction: 0.15, seed });
  const trainSet = options.trainLimit ? subset(split.train, Array.from({ length: options.trainLimit }, (_, i) => i)) : split.train;
  const testBatches = epochBatches(split.test, { batchSize: 500, seed, epoch: 0, shuffle: false });
  print(`${digits.x.shape[0]} digits: ${trainSet.labels.length} to train, ${split.test.labels.length} to test (seed ${seed}), ${epochs} epochs of batches of 64\n`);

  const net = sequential([dense(784, 128, { seed }), relu(), dense(128, 10, { seed: seed + 1 })], { inputFeatures: [784] });
  print(net.summary() + '\n');
  const crossEntropy = softmaxCrossEntropy();
  const run = startRun(options, net, trainingBatches(trainSet, { batchSize: 64, seed, epochs }), {
    loss: crossEntropy, optimizer: sgd(0.1, { momentum: 0.9 }), seed,
  });
  options.onStart?.(run, net);
  const stop = () => run.stop();
  options.signal?.addEventListener('abort', stop, { once: true });

  const stepsPerEpoch = Math.ceil(trainSet.labels.length / 64);
  const accuracyByEpoch: number[] = [];
  let epochLoss = 0;
  let epochSteps = 0;
  run.taps.step$.subscribe(({ step, loss }) => {
    epochLoss += loss;
    epochSteps++;
    if (step % stepsPerEpoch !== 0) return;
    // Synchronous, at the step boundary: the next step waits, so these are this step's parameters.
    // The trainer sees the epochs as one stream, so the scenario scores them and sends the scores as the run's evaluations.
    const test = scoreOf(net, split.test, crossEntropy);
    run.recordEvaluation({ split: 'test', loss: test.loss, accuracy: test.accuracy, epoch: step / stepsPerEpoch });
    const accuracy = test.accuracy;
    accuracyByEpoch.push(accuracy);
    print(`  epoch ${String(step / stepsPerEpoch).padStart(2)}  mean training loss ${(epochLoss / epochSteps).toFixed(4)}  test accuracy ${(100 * accuracy).toFixed(2)}%`);
    epochLoss = 0;
    epochSteps = 0;
  });
  const result = await run.result;
  options.signal?.removeEventListener('abort', stop);
  const final = await evaluate(net, testBatches, { loss: softmaxCrossEntropy() });
  print(`\nTest accuracy ${(100 * final.accuracy!).toFixed(2)}% on ${final.samples} held-out digits after ${result.steps} steps (${result.durationSeconds.toFixed(1)} s, ${(result.steps / result.durationSeconds).toFixed(0)} steps/s).`);
  return {
    accuracy: final.accuracy!, accuracyByEpoch, steps: result.steps,
    trainSamples: trainSet.labels.length, testSamples: final.samples, seconds: result.durationSeconds,
  };
}

export const mnist = defineScenario<MnistOutcome>({
  name: 'mnist',
  summary: '10,000 real MNIST digits, a 784-128-10 network, ≥ 95% test accuracy, deterministic for a seed',
  defaultSeed: 0,
  resumable: true,
  options: { epochs: { kind: 'value', type: positiveInteger, description: 'passes over the training digits (default 12; 3 with --quick)' } },
  async run({ print, seed, quick, options, signal, startRun }) {
    const epochs = options.epochs !== undefined ? Number(options.epochs) : quick ? 3 : 12;
    if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`mnist: --epochs expects a positive integer, got ${String(options.epochs)}`);
    return trainMnist({ seed, epochs, print, signal, ...(startRun ? { startRun } : {}), ...(quick ? { trainLimit: 3000 } : {}) });
  },
});

/** The loss over `dataset` and the fraction the network classifies correctly (evaluation mode, synchronous). */
function scoreOf(net: Graph, dataset: ClassificationDataset, loss: Loss): { loss: number; accuracy: number } {
  const output = predict(net, dataset.x);
  const predicted = argmaxRows(output);
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === dataset.labels[i]) correct++;
  return { loss: loss.forward(output, oneHot(dataset.labels, dataset.classes)).loss, accuracy: correct / predicted.length };
}
