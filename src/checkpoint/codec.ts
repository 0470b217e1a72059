/**
 * The checkpoint file format, version 1: two lines of JSON.
 *
 *     {"format":"gradstream-checkpoint","version":1,"bodyBytes":N,"sha256":"…"}
 *     {"savedAt":…,"fingerprint":…,"trainer":…,"optimizer":…,"parameters":…,"buffers":…,"jsonl":…}
 *
 * The header gives the body's length and SHA-256, so a truncated file and a corrupt one are
 * told apart and refused before anything is applied. Tensors are `{ shape, float64 }` with
 * the values' bytes in base64 (see float64.ts): every bit round-trips, NaN and −0 included.
 * `jsonl` (`{ bytes, lastSeq }`, where the run's telemetry file stood) is present only when
 * the run recorded one; a reader that does not know it ignores it.
 */
import { createHash } from 'node:crypto';
import { Tensor, describe, sizeOf } from '../tensor/tensor.ts';
import type { TrainerState } from '../graph/trainOptions.ts';
import type { OptimizerState, SlotValue } from '../graph/optimizers/optimizer.ts';
import type { Checkpoint } from './checkpoint.ts';
import { CheckpointError } from './errors.ts';
import { decodeFloat64, decodeNumber, encodeFloat64, encodeNumber } from './float64.ts';
import type { GraphFingerprint } from './fingerprint.ts';
import type { JsonlPosition } from '../telemetry/jsonlFile.ts';

/** The format name in every checkpoint's header. */
export const checkpointFormat = 'gradstream-checkpoint';
/** The format version this gradstream writes and reads. */
export const checkpointVersion = 1;

/** The file's bytes for a checkpoint. */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const { optimizer, ...trainer } = checkpoint.trainer;
  const body = Buffer.from(JSON.stringify({
    savedAt: checkpoint.savedAt,
    fingerprint: checkpoint.fingerprint,
    trainer: { ...trainer, random: [...trainer.random] },
    optimizer: encodeOptimizer(optimizer),
    parameters: encodeTensors(checkpoint.parameters),
    buffers: encodeTensors(checkpoint.buffers),
    ...(checkpoint.jsonl ? { jsonl: { bytes: checkpoint.jsonl.bytes, lastSeq: checkpoint.jsonl.lastSeq } } : {}),
  }), 'utf8');
  const header = JSON.stringify({ format: checkpointFormat, version: checkpointVersion, bodyBytes: body.length, sha256: sha256(body) });
  return Buffer.concat([Buffer.from(`${header}\n`, 'utf8'), body, Buffer.from('\n')]);
}

/**
 * Reads a checkpoint's bytes. Throws a CheckpointError naming `source` when they are not a
 * gradstream checkpoint, are of another version, are truncated, or fail the checksum.
 */
export function decodeCheckpoint(bytes: Uint8Array, source: string): Checkpoint {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodeCheckpoint: expected the bytes of ${source} (a Uint8Array or Buffer), got ${describe(bytes)}`);
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.length === 0) throw new CheckpointError(`${source} is empty; expected a gradstream checkpoint`, source);
  const newline = data.indexOf(0x0a);
  const header = parseHeader(data.subarray(0, newline < 0 ? data.length : newline), source);
  const rest = newline < 0 ? Buffer.alloc(0) : data.subarray(newline + 1);
  const body = rest.subarray(0, header.bodyBytes);
  if (body.length < header.bodyBytes) {
    throw new CheckpointError(`${source} is truncated: its header announces ${header.bodyBytes} bytes of body, the file holds ${rest.length}; the write was cut off (the previous checkpoint, if any, is the one to use)`, source);
  }
  const trailer = rest.subarray(header.bodyBytes).toString('utf8');
  if (trailer !== '\n' && trailer !== '') throw new CheckpointError(`${source} is corrupt: ${Buffer.byteLength(trailer)} unexpected bytes after its body`, source);
  const found = sha256(body);
  if (found !== header.sha256) {
    throw new CheckpointError(`${source} is corrupt: its body's SHA-256 is ${found.slice(0, 16)}…, the header says ${String(header.sha256).slice(0, 16)}…`, source);
  }
  return parseBody(body, source);
}

interface Header {
  readonly bodyBytes: number;
  readonly sha256: string;
}

function parseHeader(line: Buffer, source: string): Header {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(line.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new CheckpointError(`${source} is not a gradstream checkpoint: its first line is not a JSON header`, source);
  }
  if (typeof header !== 'object' || header === null || header.format !== checkpointFormat) {
    throw new CheckpointError(`${source} is not a gradstream checkpoint: its header has no "format": "${checkpointFormat}"`, source);
  }
  if (header.version !== checkpointVersion) {
    throw new CheckpointError(`${source} is a version ${JSON.stringify(header.version)} checkpoint; this gradstream reads version ${checkpointVersion}`, source);
  }
  if (!Number.isSafeInteger(header.bodyBytes) || (header.bodyBytes as number) < 2 || typeof header.sha256 !== 'string') {
    throw new CheckpointError(`${source} is corrupt: its header lacks a valid bodyBytes and sha256`, source);
  }
  return header as unknown as Header;
}

function parseBody(body: Buffer, source: string): Checkpoint {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CheckpointError(`${source} is corrupt: its body is not JSON (${(error as Error).message})`, source);
  }
  const where = (part: string) => `${source}: ${part}`;
  const trainer = objectAt(parsed, 'trainer', source) as Omit<TrainerState, 'optimizer'>;
  return {
    savedAt: String(parsed.savedAt),
    fingerprint: objectAt(parsed, 'fingerprint', source) as unknown as GraphFingerprint,
    trainer: { ...trainer, optimizer: decodeOptimizer(objectAt(parsed, 'optimizer', source), where('optimizer')) },
    parameters: decodeTensors(objectAt(parsed, 'parameters', source), where('parameter')),
    buffers: decodeTensors(objectAt(parsed, 'buffers', source), where('buffer')),
    ...(parsed.jsonl === undefined ? {} : { jsonl: decodePosition(parsed.jsonl, where('jsonl')) }),
  };
}

function decodePosition(value: unknown, where: string): JsonlPosition {
  const { bytes, lastSeq } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (!Number.isSafeInteger(bytes) || (bytes as number) < 0 || !Number.isSafeInteger(lastSeq) || (lastSeq as number) < -1) {
    throw new CheckpointError(`${where}: expected the telemetry file's position { bytes ≥ 0, lastSeq ≥ −1 }, got ${JSON.stringify(value)}`);
  }
  return { bytes: bytes as number, lastSeq: lastSeq as number };
}

function objectAt(record: Record<string, unknown>, key: string, source: string): Record<string, unknown> {
  const value = record?.[key];
  if (typeof value !== 'object' || value === null) throw new CheckpointError(`${source} is corrupt: it has no "${key}" record`, source);
  return value as Record<string, unknown>;
}

function encodeTensors(tensors: Readonly<Record<string, Tensor>>): Record<string, { shape: number[]; float64: string }> {
  return Object.fromEntries(Object.entries(tensors).map(([key, t]) => [key, { shape: t.shape.slice(), float64: encodeFloat64(t.data) }]));
}

function decodeTensors(record: Record<string, unknown>, where: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [key, value] of Object.entries(record)) {
    const { shape, float64 } = (value ?? {}) as { shape?: unknown; float64?: unknown };
    let size: number;
    try {
      size = sizeOf(shape as number[], `${where} ${key}`);
    } catch (error) {
      throw new CheckpointError(`${where} ${key} has no valid shape (${(error as Error).message})`);
    }
    out[key] = new Tensor(decodeFloat64(float64, size, `${where} ${key}`), (shape as number[]).slice());
  }
  return out;
}

type EncodedSlot = ReturnType<typeof encodeNumber> | { readonly length: number; readonly float64: string };

function encodeOptimizer(state: OptimizerState): { kind: string; hyperparameters: Record<string, unknown>; slots: Record<string, Record<string, EncodedSlot>> } {
  const hyperparameters = Object.fromEntries(Object.entries(state.hyperparameters).map(([name, value]) => [name, typeof value === 'number' ? encodeNumber(value) : value]));
  const slots = Object.fromEntries(Object.entries(state.slots).map(([key, record]) => [
    key,
    Object.fromEntries(Object.entries(record).map(([name, value]): [string, EncodedSlot] => {
      if (typeof value === 'number') return [name, encodeNumber(value)];
      const array = value instanceof Float64Array ? value : Float64Array.from(value);
      return [name, { length: array.length, float64: encodeFloat64(array) }];
    })),
  ]));
  return { kind: state.kind, hyperparameters, slots };
}

function decodeOptimizer(record: Record<string, unknown>, where: string): OptimizerState {
  if (typeof record.kind !== 'string') throw new CheckpointError(`${where}: expected the optimizer's kind, got ${typeof record.kind}`);
  const hyperparameters: Record<string, number | boolean> = {};
  for (const [name, value] of Object.entries((record.hyperparameters ?? {}) as Record<string, unknown>)) {
    hyperparameters[name] = typeof value === 'boolean' ? value : decodeNumber(value, `${where} ${name}`);
  }
  const slots: Record<string, Record<string, SlotValue>> = {};
  for (const [key, slot] of Object.entries((record.slots ?? {}) as Record<string, Record<string, unknown>>)) {
    slots[key] = {};
    for (const [name, value] of Object.entries(slot ?? {})) {
      const array = typeof value === 'object' && value !== null && 'length' in value ? (value as { length: unknown; float64: unknown }) : undefined;
      if (array && !(Number.isSafeInteger(array.length) && (array.length as number) >= 0)) {
        throw new CheckpointError(`${where} ${key}.${name}: expected a length, got ${typeof array.length}`);
      }
      slots[key][name] = array ? decodeFloat64(array.float64, array.length as number, `${where} ${key}.${name}`) : decodeNumber(value, `${where} ${key}.${name}`);
    }
  }
  return { kind: record.kind, hyperparameters, slots };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
