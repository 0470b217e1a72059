/**
 * Reading a TensorBoard event file back: its records, each checked against its CRCs, decoded
 * as Event messages. What gradstream wrote can so be compared with the run it came from.
 */
import { readFile } from 'node:fs/promises';
import { decodeEventMessage, type EventMessage } from './messages.ts';
import { RecordFormatError, splitRecords } from './records.ts';
import { messageOf } from '../../util/errorText.ts';

/** What {@link readTensorBoardEvents} read. */
export interface TensorBoardFile {
  /** The file's Event messages, in order, the file-version record first. */
  readonly events: EventMessage[];
  /** Bytes after the last whole record (a record cut off by a writer that stopped); 0 when none. */
  readonly trailingBytes: number;
}

/**
 * Reads a TensorBoard event file whole. Rejects with the file system's error when it cannot
 * be read, and with a {@link RecordFormatError} naming the file and byte when a CRC does not
 * match or a record is not an Event.
 */
export async function readTensorBoardEvents(path: string): Promise<TensorBoardFile> {
  const bytes = await readFile(path);
  const { records, trailingBytes } = splitRecords(bytes, path);
  const events = records.map((record, index) => {
    try {
      return decodeEventMessage(record);
    } catch (error) {
      throw new RecordFormatError(`${path}: record ${index + 1} is not a TensorBoard Event (${messageOf(error)})`);
    }
  });
  return { events, trailingBytes };
}
