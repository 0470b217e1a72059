/**
 * gradstream: verified gradients and live training telemetry for hand-written neural-network
 * layers.
 *
 * This is the Node entry: the portable part (tensors, layers, the verifier, the runtime, the
 * telemetry streams; see `browser.ts`) and what needs Node on top of it: the terminal, JSONL
 * and Prometheus sinks, the live dashboard, checkpoints on disk, and the data sets.
 *
 * @packageDocumentation
 */
export * from './browser.ts';

// Telemetry sinks and servers.
export { watch, type Watch, type WatchOptions, type JsonlWatchOptions, type AddedSink } from './telemetry/watch.ts';
export { consoleSink, type ConsoleSinkOptions } from './telemetry/consoleSink.ts';
export { jsonlSink, type JsonlSink, type JsonlSinkOptions } from './telemetry/jsonlSink.ts';
export type { ExistingJsonl } from './telemetry/jsonlClaim.ts';
export { openJsonlRecorder, type JsonlRecorder, type JsonlRecorderOptions, type JsonlWriteSync } from './telemetry/jsonlRecorder.ts';
export { JsonlFileError, JsonlWriteError, type JsonlRefusal } from './telemetry/jsonlErrors.ts';
export { readJsonl, jsonlEnd, type JsonlRun, type JsonlEnd, type JsonlPosition, type TruncatedLine } from './telemetry/jsonlFile.ts';
export { readJsonlEvents, NotAFileError, type JsonlReadOptions, type JsonlReadSummary, type JsonlProblem } from './telemetry/jsonlReader.ts';
export { prometheusSink, type PrometheusSink, type PrometheusSinkOptions } from './telemetry/prometheusSink.ts';
export { startDashboard, type Dashboard, type DashboardOptions } from './telemetry/dashboard/server.ts';
export { startRunDashboard, serveUntilInterrupted, type RunDashboard, type RunDashboardOptions } from './telemetry/serve.ts';
export { startRunsDashboard, type RunsDashboard, type RunsDashboardOptions } from './telemetry/runs/runsDashboard.ts';
export { untilInterrupted } from './telemetry/untilInterrupted.ts';
export type { TextOutput } from './telemetry/textOutput.ts';

// The verifier's coordinate workers (Node's worker threads): loading this entry installs them
// (a side effect, listed in package.json's sideEffects so that bundlers keep it).
import './check/parallel/coordinatePool.ts';
export { stopCoordinateThreads } from './check/parallel/coordinatePool.ts';

// The WebAssembly gemm on several threads over shared memory (off unless set with setGemmKernel).
export { createThreadedWasmGemm, type ThreadedGemm, type ThreadedGemmOptions } from './tensor/wasm/gemmThreads.ts';

// Checkpoints: atomic, exact, resumable.
export { CheckpointError } from './checkpoint/errors.ts';
export { FileLockError, type FileLockOwner } from './checkpoint/fileLock.ts';
export { captureCheckpoint, type Checkpoint, type CheckpointExtras } from './checkpoint/checkpoint.ts';
export { encodeCheckpoint, decodeCheckpoint } from './checkpoint/codec.ts';
export { applyCheckpoint } from './checkpoint/restore.ts';
export type { ResumingRun } from './graph/resumeCheck.ts';
export { saveCheckpoint, readCheckpoint, loadCheckpoint } from './checkpoint/files.ts';
export { checkpointRun, type CheckpointRunOptions, type RunCheckpoints } from './checkpoint/checkpointRun.ts';
export { resumableRuns, type ResumableRuns, type ResumableRunsOptions } from './runs/resumableRuns.ts';

// Real data sets (optional peer dependencies, loaded on first use).
export { loadMnist } from './data/mnist.ts';
export { loadIris } from './data/iris.ts';
export { MissingPackageError } from './data/optionalPackage.ts';
