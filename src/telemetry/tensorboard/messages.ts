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
  readonly tag: string;
  readonly metadata?: SummaryMetadata;
  readonly simple_value?: number;
  readonly histo?: HistogramMessage;
  readonly tensor?: TensorMessage;
}

/** Which plugin reads a series, and how. */
export interface SummaryMetadata {
  readonly plugin_data?: { readonly plugin_name: string; readonly content?: Uint8Array };
  readonly display_name?: string;
  readonly summary_description?: string;
  /** 1: scalar, 2: tensor, 3: blob sequence. */
  readonly data_class?: number;
}

/** A histogram's buckets; see `proto/summary.proto`. */
export interface HistogramMessage {
  readonly min: number;
  readonly max: number;
  readonly num: number;
  readonly sum: number;
  readonly sum_squares: number;
  readonly bucket_limit: readonly number[];
  readonly bucket: readonly number[];
}

/** A tensor: its type, shape and values (only the fields gradstream uses). */
export interface TensorMessage {
  /** 1: float32, 2: float64, 7: string. */
  readonly dtype: number;
  readonly tensor_shape?: { readonly dim?: readonly { readonly size: number }[] };
  readonly float_val?: readonly number[];
  readonly double_val?: readonly number[];
  readonly string_val?: readonly Uint8Array[];
}

/** One record of an event file. */
export interface EventMessage {
  /** Seconds since the Unix epoch. */
  readonly wall_time: number;
  readonly step?: number;
  readonly file_version?: string;
  readonly summary?: { readonly value: readonly SummaryValue[] };
  readonly source_metadata?: { readonly writer: string };
}

/** The HParams plugin's content: a session's start (its hyperparameters) or its end. */
export interface HParamsPluginDataMessage {
  readonly version: number;
  readonly session_start_info?: {
    /** Each value is `{ number_value }`, `{ string_value }` or `{ bool_value }` (google.protobuf.Value). */
    readonly hparams: Readonly<Record<string, { number_value?: number; string_value?: string; bool_value?: boolean }>>;
    readonly group_name?: string;
    readonly start_time_secs?: number;
  };
  readonly session_end_info?: { readonly status: number; readonly end_time_secs: number };
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
