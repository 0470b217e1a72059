/**
 * A remote-write request's body: the WriteRequest message (`proto/remote.proto`) encoded by
 * protobufjs, then compressed with Snappy's block format (not its framed format), as the
 * remote-write 1.0 specification requires. Both packages are optional; a MissingPackageError
 * says how to add one that is missing.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireOptional } from '../../data/optionalPackage.ts';
import { loadProtoRoot, plainObjects } from '../protoRoot.ts';

/** One series of a request: labels sorted by name (`__name__` first among the upper-case-free), samples oldest first. */
export interface TimeSeriesMessage {
  readonly labels: readonly { readonly name: string; readonly value: string }[];
  /** Each sample's value, and its time in ms since the Unix epoch. */
  readonly samples: readonly { readonly value: number; readonly timestamp: number }[];
}

interface Snappy {
  compress(input: Uint8Array): Uint8Array;
  uncompress(input: Uint8Array): Uint8Array;
}

const neededBy = 'gradstream/remote-write';
const snappy = requireOptional<Snappy>('snappyjs', neededBy, 'Snappy compression, which remote-write bodies use');
const writeRequest = loadProtoRoot(join(dirname(fileURLToPath(import.meta.url)), 'proto'), ['remote.proto'], neededBy).lookupType('prometheus.WriteRequest');

/** The compressed body of a WriteRequest holding `timeseries`. */
export function encodeWriteRequest(timeseries: readonly TimeSeriesMessage[]): Uint8Array {
  return snappy.compress(writeRequest.encode({ timeseries } as unknown as Record<string, unknown>).finish());
}

/** The series of a compressed WriteRequest body (what a receiver reads). */
export function decodeWriteRequest(body: Uint8Array): TimeSeriesMessage[] {
  const message = writeRequest.toObject(writeRequest.decode(snappy.uncompress(body)), plainObjects) as { timeseries: TimeSeriesMessage[] };
  return message.timeseries;
}
