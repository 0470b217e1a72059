/**
 * The sections of `npm run bench`, in the order they run. A new measurement is a new
 * file in this folder exporting a {@link Section}, added to `sections`; the planned ones
 * are listed so that the table says what it does not measure yet.
 */
import type { Section } from './section.ts';
import { matmulSection } from './matmul.ts';
import { trainingSection } from './training.ts';
import { memorySection } from './memory.ts';
import { runtimeSection } from './runtime.ts';
import { verifierSection } from './verifier.ts';
import { telemetryLoadSection, telemetrySection } from './telemetry.ts';

export type { Section, SectionOptions, SectionResult } from './section.ts';

export const sections: readonly Section[] = [matmulSection, trainingSection, runtimeSection, verifierSection, telemetrySection, telemetryLoadSection, memorySection];

/** Measurements the benchmark is meant to have, not written yet (none today). */
export const plannedSections: readonly { readonly id: string; readonly title: string }[] = [];
