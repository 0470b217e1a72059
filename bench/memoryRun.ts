/**
 * One long training run for the memory section, in its own process so that its peak RSS
 * is its own: `tsx --expose-gc bench/memoryRun.ts <direct|train> <steps> <every>`.
 * Prints one JSON line: memory after a full collection every `every` steps, and the peak.
 */
import { directStep, mlpLayers, runtimeSteps, syntheticBatches } from './mlp.ts';
import { memorySample, type MemorySample } from './sections/memorySample.ts';

const [mode = 'direct', stepsText = '10000', everyText = '1000'] = process.argv.slice(2);
const steps = Number(stepsText);
const every = Number(everyText);
const batchSize = 8;
const pool = syntheticBatches(4, batchSize);
const layers = mlpLayers();
const samples: MemorySample[] = [await memorySample(0)];

if (mode === 'direct') {
  for (let step = 1; step <= steps; step++) {
    directStep(layers, pool[step % pool.length]!);
    if (step % every === 0) samples.push(await memorySample(step));
  }
} else {
  // Through train(): one epoch of `every` steps at a time, sampling between epochs.
  for (let done = 0; done < steps; done += every) {
    await runtimeSteps(layers, Array.from({ length: every }, (_, i) => pool[i % pool.length]!));
    samples.push(await memorySample(done + every));
  }
}
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ mode, steps, batchSize, samples, peakRssBytes }));
