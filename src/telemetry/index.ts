/** Live training telemetry: the event schema, statistics, sinks and the dashboard. */
export * from './events.ts';
export { encodeEvent, decodeEvent, TelemetryFormatError } from './codec.ts';
export * from './statistics.ts';
export { attachSink, disposeAll, type Disposable, type SinkHandle, type SinkParts } from './attach.ts';
export { consoleSink, type ConsoleSinkOptions } from './consoleSink.ts';
export { jsonlSink, type JsonlSink, type JsonlSinkOptions } from './jsonlSink.ts';
export { readJsonl, jsonlEnd, type JsonlRun, type JsonlEnd, type TruncatedLine } from './jsonlFile.ts';
export { prometheusSink, type PrometheusSink, type PrometheusSinkOptions } from './prometheusSink.ts';
export { startDashboard, type Dashboard, type DashboardOptions } from './dashboard/server.ts';
export { bufferUntilTick, type BufferUntilTickOptions } from './operators/bufferUntilTick.ts';
export { latestWithSkipped, type Sampled } from './operators/latestWithSkipped.ts';
export { layerStats$, type LayerStatsOptions, type LayerStatsBody, type TappedRun } from './layerStats.ts';
export { liveAudits, type AuditOptions, type AuditBody } from './audits.ts';
export { watch, type Watch, type WatchOptions } from './watch.ts';
export { sequence } from './operators/sequence.ts';
export { untilInterrupted } from './untilInterrupted.ts';
export { startRunDashboard, serveUntilInterrupted, type RunDashboard, type RunDashboardOptions } from './serve.ts';
