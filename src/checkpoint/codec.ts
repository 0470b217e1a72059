/**
 * The checkpoint file format, version 1: two lines of JSON.
 *
 *     {"format":"gradstream-checkpoint","version":1,"bodyBytes":N,"sha256":"…"}
 *     {"savedAt":…,"fingerprint":…,"trainer":…,"optimizer":…,"parameters":…,"buffers":…,"jsonl":…}
 *
 * The header gives the body's length and SHA-256, so a truncated file and a corrupt one are
 * told apart and refused before anything is applied. Tensors are `{ shape, float64 }` with
 * the values' bytes in base64 (see src/util/float64Text.ts): every bit round-trips, NaN and −0
 * included.
 * `jsonl` (`{ bytes, lastSeq }`, where the run's telemetry file stood) is present only when
 * the run recorded one. The body is checked field by field in meaning, not only in type
 * (body.ts): a field out of range, missing or unknown is refused, naming the field.
 */
import { createHash } from 'node:crypto';
import { Tensor, describe } from '../tensor/tensor.ts';
import type { OptimizerState } from '../optim/optimizer.ts';
import type { Checkpoint } from './checkpoint.ts';
import { CheckpointError } from './errors.ts';
import { encodeFloat64, encodeNumber } from '../util/float64Text.ts';
import { parseBody } from './body.ts';

/** The format name in every checkpoint's header. */
export const checkpointFormat = 'gradstream-checkpoint';
/** The format version this gradstream writes and reads. */
export const checkpointVersion = 1;

/** The file's bytes for a checkpoint. */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  // The trainer's fields by name: the reader refuses any field it does not know.
  const { runId, seed, step, epoch, batchesIntoEpoch, random, nextSeq, optimizer } = checkpoint.trainer;
  const body = Buffer.from(JSON.stringify({
    savedAt: checkpoint.savedAt,
    fingerprint: checkpoint.fingerprint,
    trainer: { runId, seed, step, epoch, batchesIntoEpoch, random: [...random], nextSeq },
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
 * gradstream checkpoint, are of another version, are truncated, fail the checksum, or hold a
 * field that is missing, unknown or out of range (naming the field; see body.ts).
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

function encodeTensors(tensors: Readonly<Record<string, Tensor>>): Record<string, { shape: number[]; float64: string }> {
  return Object.fromEntries(Object.entries(tensors).map(([key, t]) => [key, { shape: t.shape.slice(), float64: encodeFloat64(t.data) }]));
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

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
