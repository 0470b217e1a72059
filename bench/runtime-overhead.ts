/**
 * The streaming runtime's overhead: one training step of a 784-128-10 MLP at batch 64
 * through `train` (nodes, tagged messages, checks, telemetry) against the same Layer objects
 * called directly in a loop, with the same optimizer. Prints both times per step and their
 * ratios (wall clock, and CPU time, which a machine shared with other work disturbs less);
 * the goal is a ratio of at most 1.03.
 *
 *     npx tsx bench/runtime-overhead.ts [--steps 60] [--rounds 5]
 */
import { Tensor } from '../src/tensor/tensor.ts';
import { createRandom } from '../src/tensor/random.ts';
import { dense } from '../src/layers/dense.ts';
import { relu } from '../src/layers/relu.ts';
import { softmaxCrossEntropy } from '../src/layers/softmaxCrossEntropy.ts';
import type { Layer } from '../src/layers/contract.ts';
import type { Batch } from '../src/data/dataset.ts';
import { sequential } from '../src/graph/builder.ts';
import { train } from '../src/graph/trainer.ts';
import { sgd } from '../src/graph/optimizers/sgd.ts';
import type { Optimizer } from '../src/graph/optimizers/optimizer.ts';

const argument = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const steps = argument('steps', 60);
const rounds = argument('rounds', 5);
const batchSize = 64;

function batches(count: number): Batch[] {
  const random = createRandom('runtime-overhead');
  return Array.from({ length: count }, () => {
    const target = new Float64Array(batchSize * 10);
    for (let r = 0; r < batchSize; r++) target[r * 10 + random.int(10)] = 1;
    return { x: new Tensor(random.uniformArray(batchSize * 784), [batchSize, 784]), target: new Tensor(target, [batchSize, 10]) };
  });
}

const layers: Layer[] = [dense(784, 128, { seed: 1 }), relu(), dense(128, 10, { seed: 2 })];
const loss = softmaxCrossEntropy();
const data = batches(steps);

/** One training step as direct calls on the same Layer objects, with the same optimizer. */
function directStep(batch: Batch, optimizer: Optimizer): void {
  let x = batch.x;
  const passes = layers.map((layer) => {
    const pass = layer.forward(x, { training: true, step: 0 });
    x = pass.y;
    return pass;
  });
  let dy = loss.forward(x, batch.target).backward();
  const grads: Record<string, Tensor>[] = [];
  for (let i = passes.length - 1; i >= 0; i--) {
    const { dx, dParams } = passes[i]!.backward(dy);
    grads[i] = dParams as Record<string, Tensor>;
    dy = dx;
  }
  layers.forEach((layer, i) => {
    for (const [name, tensor] of Object.entries(layer.params)) optimizer.update(`${i}.${name}`, tensor.data, grads[i]![name]!.data);
  });
}

/** Wall-clock and CPU milliseconds of `work` (CPU over all of the process's threads, GC helpers included). */
async function measure(work: () => unknown): Promise<{ wall: number; cpu: number }> {
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  await work();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: performance.now() - wallStart, cpu: (cpu.user + cpu.system) / 1000 };
}

// Alternate blocks of direct steps and runtime steps, so that both see the same load from
// whatever else the machine runs; the first two rounds warm up and are not counted.
const directOptimizer = sgd(0.01);
const runtimeOptimizer = sgd(0.01);
const net = sequential(layers, { inputFeatures: [784] });
const direct: { wall: number; cpu: number }[] = [];
const runtime: { wall: number; cpu: number }[] = [];
for (let round = 0; round < rounds + 2; round++) {
  const d = await measure(() => data.forEach((batch) => directStep(batch, directOptimizer)));
  const r = await measure(() => train(net, data, { loss, optimizer: runtimeOptimizer, runId: 'bench' }).result);
  if (round < 2) continue;
  direct.push(d);
  runtime.push(r);
}
const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const perStep = (values: number[]) => `${(median(values) / steps).toFixed(3)} ms`;
const ratio = (kind: 'wall' | 'cpu') => median(runtime.map((r, i) => r[kind] / direct[i]![kind]));
console.log(`784-128-10 MLP, batch ${batchSize}, SGD: ${rounds} alternating rounds of ${steps} steps each way (medians)`);
console.log(`direct calls  ${perStep(direct.map((d) => d.wall))}/step wall   ${perStep(direct.map((d) => d.cpu))}/step CPU`);
console.log(`train()       ${perStep(runtime.map((r) => r.wall))}/step wall   ${perStep(runtime.map((r) => r.cpu))}/step CPU`);
console.log(`ratio         ${ratio('wall').toFixed(4)} wall   ${ratio('cpu').toFixed(4)} CPU   (goal ≤ 1.03)`);
