/**
 * Checkpoints: a graph's parameters and buffers, the optimizer's state, the step and the
 * trainer's generator, saved atomically with every float64 bit, refused when truncated,
 * corrupt or from a different graph, and resumed bit for bit.
 */
export { CheckpointError } from './errors.ts';
export { captureCheckpoint, type Checkpoint } from './checkpoint.ts';
export { encodeCheckpoint, decodeCheckpoint, checkpointFormat, checkpointVersion } from './codec.ts';
export { graphFingerprint, fingerprintDifference, type GraphFingerprint, type NodeFingerprint } from './fingerprint.ts';
export { applyCheckpoint } from './restore.ts';
export { saveCheckpoint, readCheckpoint, loadCheckpoint } from './files.ts';
export { writeFileAtomic, removeStaleTemporaries } from './atomicWrite.ts';
export { checkpointRun, type CheckpointRunOptions, type RunCheckpoints } from './checkpointRun.ts';
export { openCheckpointDirectory, checkpointFileName, type CheckpointDirectory } from './directory.ts';
export { resumableRuns, type ResumableRuns, type ResumableRunsOptions } from './resumableRuns.ts';
