/**
 * What a run's `run-start` says about who it is, for sinks outside gradstream (TensorBoard's
 * run directories, Prometheus's labels): its name, the machine it ran on, and its settings
 * as one flat map of numbers, strings and booleans. Read loosely: records made before runs
 * had names, settings of their own or an environment lack those fields.
 */
import type { RunStartEvent } from './events.ts';

/** A run's identity as sinks outside gradstream label it. */
export interface RunIdentity {
  /** The run's id. */
  readonly runId: string;
  /** `train`'s `name`, or null when the run has none. */
  readonly name: string | null;
  /** The machine's name, from the run-start's environment; null when it does not say. */
  readonly host: string | null;
}

interface LooseStart {
  readonly name?: unknown | undefined;
  readonly environment?: { readonly host?: unknown } | null | undefined;
  readonly training?: unknown | undefined;
}

/** The identity a run-start gives its run. */
export function runIdentity(start: RunStartEvent): RunIdentity {
  const loose = start as unknown as LooseStart;
  return {
    runId: start.runId,
    name: typeof loose.name === 'string' && loose.name !== '' ? loose.name : null,
    host: typeof loose.environment?.host === 'string' ? loose.environment.host : null,
  };
}

/** A setting's value as a flat map holds it. */
export type FlatSetting = number | string | boolean;

/**
 * The run's settings as one flat map, keys joined with dots: the trainer's own
 * (`training.optimizer.lr`, `training.microbatches`; in older records they are in `config`),
 * the free-form `config` given to `train` (`config.dropout`), and the `seed`. Lists and null
 * become their JSON text; objects are walked.
 */
export function flatSettings(start: RunStartEvent): Map<string, FlatSetting> {
  const settings = new Map<string, FlatSetting>();
  const walk = (prefix: string, value: unknown): void => {
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') settings.set(prefix, value);
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) walk(`${prefix}.${key}`, inner);
    } else if (value !== undefined) settings.set(prefix, JSON.stringify(value));
  };
  walk('training', (start as unknown as LooseStart).training);
  walk('config', start.config);
  settings.set('seed', start.seed);
  return settings;
}
