/** The error every checkpoint refusal throws. */

/**
 * A checkpoint that cannot be written, read or applied: missing, truncated, corrupt, of
 * another format version, saved from a different graph, or holding a value that does not
 * make sense (a step its epoch position contradicts, a generator state of zeros, a missing
 * optimizer slot). The message names the file, the field and what was expected.
 */
export class CheckpointError extends Error {
  /** Always `'CheckpointError'`: what stack traces and `String(error)` show before the message. */
  override readonly name = 'CheckpointError';
  /** The checkpoint file concerned, when there is one. */
  readonly path: string | undefined;
  /** The field refused, as the message names it (`trainer.step`, `optimizer.slots["dense_1.W"].momentumBuffer`), when one is. */
  readonly field: string | undefined;

  constructor(message: string, path?: string, options?: { cause?: unknown; field?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.path = path;
    this.field = options?.field;
  }
}
