/**
 * TensorFlow's record framing, in which TensorBoard's event files are written: each record
 * is its length as a little-endian uint64, the masked CRC-32C of those 8 bytes, the data,
 * and the masked CRC-32C of the data (all CRCs little-endian uint32).
 *
 *     ┌──────────────┬────────────────┬──────────┬──────────────────┐
 *     │ length: u64  │ crc(length):u32│ data     │ crc(data): u32   │
 *     └──────────────┴────────────────┴──────────┴──────────────────┘
 */
import { maskedCrc32c } from './crc32c.ts';

/** One framed record of `data`. */
export function frameRecord(data: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(8 + 4 + data.length + 4);
  record.writeBigUInt64LE(BigInt(data.length), 0);
  record.writeUInt32LE(maskedCrc32c(record.subarray(0, 8)), 8);
  record.set(data, 12);
  record.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return record;
}

/** A record file that does not hold what its framing says; the message names the byte offset. */
export class RecordFormatError extends Error {
  /** Always `'RecordFormatError'`. */
  override readonly name = 'RecordFormatError';
}

/** What {@link splitRecords} found. */
export interface SplitRecords {
  /** Each record's data, in file order. */
  readonly records: Uint8Array[];
  /** Bytes after the last whole record (a record cut off by a writer that stopped), 0 when none. */
  readonly trailingBytes: number;
}

/**
 * The records of a record file's bytes, each checked against both of its CRCs. A record cut
 * off at the end (an interrupted writer) is reported in `trailingBytes`, as TensorBoard's
 * own reader leaves it; a CRC that does not match is a {@link RecordFormatError}, naming
 * `where` and the offset.
 */
export function splitRecords(bytes: Uint8Array, where = 'records'): SplitRecords {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset + 12 <= view.length) {
    const lengthCrc = view.readUInt32LE(offset + 8);
    if (maskedCrc32c(view.subarray(offset, offset + 8)) !== lengthCrc) {
      throw new RecordFormatError(`${where}: byte ${offset}: the length's CRC does not match (a damaged file, or not a TensorBoard event file)`);
    }
    const length = view.readBigUInt64LE(offset);
    if (length > BigInt(view.length - offset - 16)) break;
    const start = offset + 12;
    const end = start + Number(length);
    if (maskedCrc32c(view.subarray(start, end)) !== view.readUInt32LE(end)) {
      throw new RecordFormatError(`${where}: byte ${start}: the data's CRC does not match its ${end - start} bytes`);
    }
    records.push(view.subarray(start, end));
    offset = end + 4;
  }
  return { records, trailingBytes: view.length - offset };
}
