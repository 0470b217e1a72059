/** What a benchmark section is: an id, a title, and a run that returns its tables and raw figures. */
import type { Table } from '../table.ts';

/** Options every section receives. */
export interface SectionOptions {
  /** Fewer sizes, rounds and steps: a quick look, not figures to publish. */
  readonly quick: boolean;
}

/** A section's output. */
export interface SectionResult {
  readonly tables: readonly Table[];
  /** The raw figures (medians, samples, ratios) for the JSON file. */
  readonly figures: Readonly<Record<string, unknown>>;
}

/** One part of `npm run bench`. */
export interface Section {
  readonly id: string;
  readonly title: string;
  run(options: SectionOptions): Promise<SectionResult>;
}
