/**
 * The benchmark MLP on TensorFlow.js, for comparison only. TensorFlow.js lives in this
 * separate package (install with `npm ci --prefix bench/tfjs`), never in the library's
 * dependencies; when it is absent, {@link loadTfjs} returns undefined and the benchmark
 * marks its rows as not installed. TensorFlow.js computes in float32.
 *
 * It is loaded by path at run time, so type-checking the repository does not need it;
 * the few calls used are typed below.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

interface TfTensor {
  dispose(): void;
}
interface TfOptimizer {
  minimize(loss: () => TfTensor, returnCost: boolean): TfTensor | null;
}
interface TfModel {
  apply(x: TfTensor): TfTensor;
}
interface Tf {
  readonly version: Readonly<Record<string, string>>;
  matMul(a: TfTensor, b: TfTensor, transposeA: boolean, transposeB: boolean): TfTensor;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  env(): { getAsync(flag: string): Promise<unknown> };
  tensor2d(values: Float32Array, shape: [number, number]): TfTensor;
  sequential(config: { layers: unknown[] }): TfModel;
  layers: { dense(config: { units: number; inputShape?: number[]; activation?: string }): unknown };
  train: { sgd(learningRate: number): TfOptimizer };
  losses: { softmaxCrossEntropy(labels: TfTensor, logits: TfTensor): TfTensor };
  tidy<T>(fn: () => T): T;
}
interface TfWasm {
  setWasmPaths(prefix: string): void;
}

/** One TensorFlow.js backend set up with the benchmark MLP, ready to step. */
export interface TfjsTrainer {
  readonly backend: string;
  /** Makes this trainer's backend the active one (TensorFlow.js has one at a time). */
  activate(): Promise<void>;
  /** One SGD step on the fixed batch. */
  step(): void;
}

/** What is installed and how the WebAssembly backend runs. */
export interface TfjsSetup {
  readonly version: string;
  readonly wasmSimd: boolean;
  readonly wasmThreads: boolean;
  /** A call of `matMul` on `backend` for op(A)·op(B) of the given sizes (the result is disposed), for timing. */
  matMul(backend: 'cpu' | 'wasm', m: number, n: number, k: number, transposeA: boolean, transposeB: boolean): Promise<() => void>;
  /** A trainer per backend name ('cpu', 'wasm'). */
  trainer(backend: 'cpu' | 'wasm', sizes: { inputs: number; hidden: number; classes: number }, batchSize: number, learningRate: number): Promise<TfjsTrainer>;
}

/** Loads TensorFlow.js from bench/tfjs/node_modules, or returns undefined when it is not installed. */
export async function loadTfjs(): Promise<TfjsSetup | undefined> {
  const require = createRequire(import.meta.url);
  let tf: Tf;
  let wasm: TfWasm;
  try {
    tf = await quietly(async () => require('@tensorflow/tfjs') as Tf);
    wasm = require('@tensorflow/tfjs-backend-wasm') as TfWasm;
  } catch {
    return undefined;
  }
  // The WebAssembly backend loads its .wasm files from its own package directory.
  wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  await tf.setBackend('wasm');
  await tf.ready();
  const wasmSimd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const wasmThreads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  return {
    version: tf.version['tfjs-core'] ?? 'unknown',
    wasmSimd,
    wasmThreads,
    matMul: (backend, m, n, k, transposeA, transposeB) => quietly(async () => {
      await activate(tf, backend);
      const a = tf.tensor2d(deterministic(m * k), transposeA ? [k, m] : [m, k]);
      const b = tf.tensor2d(deterministic(k * n), transposeB ? [n, k] : [k, n]);
      return () => tf.matMul(a, b, transposeA, transposeB).dispose();
    }),
    // The cpu backend greets Node users on its first tensor; the greeting would break the table.
    trainer: (backend, sizes, batchSize, learningRate) => quietly(async () => {
      await activate(tf, backend);
      const model = tf.sequential({
        layers: [tf.layers.dense({ inputShape: [sizes.inputs], units: sizes.hidden, activation: 'relu' }), tf.layers.dense({ units: sizes.classes })],
      });
      const optimizer = tf.train.sgd(learningRate);
      const x = tf.tensor2d(deterministic(batchSize * sizes.inputs), [batchSize, sizes.inputs]);
      const labels = tf.tensor2d(Float32Array.from({ length: batchSize * sizes.classes }, (_, i) => (i % sizes.classes === (Math.floor(i / sizes.classes) * 3) % sizes.classes ? 1 : 0)), [batchSize, sizes.classes]);
      return {
        backend,
        activate: () => activate(tf, backend),
        step: () => {
          optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x)), false);
        },
      };
    }),
  };
}

/** Makes `backend` the active one: TensorFlow.js has one at a time. */
async function activate(tf: Tf, backend: string): Promise<void> {
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
  await tf.ready();
}

/** Values in [0, 1) from a fixed pattern, so that every run multiplies the same numbers. */
function deterministic(length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => ((i * 7919) % 1000) / 1000);
}

/** Runs `work` with console.log and console.warn silenced. */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const log = console.log;
  const warn = console.warn;
  console.log = console.warn = () => undefined;
  try {
    return await work();
  } finally {
    console.log = log;
    console.warn = warn;
  }
}
