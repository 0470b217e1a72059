/**
 * The fields of each telemetry event type, checked one by one: what a file read back must
 * hold before its events reach a sink. {@link decodeEvent} checks the header (type, version,
 * seq, run id, time); this checks the body, per type, against `events.ts`:
 *
 * - counts (steps, epochs, parameters, shapes) are integers ≥ 0;
 * - bookkeeping numbers (time, seed, learning rate, rates, durations) are finite;
 * - measurements (losses, activation and gradient statistics, norms, relative errors) are
 *   numbers, NaN and ±Infinity included, since a diverging run is when they matter;
 * - fractions (zero, saturated, accuracy) lie in [0, 1];
 * - words (`kind`, `policy`, `reason`) are one of the schema's;
 * - quantiles are nine numbers in non-decreasing order (NaN throughout, for a NaN value).
 *
 * Fields the schema does not name are allowed, so that a later minor addition (an optional
 * field, as `auditableLayers` was) still reads.
 */
import { excerpt } from './terminalText.ts';
import { quantileProbabilities } from './quantiles.ts';
import type { AlarmEvent, AuditEvent, EvaluationEvent, EventHeader, LayerStatsEvent, RunEndEvent, RunStartEvent, StepEvent, TelemetryEvent } from './events.ts';

/** A check of one value: what it expects, and the problem with a value, or null when it fits. */
interface Field {
  readonly expected: string;
  problem(value: unknown, path: string): string | null;
}

/** A field that may be absent (`?` in events.ts). */
interface Optional {
  readonly optional: Field;
}

type Fields<E> = { readonly [K in Exclude<keyof E, keyof EventHeader | 'type'>]-?: undefined extends E[K] ? Optional : Field };

const mismatch = (path: string, expected: string, value: unknown): string => `${path}: expected ${expected}, got ${excerpt(value)}`;

const leaf = (expected: string, fits: (value: unknown) => boolean): Field => ({
  expected,
  problem: (value, path) => (fits(value) ? null : mismatch(path, expected, value)),
});

const isNumber = (value: unknown): value is number => typeof value === 'number';
const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const count = leaf('an integer ≥ 0', (value) => Number.isSafeInteger(value) && (value as number) >= 0);
const finite = leaf('a finite number', (value) => isNumber(value) && Number.isFinite(value));
const finiteNonNegative = leaf('a finite number ≥ 0', (value) => isNumber(value) && Number.isFinite(value) && value >= 0);
const measurement = leaf('a number (NaN and ±Infinity are written "NaN", "Infinity", "-Infinity")', isNumber);
const fraction = leaf('a number from 0 to 1', (value) => isNumber(value) && value >= 0 && value <= 1);
const text = leaf('a string', (value) => typeof value === 'string');
const yesNo = leaf('true or false', (value) => typeof value === 'boolean');
const anObject = leaf('an object', isPlainObject);
const oneOf = (...words: string[]): Field => leaf(`one of ${words.map((word) => JSON.stringify(word)).join(', ')}`, (value) => words.includes(value as string));

/** `field`, or null. A problem at the value itself names both; one deeper in it stays as it is. */
function nullable(field: Field): Field {
  const expected = `${field.expected}, or null`;
  return {
    expected,
    problem: (value, path) => {
      if (value === null) return null;
      const problem = field.problem(value, path);
      return problem !== null && problem.startsWith(`${path}: expected `) ? mismatch(path, expected, value) : problem;
    },
  };
}

const optional = (field: Field): Optional => ({ optional: field });

function arrayOf(item: Field, expected: string): Field {
  return {
    expected,
    problem: (value, path) => {
      if (!Array.isArray(value)) return mismatch(path, expected, value);
      for (let index = 0; index < value.length; index++) {
        const problem = item.problem(value[index], `${path}[${index}]`);
        if (problem !== null) return problem;
      }
      return null;
    },
  };
}

function shape(fields: Readonly<Record<string, Field | Optional>>, expected = 'an object'): Field {
  return {
    expected,
    problem: (value, path) => (isPlainObject(value) ? fieldsProblem(value, fields, `${path}.`) : mismatch(path, expected, value)),
  };
}

/** The first problem among an object's named fields, their paths prefixed with `prefix`. */
function fieldsProblem(value: Record<string, unknown>, fields: Readonly<Record<string, Field | Optional>>, prefix: string): string | null {
  for (const [name, spec] of Object.entries(fields)) {
    const given = Object.hasOwn(value, name) ? value[name] : undefined;
    const field = 'optional' in spec ? spec.optional : spec;
    if (given === undefined) {
      if ('optional' in spec) continue;
      return `${prefix}${name}: missing; expected ${field.expected}`;
    }
    const problem = field.problem(given, `${prefix}${name}`);
    if (problem !== null) return problem;
  }
  return null;
}

/**
 * Quantiles at the schema's nine probabilities: nine numbers in non-decreasing order (NaN
 * throughout, when a value was NaN).
 */
const quantilesExpected = `a list of ${quantileProbabilities.length} quantiles in non-decreasing order`;
const quantileList: Field = {
  expected: quantilesExpected,
  problem(value, path) {
    if (!Array.isArray(value) || value.length !== quantileProbabilities.length || !value.every(isNumber)) return mismatch(path, quantilesExpected, value);
    if (value.every(Number.isNaN)) return null;
    for (let i = 1; i < value.length; i++) {
      if (!(value[i - 1]! <= value[i]!)) return `${path}[${i}]: expected a quantile ≥ the one before (${excerpt(value[i - 1])}), got ${excerpt(value[i])}`;
    }
    return null;
  },
};

const graphNode = shape({ name: text, layer: text, inputs: arrayOf(text, 'an array of strings'), outputShape: arrayOf(count, 'an array of integers ≥ 0'), parameters: count }, 'a graph node { name, layer, inputs, outputShape, parameters }');

// The trainer's settings and the run's environment: what the schema promises of them (more fields may come).
const trainingSummary = shape({
  loss: text, optimizer: shape({ name: text }, 'an optimizer { name, …hyperparameters }'), microbatches: count, guard: oneOf('stop', 'continue'),
  shuffle: yesNo, maxSteps: nullable(count), parameters: count, batchSize: nullable(count),
}, 'the trainer\'s settings { loss, optimizer, epochs, microbatches, guard, shuffle, maxSteps, parameters, batchSize }');
const runEnvironment = shape({ gradstream: nullable(text), host: nullable(text), runtime: text }, 'an environment { gradstream, host, runtime }');

// name, training and environment are optional: records made before they existed still read.
const runStart: Fields<RunStartEvent> = {
  name: optional(nullable(text)), config: anObject, training: optional(trainingSummary), environment: optional(runEnvironment),
  seed: finite, graph: arrayOf(graphNode, 'an array of graph nodes'), startStep: count, totalSteps: optional(nullable(count)),
};
const step: Fields<StepEvent> = { step: count, epoch: count, loss: measurement, learningRate: finite, samplesPerSecond: finiteNonNegative, wallTime: finiteNonNegative };
const layerStats: Fields<LayerStatsEvent> = {
  step: count,
  layer: text,
  activation: shape({ mean: measurement, std: measurement, min: measurement, max: measurement, zeroFraction: fraction, saturatedFraction: fraction }),
  gradient: nullable(shape({ norm: measurement, max: measurement })),
  parameterNorm: nullable(measurement),
  updateRatio: nullable(measurement),
  quantiles: optional(shape({ activations: quantileList, weights: nullable(quantileList), gradients: nullable(quantileList) }, 'an object { activations, weights, gradients }')),
};
const evaluation: Fields<EvaluationEvent> = { step: count, epoch: count, split: text, loss: measurement, accuracy: nullable(fraction) };
const audit: Fields<AuditEvent> = {
  step: count, layer: text, ok: yesNo, worstRelativeError: measurement, summary: text, durationMs: optional(finiteNonNegative), auditableLayers: optional(count), repro: optional(text),
};
const alarm: Fields<AlarmEvent> = {
  step: count, kind: oneOf('non-finite-loss', 'non-finite-gradient', 'audit-failed'), message: text, policy: oneOf('stop', 'continue'), layer: optional(text), repro: optional(text),
};
const runEnd: Fields<RunEndEvent> = { step: count, reason: oneOf('completed', 'stopped', 'error', 'alarm'), durationSeconds: finiteNonNegative, error: optional(text) };

/** Each type's fields, beyond the header. */
const bodies: { readonly [T in TelemetryEvent['type']]: Readonly<Record<string, Field | Optional>> } = {
  'run-start': runStart, step, 'layer-stats': layerStats, evaluation, audit, alarm, 'run-end': runEnd,
};

/**
 * The first problem with the fields of an event whose header {@link decodeEvent} has
 * checked, as `loss: expected a number …, got "abc"` (the field's path, what it expects,
 * what it holds), or null when every field fits its type. Also checks that `time` is finite.
 */
export function eventFieldProblem(event: TelemetryEvent): string | null {
  const fields = event as unknown as Record<string, unknown>;
  const time = finite.problem(fields.time, 'time');
  if (time !== null) return time;
  return fieldsProblem(fields, bodies[event.type], '');
}
