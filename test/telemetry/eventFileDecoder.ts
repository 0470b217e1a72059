/**
 * A TensorBoard event-file reader written for the tests, from the published formats alone and
 * sharing nothing with gradstream's writer (no .proto file, no protobufjs, no CRC table):
 *
 * - the TFRecord framing: per record a little-endian uint64 length, the masked CRC-32C of
 *   those 8 bytes, the data, and the masked CRC-32C of the data (TensorFlow's
 *   `core/lib/io/record_writer`); mask(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8;
 * - the protobuf wire format, decoded field by field (varint, 64-bit, length-delimited,
 *   32-bit), with the field numbers of TensorFlow's `event.proto`, `summary.proto`,
 *   `tensor.proto`, `tensor_shape.proto`, the HParams plugin's `plugin_data.proto` and
 *   `google/protobuf/struct.proto`, written out below beside each message.
 *
 * So a wrong field number or wire type in gradstream's .proto files, which its own reader
 * would agree with, fails here as it would fail in TensorBoard.
 */

/** CRC-32C bit by bit: reflected, polynomial 0x82F63B78, register from and inverted to all ones. */
export function bitwiseCrc32c(bytes: Uint8Array): number {
  let register = 0xffffffff;
  for (const byte of bytes) {
    register ^= byte;
    for (let bit = 0; bit < 8; bit++) register = (register >>> 1) ^ (0x82f63b78 & -(register & 1));
  }
  return ~register >>> 0;
}

/** The masked CRC TFRecord stores, so that a CRC of data holding CRCs is not itself a CRC. */
export function maskedBitwiseCrc32c(bytes: Uint8Array): number {
  const crc = bitwiseCrc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** One field as it sits on the wire: its number, and its value by wire type. */
interface WireField {
  readonly field: number;
  /** 0: varint (as a bigint, exact to 64 bits), 1: 8 bytes, 2: length-delimited, 5: 4 bytes. */
  readonly wireType: 0 | 1 | 2 | 5;
  readonly varint: bigint;
  readonly bytes: Uint8Array;
}

/** Every field of a message's bytes, in order; throws on a truncated field or a group (wire types 3, 4). */
export function wireFields(message: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= message.length || shift > 63n) throw new Error(`protobuf: a varint runs past byte ${at} of ${message.length}`);
      const byte = message[at++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
  };
  const take = (length: number): Uint8Array => {
    if (at + length > message.length) throw new Error(`protobuf: a field of ${length} bytes at byte ${at} runs past the message's ${message.length}`);
    const bytes = message.subarray(at, at + length);
    at += length;
    return bytes;
  };
  while (at < message.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wireType = key & 7;
    if (wireType === 0) fields.push({ field, wireType, varint: varint(), bytes: new Uint8Array(0) });
    else if (wireType === 1) fields.push({ field, wireType, varint: 0n, bytes: take(8) });
    else if (wireType === 2) fields.push({ field, wireType, varint: 0n, bytes: take(Number(varint())) });
    else if (wireType === 5) fields.push({ field, wireType, varint: 0n, bytes: take(4) });
    else throw new Error(`protobuf: wire type ${wireType} (field ${field}) at byte ${at}: not one proto3 writes`);
  }
  return fields;
}

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const double = (bytes: Uint8Array) => view(bytes).getFloat64(0, true);
const float = (bytes: Uint8Array) => view(bytes).getFloat32(0, true);
const utf8 = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);

/** Checks a field's wire type against its declared type, naming both on a mismatch. */
function expectWire(message: string, field: WireField, wireType: number): void {
  if (field.wireType !== wireType) throw new Error(`protobuf: ${message} field ${field.field} has wire type ${field.wireType}, its declared type needs ${wireType}`);
}

/** Repeated doubles, packed (one length-delimited field) or not (one 64-bit field each): a reader must take both. */
function doubles(message: string, field: WireField): number[] {
  if (field.wireType === 1) return [double(field.bytes)];
  expectWire(message, field, 2);
  return Array.from({ length: field.bytes.length / 8 }, (_, i) => double(field.bytes.subarray(8 * i, 8 * i + 8)));
}

/** HistogramProto: min 1, max 2, num 3, sum 4, sum_squares 5 (doubles); bucket_limit 6, bucket 7 (repeated double). */
export interface DecodedHistogram { min: number; max: number; num: number; sum: number; sumSquares: number; bucketLimit: number[]; bucket: number[] }

/** TensorProto: dtype 1 (enum), tensor_shape 2 (TensorShapeProto: dim 2, each Dim with size 1), string_val 8. */
export interface DecodedTensor { dtype: number; shape: number[]; strings: string[] }

/** SummaryMetadata: plugin_data 1 (PluginData: plugin_name 1, content 2), data_class 4. */
export interface DecodedMetadata { pluginName: string; content: Uint8Array; dataClass: number }

/** Summary.Value: tag 1, simple_value 2 (float), histo 5, tensor 8, metadata 9. */
export interface DecodedValue { tag: string; simpleValue?: number; histogram?: DecodedHistogram; tensor?: DecodedTensor; metadata?: DecodedMetadata }

/** Event: wall_time 1 (double), step 2 (int64), file_version 3, summary 5 (Summary: value 1, repeated), source_metadata 10 (writer 1). */
export interface DecodedEvent { wallTime: number; step: number; fileVersion?: string; writer?: string; values: DecodedValue[] }

/** One Event from its bytes (a record's data); fields it does not know are skipped, as protobuf readers do. */
export function decodeEvent(bytes: Uint8Array): DecodedEvent {
  const event: DecodedEvent = { wallTime: 0, step: 0, values: [] };
  for (const field of wireFields(bytes)) {
    if (field.field === 1) { expectWire('Event', field, 1); event.wallTime = double(field.bytes); }
    else if (field.field === 2) { expectWire('Event', field, 0); event.step = Number(BigInt.asIntN(64, field.varint)); }
    else if (field.field === 3) { expectWire('Event', field, 2); event.fileVersion = utf8(field.bytes); }
    else if (field.field === 5) {
      expectWire('Event', field, 2);
      for (const value of wireFields(field.bytes)) if (value.field === 1) event.values.push(decodeValue(value.bytes));
    } else if (field.field === 10) {
      expectWire('Event', field, 2);
      for (const inner of wireFields(field.bytes)) if (inner.field === 1) event.writer = utf8(inner.bytes);
    }
  }
  return event;
}

function decodeValue(bytes: Uint8Array): DecodedValue {
  const value: DecodedValue = { tag: '' };
  for (const field of wireFields(bytes)) {
    if (field.field === 1) value.tag = utf8(field.bytes);
    else if (field.field === 2) { expectWire('Summary.Value', field, 5); value.simpleValue = float(field.bytes); }
    else if (field.field === 5) value.histogram = decodeHistogram(field.bytes);
    else if (field.field === 8) value.tensor = decodeTensor(field.bytes);
    else if (field.field === 9) value.metadata = decodeMetadata(field.bytes);
  }
  return value;
}

function decodeHistogram(bytes: Uint8Array): DecodedHistogram {
  const histogram: DecodedHistogram = { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimit: [], bucket: [] };
  const scalars = ['min', 'max', 'num', 'sum', 'sumSquares'] as const;
  for (const field of wireFields(bytes)) {
    if (field.field >= 1 && field.field <= 5) { expectWire('HistogramProto', field, 1); histogram[scalars[field.field - 1]!] = double(field.bytes); }
    else if (field.field === 6) histogram.bucketLimit.push(...doubles('HistogramProto', field));
    else if (field.field === 7) histogram.bucket.push(...doubles('HistogramProto', field));
  }
  return histogram;
}

function decodeTensor(bytes: Uint8Array): DecodedTensor {
  const tensor: DecodedTensor = { dtype: 0, shape: [], strings: [] };
  for (const field of wireFields(bytes)) {
    if (field.field === 1) { expectWire('TensorProto', field, 0); tensor.dtype = Number(field.varint); }
    else if (field.field === 2) {
      for (const dim of wireFields(field.bytes)) {
        if (dim.field !== 2) continue;
        const size = wireFields(dim.bytes).find((inner) => inner.field === 1);
        tensor.shape.push(size ? Number(BigInt.asIntN(64, size.varint)) : 0);
      }
    } else if (field.field === 8) tensor.strings.push(utf8(field.bytes));
  }
  return tensor;
}

function decodeMetadata(bytes: Uint8Array): DecodedMetadata {
  const metadata: DecodedMetadata = { pluginName: '', content: new Uint8Array(0), dataClass: 0 };
  for (const field of wireFields(bytes)) {
    if (field.field === 1) {
      for (const inner of wireFields(field.bytes)) {
        if (inner.field === 1) metadata.pluginName = utf8(inner.bytes);
        else if (inner.field === 2) metadata.content = inner.bytes;
      }
    } else if (field.field === 4) metadata.dataClass = Number(field.varint);
  }
  return metadata;
}

/** google.protobuf.Value: number_value 2 (double), string_value 3, bool_value 4 (the kinds the HParams plugin takes). */
export type DecodedSetting = { number: number } | { string: string } | { bool: boolean };

/**
 * HParamsPluginData: version 1, then one of session_start_info 3 (SessionStartInfo:
 * hparams 1, a map<string, Value> whose entries are key 1, value 2; group_name 4;
 * start_time_secs 5) and session_end_info 4 (SessionEndInfo: status 1, end_time_secs 2).
 */
export interface DecodedHParams {
  version: number;
  start?: { hparams: Record<string, DecodedSetting>; groupName: string; startTimeSecs: number };
  end?: { status: number; endTimeSecs: number };
}

/** The HParams plugin's content (PluginData.content of a `_hparams_/…` value) from its bytes. */
export function decodeHParamsPluginData(bytes: Uint8Array): DecodedHParams {
  const data: DecodedHParams = { version: 0 };
  for (const field of wireFields(bytes)) {
    if (field.field === 1) data.version = Number(field.varint);
    else if (field.field === 3) {
      const start = { hparams: {} as Record<string, DecodedSetting>, groupName: '', startTimeSecs: 0 };
      for (const inner of wireFields(field.bytes)) {
        if (inner.field === 1) {
          const entry = wireFields(inner.bytes);
          const key = utf8(entry.find((part) => part.field === 1)?.bytes ?? new Uint8Array(0));
          start.hparams[key] = decodeSetting(entry.find((part) => part.field === 2)?.bytes ?? new Uint8Array(0));
        } else if (inner.field === 4) start.groupName = utf8(inner.bytes);
        else if (inner.field === 5) start.startTimeSecs = double(inner.bytes);
      }
      data.start = start;
    } else if (field.field === 4) {
      const end = { status: 0, endTimeSecs: 0 };
      for (const inner of wireFields(field.bytes)) {
        if (inner.field === 1) end.status = Number(inner.varint);
        else if (inner.field === 2) end.endTimeSecs = double(inner.bytes);
      }
      data.end = end;
    }
  }
  return data;
}

function decodeSetting(bytes: Uint8Array): DecodedSetting {
  const [field] = wireFields(bytes);
  if (field?.field === 2) return { number: double(field.bytes) };
  if (field?.field === 3) return { string: utf8(field.bytes) };
  if (field?.field === 4) return { bool: field.varint !== 0n };
  throw new Error(`google.protobuf.Value: expected a number, string or bool value, got field ${field?.field ?? 'none'}`);
}

/**
 * Every record of an event file's bytes, decoded; throws, naming the byte, at a CRC that does
 * not match or a record that runs past the end (a torn tail is not expected in a closed file).
 */
export function decodeEventFile(file: Uint8Array): DecodedEvent[] {
  const events: DecodedEvent[] = [];
  let at = 0;
  while (at < file.length) {
    if (at + 12 > file.length) throw new Error(`event file: byte ${at}: a record header runs past the end`);
    const header = file.subarray(at, at + 8);
    const length = Number(view(header).getBigUint64(0, true));
    if (view(file).getUint32(at + 8, true) !== maskedBitwiseCrc32c(header)) throw new Error(`event file: byte ${at}: the length's CRC does not match`);
    if (at + 16 + length > file.length) throw new Error(`event file: byte ${at}: a record of ${length} bytes runs past the end`);
    const data = file.subarray(at + 12, at + 12 + length);
    if (view(file).getUint32(at + 12 + length, true) !== maskedBitwiseCrc32c(data)) throw new Error(`event file: byte ${at + 12}: the data's CRC does not match`);
    events.push(decodeEvent(data));
    at += 16 + length;
  }
  return events;
}
