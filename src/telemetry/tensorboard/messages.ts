/**
 * TensorBoard's messages, from the `.proto` files beside this module (`proto/`), through
 * protobufjs: the same definitions encode what gradstream writes and decode what it reads
 * back. Field names are the `.proto` files' own (snake_case), so a message here reads as the
 * schema does. protobufjs is an optional package: without it, loading this module throws a
 * MissingPackageError that says how to add it (`protoRoot.ts`).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProtoRoot, plainObjects } from '../protoRoot.ts';

/** A Summary value: a tag, optional plugin metadata, and one of a scalar, a histogram or a tensor. */
export interface SummaryValue {
  /** The series' name (`loss/train`, `weights/dense_1`); TensorBoard groups tags by what comes before the first `/`. */
  readonly tag: string;
  /** Which plugin reads the series; set on a tag's first value in a file (null when read back without it). */
  readonly metadata?: SummaryMetadata | null | undefined;
  /** A scalar, float32 as TensorBoard keeps it. */
  readonly simple_value?: number | undefined;
  /** A histogram. */
  readonly histo?: HistogramMessage | undefined;
  /** A tensor (text, the HParams plugin's records). */
  readonly tensor?: TensorMessage | undefined;
}

/** Which plugin reads a series, and how. */
export interface SummaryMetadata {
  /** The plugin, and its own serialized record. */
  readonly plugin_data?: PluginData | null | undefined;
  /** A name to show instead of the tag. */
  readonly display_name?: string | undefined;
  /** A description (markdown). */
  readonly summary_description?: string | undefined;
  /** 1: scalar, 2: tensor, 3: blob sequence; 0 leaves it to TensorBoard. */
  readonly data_class?: number | undefined;
}

/** The plugin a series belongs to. */
export interface PluginData {
  /** `text`, `hparams`, `scalars`, … */
  readonly plugin_name: string;
  /** The plugin's own record, serialized (empty for the text plugin). */
  readonly content?: Uint8Array | undefined;
}

/** A histogram's buckets: `bucket[i]` counts the values in (`bucket_limit[i − 1]`, `bucket_limit[i]`], the first bucket's left edge being `min`. */
export interface HistogramMessage {
  /** The smallest value (the first bucket's left edge). */
  readonly min: number;
  /** The largest value. */
  readonly max: number;
  /** How many values; gradstream's histograms count fractions, so 1. */
  readonly num: number;
  /** Their sum (0 in gradstream's: quantiles do not give it). */
  readonly sum: number;
  /** Their sum of squares (0 in gradstream's). */
  readonly sum_squares: number;
  /** Each bucket's right edge, increasing. */
  readonly bucket_limit: readonly number[];
  /** Each bucket's count. */
  readonly bucket: readonly number[];
}

/** A tensor: its type, shape and values (only the fields gradstream uses). */
export interface TensorMessage {
  /** 1: float32, 2: float64, 7: string. */
  readonly dtype: number;
  /** Its shape; no dimension: a scalar. */
  readonly tensor_shape?: TensorShape | null | undefined;
  /** float32 values, row-major. */
  readonly float_val?: readonly number[] | undefined;
  /** float64 values, row-major. */
  readonly double_val?: readonly number[] | undefined;
  /** Strings, as UTF-8 bytes. */
  readonly string_val?: readonly Uint8Array[] | undefined;
}

/** A tensor's shape. */
export interface TensorShape {
  /** Its dimensions, outermost first; none for a scalar. */
  readonly dim?: readonly TensorDimension[] | undefined;
}

/** One dimension of a tensor's shape. */
export interface TensorDimension {
  /** The dimension's size. */
  readonly size: number;
}

/** One record of an event file. */
export interface EventMessage {
  /** Seconds since the Unix epoch. */
  readonly wall_time: number;
  /** The training step the values belong to. */
  readonly step?: number | undefined;
  /** Set on a file's first record only: `brain.Event:2`. */
  readonly file_version?: string | undefined;
  /** The values of the step. */
  readonly summary?: SummaryMessage | null | undefined;
  /** Who wrote the file (`gradstream`), on its first record. */
  readonly source_metadata?: SourceMetadata | null | undefined;
}

/** The values of one record. */
export interface SummaryMessage {
  /** Each series' value. */
  readonly value: readonly SummaryValue[];
}

/** Who wrote an event file. */
export interface SourceMetadata {
  /** The writer's name. */
  readonly writer: string;
}

/** The HParams plugin's content: a session's start (its hyperparameters) or its end. */
export interface HParamsPluginDataMessage {
  readonly version: number;
  readonly session_start_info?: {
    /** Each value is `{ number_value }`, `{ string_value }` or `{ bool_value }` (google.protobuf.Value). */
    readonly hparams: Readonly<Record<string, { number_value?: number; string_value?: string; bool_value?: boolean }>>;
    readonly group_name?: string | undefined;
    readonly start_time_secs?: number | undefined;
  };
  readonly session_end_info?: { readonly status: number; readonly end_time_secs: number } | undefined;
}

const root = loadProtoRoot(join(dirname(fileURLToPath(import.meta.url)), 'proto'), ['summary.proto', 'hparams.proto'], 'gradstream/tensorboard');
const eventType = root.lookupType('tensorboard.Event');
const pluginDataType = root.lookupType('tensorboard.hparams.HParamsPluginData');

/** The bytes of an Event. */
export function encodeEventMessage(event: EventMessage): Uint8Array {
  return eventType.encode(event as unknown as Record<string, unknown>).finish();
}

/** An Event from its bytes (throws protobufjs's error on bytes that are not one). */
export function decodeEventMessage(bytes: Uint8Array): EventMessage {
  return eventType.toObject(eventType.decode(bytes), plainObjects) as EventMessage;
}

/** The bytes of the HParams plugin's content. */
export function encodeHParamsPluginData(data: HParamsPluginDataMessage): Uint8Array {
  return pluginDataType.encode(data as unknown as Record<string, unknown>).finish();
}

/** The HParams plugin's content from its bytes. */
export function decodeHParamsPluginData(bytes: Uint8Array): HParamsPluginDataMessage {
  return pluginDataType.toObject(pluginDataType.decode(bytes), plainObjects) as HParamsPluginDataMessage;
}

/** The protobufjs types behind the codecs above, for a reader of its own (tests decode with them). */
export const tensorboardTypes = { event: eventType, hparamsPluginData: pluginDataType } as const;
