/**
 * `gradstream/tensorboard`: a run's telemetry as TensorBoard event files, live
 * (`tensorboardSink`) or from recorded JSONL files (`exportTensorBoard`), and read back
 * (`readTensorBoardEvents`). A subpath of its own so that the core does not load protobufjs,
 * which it needs: install it beside gradstream (`npm install protobufjs`).
 *
 * @packageDocumentation
 */
export { tensorboardSink, type TensorBoardSink, type TensorBoardSinkOptions } from './telemetry/tensorboard/tensorboardSink.ts';
export { exportTensorBoard, type ExportTensorBoardOptions, type ExportedFile } from './telemetry/tensorboard/exportTensorBoard.ts';
export type { TensorBoardRunFile } from './telemetry/tensorboard/eventFileWriter.ts';
export { readTensorBoardEvents, type TensorBoardFile } from './telemetry/tensorboard/eventFileReader.ts';
export { RecordFormatError } from './telemetry/tensorboard/records.ts';
export type { EventMessage, SummaryMessage, SourceMetadata, SummaryValue, SummaryMetadata, PluginData, HistogramMessage, TensorMessage, TensorShape, TensorDimension } from './telemetry/tensorboard/messages.ts';
