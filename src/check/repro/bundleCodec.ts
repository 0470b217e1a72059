/**
 * A repro bundle as JSON text, and back. Every float64 is kept to the last bit (NaN, ±Infinity
 * and −0 included) the way checkpoints keep them: a tensor is `{ shape, float64 }`, its values'
 * IEEE 754 bytes, little-endian, in base64 (src/util/float64Text.ts). Everything else is
 * plain JSON a person can read:
 *
 *     { "format": "gradstream-repro", "version": 1, "kind": "audit-failed",
 *       "runId": "run-…", "seed": 0, "step": 140, "node": "swish_1",
 *       "layer": { "name": "swish", "factoryCall": { "factory": "swish", "args": [] } },
 *       "context": { "training": true, "step": 140 },
 *       "check": { "mode": "fast", "seed": 140, "probes": 2 },
 *       "summary": "swish_1: FAILED …",
 *       "x": { "shape": [8, 4], "float64": "…" }, "dy": { … }, "params": { … }, "buffers": { … } }
 *
 * Reading checks every field and names the one at fault, the way the checkpoint reader does.
 */
import { Tensor, describe, formatShape } from '../../tensor/tensor.ts';
import { decodeFloat64, encodeFloat64, Float64TextError } from '../../util/float64Text.ts';
import type { FactoryCall } from '../../layers/contract.ts';
import type { ReproBundle, ReproCheckOptions, ReproKind } from './bundle.ts';

/** The `format` field every bundle carries. */
export const reproFormat = 'gradstream-repro';
/** The version this gradstream writes and reads. */
export const reproVersion = 1;

const kinds: readonly ReproKind[] = ['audit-failed', 'non-finite-gradient', 'non-finite-loss'];

/** A bundle that cannot be read: the message names the file, the field and what was expected. */
export class ReproBundleError extends Error {
  /** Always `'ReproBundleError'`. */
  override readonly name = 'ReproBundleError';
}

/** A tensor as `{ shape, float64 }`. */
interface EncodedTensor {
  readonly shape: readonly number[];
  readonly float64: string;
}

/** The bundle as JSON text (two-space indented, one trailing newline). */
export function encodeBundle(bundle: ReproBundle): string {
  const encoded = {
    format: reproFormat,
    version: reproVersion,
    kind: bundle.kind,
    ...(bundle.runId !== undefined ? { runId: bundle.runId } : {}),
    ...(bundle.seed !== undefined ? { seed: bundle.seed } : {}),
    step: bundle.step,
    node: bundle.node,
    layer: bundle.layer,
    context: bundle.context,
    check: bundle.check,
    summary: bundle.summary,
    x: encodeTensor(bundle.x),
    dy: encodeTensor(bundle.dy),
    params: encodeTensors(bundle.params),
    buffers: encodeTensors(bundle.buffers),
  };
  return `${JSON.stringify(encoded, null, 2)}\n`;
}

function encodeTensor(t: Tensor): EncodedTensor {
  return { shape: t.shape, float64: encodeFloat64(t.data) };
}

function encodeTensors(tensors: Readonly<Record<string, Tensor>>): Record<string, EncodedTensor> {
  return Object.fromEntries(Object.entries(tensors).map(([key, t]) => [key, encodeTensor(t)]));
}

/** Reads {@link encodeBundle}'s text; `where` names the file in errors. Throws a {@link ReproBundleError}. */
export function decodeBundle(text: string, where: string): ReproBundle {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ReproBundleError(`${where}: not a repro bundle: it is not JSON (${(error as Error).message})`);
  }
  const root = record(value, where, 'the bundle');
  if (root['format'] !== reproFormat) {
    throw new ReproBundleError(`${where}: not a repro bundle: expected "format": "${reproFormat}", got ${describe(root['format'])}`);
  }
  if (root['version'] !== reproVersion) {
    throw new ReproBundleError(`${where}: a repro bundle of version ${describe(root['version'])}; this gradstream reads version ${reproVersion}`);
  }
  const field = (name: string) => `${where}: ${name}`;
  const kind = root['kind'];
  if (!kinds.includes(kind as ReproKind)) throw new ReproBundleError(`${field('kind')}: expected one of ${kinds.join(', ')}, got ${describe(kind)}`);
  const layer = record(root['layer'], where, 'layer');
  const context = record(root['context'], where, 'context');
  const training = context['training'];
  if (typeof training !== 'boolean') throw new ReproBundleError(`${field('context.training')}: expected true or false, got ${describe(training)}`);
  return {
    kind: kind as ReproKind,
    ...optional(root, 'runId', (v) => nonEmptyText(v, field('runId'))),
    ...optional(root, 'seed', (v) => integer(v, field('seed'))),
    step: integer(root['step'], field('step')),
    node: nonEmptyText(root['node'], field('node')),
    layer: { name: nonEmptyText(layer['name'], field('layer.name')), ...optional(layer, 'factoryCall', (v) => factoryCall(v, field('layer.factoryCall'))) },
    params: tensors(root['params'], where, 'params'),
    buffers: tensors(root['buffers'] ?? {}, where, 'buffers'),
    x: tensorOf(root['x'], field('x')),
    dy: tensorOf(root['dy'], field('dy')),
    context: { training, step: integer(context['step'], field('context.step')) },
    check: checkOptions(root['check'] ?? {}, where),
    summary: typeof root['summary'] === 'string' ? root['summary'] : '',
  };
}

function record(value: unknown, where: string, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ReproBundleError(`${where}: ${name}: expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** `{ [key]: read(value) }` when the field is present and not null, else `{}`. */
function optional<T>(from: Record<string, unknown>, key: string, read: (value: unknown) => T): Record<string, T> {
  const value = from[key];
  return value === undefined || value === null ? {} : { [key]: read(value) };
}

function nonEmptyText(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new ReproBundleError(`${where}: expected a non-empty string, got ${describe(value)}`);
  return value;
}

function integer(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value)) throw new ReproBundleError(`${where}: expected an integer, got ${describe(value)}`);
  return value as number;
}

function factoryCall(value: unknown, where: string): FactoryCall {
  const call = record(value, where, 'the call');
  if (!Array.isArray(call['args'])) throw new ReproBundleError(`${where}.args: expected an array, got ${describe(call['args'])}`);
  return { factory: nonEmptyText(call['factory'], `${where}.factory`), args: call['args'] };
}

function checkOptions(value: unknown, where: string): ReproCheckOptions {
  const check = record(value, where, 'check');
  const mode = check['mode'];
  if (mode !== undefined && mode !== 'full' && mode !== 'fast') throw new ReproBundleError(`${where}: check.mode: expected "full" or "fast", got ${describe(mode)}`);
  return {
    ...(mode !== undefined ? { mode } : {}),
    ...optional(check, 'seed', (v) => integer(v, `${where}: check.seed`)),
    ...optional(check, 'probes', (v) => integer(v, `${where}: check.probes`)),
  };
}

function tensors(value: unknown, where: string, name: string): Record<string, Tensor> {
  const entries = record(value, where, name);
  return Object.fromEntries(Object.entries(entries).map(([key, t]) => [key, tensorOf(t, `${where}: ${name}.${key}`)]));
}

function tensorOf(value: unknown, where: string): Tensor {
  if (typeof value !== 'object' || value === null) throw new ReproBundleError(`${where}: expected { shape, float64 }, got ${describe(value)}`);
  const { shape, float64 } = value as { shape?: unknown; float64?: unknown };
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new ReproBundleError(`${where}.shape: expected an array of non-negative integers, got ${describe(shape)}`);
  }
  const size = (shape as number[]).reduce((a, d) => a * d, 1);
  try {
    return new Tensor(decodeFloat64(float64, size, `${where}.float64`), shape as number[]);
  } catch (error) {
    if (error instanceof Float64TextError) throw new ReproBundleError(`${error.message} (shape ${formatShape(shape)})`);
    throw error;
  }
}
