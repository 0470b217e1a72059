/**
 * The text form of telemetry events: one JSON object per line. JSON has no NaN or
 * Infinity, and a diverging run is exactly when they matter, so a number that is not
 * finite is written as the string "NaN", "Infinity" or "-Infinity" and read back as the
 * number. Finite float64 values round-trip exactly (JSON writes the shortest decimal that
 * reads back to the same double).
 */
import { telemetryEventTypes, telemetrySchemaVersion, type TelemetryEvent } from './events.ts';
import { excerpt, terminalSafe } from './terminalText.ts';

/** A line that is not a valid telemetry event; the message says where and why. */
export class TelemetryFormatError extends Error {
  /** Always `'TelemetryFormatError'`: what stack traces and `String(error)` show before the message. */
  override readonly name = 'TelemetryFormatError';
}

const nonFiniteNames: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

/**
 * Fields whose values are numbers wherever they appear (top level, `activation`,
 * `gradient`, `config`): only these turn "NaN"/"Infinity" strings back into numbers, so a
 * message or summary that happens to read "NaN" stays a string.
 */
const numericFields = new Set([
  'v', 'seq', 'time', 'seed', 'startStep', 'totalSteps', 'parameters', 'step', 'epoch', 'loss', 'learningRate',
  'samplesPerSecond', 'wallTime', 'mean', 'std', 'min', 'max', 'zeroFraction', 'saturatedFraction', 'norm',
  'parameterNorm', 'updateRatio', 'accuracy', 'worstRelativeError', 'durationSeconds', 'durationMs',
]);

/** Fields whose values are lists of numbers (a layer-stats event's `quantiles`): their "NaN"/"Infinity" items are read back as numbers. */
const numericListFields = new Set(['activations', 'weights', 'gradients']);

const writeNonFinite = (_key: string, value: unknown): unknown =>
  typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;

const asNumber = (value: unknown): unknown => (typeof value === 'string' && value in nonFiniteNames ? nonFiniteNames[value] : value);

const readNonFinite = (key: string, value: unknown): unknown => {
  if (typeof value === 'string') return numericFields.has(key) ? asNumber(value) : value;
  return Array.isArray(value) && numericListFields.has(key) ? value.map(asNumber) : value;
};

const knownTypes = new Set<string>(telemetryEventTypes);

/**
 * Lines already made, by event: the JSONL file and the dashboard encode the same events,
 * and events are not changed once stamped. Held weakly: a line goes with its event.
 */
const encodedLines = new WeakMap<TelemetryEvent, string>();

/** One event as one line of JSON, without the newline. */
export function encodeEvent(event: TelemetryEvent): string {
  if (typeof event !== 'object' || event === null || typeof event.type !== 'string') {
    throw new TypeError(`encodeEvent: expected a telemetry event (an object with a type), got ${event === null ? 'null' : typeof event === 'object' ? 'an object without one' : typeof event}`);
  }
  let line = encodedLines.get(event);
  if (line === undefined) {
    // A replacer costs a call per value: only the rare event with a NaN or an infinity pays it.
    line = hasNonFinite(event) ? JSON.stringify(event, writeNonFinite) : JSON.stringify(event);
    encodedLines.set(event, line);
  }
  return line;
}

/** The line of an event already encoded by {@link encodeEvent}, or undefined (nothing is encoded here). */
export function encodedLine(event: TelemetryEvent): string | undefined {
  return encodedLines.get(event);
}

/** Whether a number that is not finite appears anywhere in a JSON-like value. */
function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasNonFinite(item)) return true;
    return false;
  }
  for (const key in value) if (hasNonFinite((value as Record<string, unknown>)[key])) return true;
  return false;
}

/**
 * Parses one line back into an event and checks its header: a known `type`, a schema
 * version this code reads, a non-negative integer `seq`, a `runId` and a `time`.
 * Throws {@link TelemetryFormatError} naming `where` (for example "run.jsonl line 12").
 */
export function decodeEvent(line: string, where = 'event'): TelemetryEvent {
  if (typeof line !== 'string') throw new TypeError(`decodeEvent: ${where}: expected a line of text, got ${line === null ? 'null' : typeof line}`);
  // Only a line with more than maxNesting opening brackets can nest that deep; counting them
  // with indexOf (a fast search) spares events, which hold a few dozen, the scan character by character.
  if (line.length > 2 * maxNesting && opensMoreThan(line, maxNesting) && nestsDeeperThan(line, maxNesting)) {
    throw new TelemetryFormatError(`${where}: arrays and objects nested more than ${maxNesting} levels deep; expected an event (a few levels): ${preview(line)}`);
  }
  let value: unknown;
  try {
    value = mayHoldNonFinite(line) ? JSON.parse(line, readNonFinite) : JSON.parse(line);
  } catch (error) {
    throw new TelemetryFormatError(`${where}: not valid JSON (${(error as Error).message}): ${preview(line)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TelemetryFormatError(`${where}: expected a JSON object, got ${preview(line)}`);
  }
  const event = value as Record<string, unknown>;
  if (typeof event.type !== 'string' || !knownTypes.has(event.type)) {
    throw new TelemetryFormatError(`${where}: unknown event type ${excerpt(event.type)}; expected one of ${telemetryEventTypes.join(', ')}`);
  }
  if (typeof event.v !== 'number' || !Number.isInteger(event.v) || event.v < 1 || event.v > telemetrySchemaVersion) {
    throw new TelemetryFormatError(`${where}: schema version ${excerpt(event.v)}; this gradstream reads versions 1 to ${telemetrySchemaVersion}`);
  }
  if (typeof event.seq !== 'number' || !Number.isInteger(event.seq) || event.seq < 0) {
    throw new TelemetryFormatError(`${where}: seq must be a non-negative integer, got ${excerpt(event.seq)}`);
  }
  if (typeof event.runId !== 'string' || typeof event.time !== 'number') {
    throw new TelemetryFormatError(`${where}: expected a string runId and a numeric time, got runId ${excerpt(event.runId)}, time ${excerpt(event.time)}`);
  }
  return event as unknown as TelemetryEvent;
}

/**
 * The deepest nesting of arrays and objects a line may hold: far beyond any event gradstream
 * writes (a run-start's config and graph summary nest a few levels), and far below what
 * re-encoding can take. JSON.parse reads 200,000 levels, but JSON.stringify and every
 * recursive walk of the event overflow the stack after about 10,000: such a line, read by the
 * runs dashboard, made its whole file unreadable ("Maximum call stack size exceeded").
 */
const maxNesting = 256;

const [openBrace, openBracket, closeBrace, closeBracket, quote, backslash] = ['{', '[', '}', ']', '"', '\\'].map((character) => character.charCodeAt(0));

/** Whether the text holds more than `limit` of `{` and `[` together. */
function opensMoreThan(text: string, limit: number): boolean {
  let count = 0;
  for (const bracket of ['{', '[']) {
    for (let index = text.indexOf(bracket); index !== -1; index = text.indexOf(bracket, index + 1)) {
      if (++count > limit) return true;
    }
  }
  return false;
}

/** Whether the JSON text nests arrays and objects more than `limit` levels deep (brackets inside strings do not count). */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === backslash) index++;
      else if (code === quote) inString = false;
    } else if (code === quote) {
      inString = true;
    } else if (code === openBrace || code === openBracket) {
      if (++depth > limit) return true;
    } else if (code === closeBrace || code === closeBracket) {
      depth--;
    }
  }
  return false;
}

/**
 * Whether a line may hold "NaN", "Infinity" or "-Infinity" as a JSON string: written plainly,
 * or with `\u` escapes (the only escapes their letters can take). A line without them is
 * parsed without the reviver, which costs a call per value (three times the parse).
 */
function mayHoldNonFinite(line: string): boolean {
  return line.includes('"NaN"') || line.includes('Infinity"') || line.includes('\\u');
}

/** The start of a line as messages quote it: JSON-quoted, cut after 80 characters, control characters escaped. */
function preview(line: string): string {
  return terminalSafe(line.length > 80 ? `${JSON.stringify(line.slice(0, 80))}…` : JSON.stringify(line));
}
