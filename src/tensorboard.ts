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
export { TensorBoardWriter, type TensorBoardRunFile } from './telemetry/tensorboard/eventFileWriter.ts';
export { readTensorBoardEvents, type TensorBoardFile } from './telemetry/tensorboard/eventFileReader.ts';
export { histogramOfQuantiles } from './telemetry/tensorboard/summaries.ts';
export { crc32c, maskedCrc32c } from './telemetry/tensorboard/crc32c.ts';
export { frameRecord, splitRecords, RecordFormatError, type SplitRecords } from './telemetry/tensorboard/records.ts';
export type { EventMessage, SummaryValue, SummaryMetadata, HistogramMessage, TensorMessage } from './telemetry/tensorboard/messages.ts';
