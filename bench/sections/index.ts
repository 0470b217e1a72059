/**
 * The sections of `npm run bench`, in the order they run. A new measurement is a new
 * file in this folder exporting a {@link Section}, added to `sections`; the planned ones
 * are listed so that the table says what it does not measure yet.
 */
import type { Section } from './section.ts';
import { matmulSection } from './matmul.ts';
import { trainingSection } from './training.ts';
import { memorySection } from './memory.ts';

export type { Section, SectionOptions, SectionResult } from './section.ts';

export const sections: readonly Section[] = [matmulSection, trainingSection, memorySection];

/** Measurements the benchmark is meant to have, not written yet. */
export const plannedSections: readonly { readonly id: string; readonly title: string }[] = [
  { id: 'runtime-overhead', title: 'Runtime overhead: the one-neuron network, ns per node per step (today: npx tsx bench/runtime-overhead.ts)' },
  { id: 'verifier', title: 'Verifier cost: checkGradients evaluations and wall time, full and fast mode' },
  { id: 'telemetry', title: 'Telemetry overhead: steps/s with no listener, every sink, a slow listener' },
];
