/** The error every checkpoint refusal throws. */

/**
 * A checkpoint that cannot be written, read or applied: missing, truncated, corrupt, of
 * another format version, or saved from a different graph. The message names the file and
 * what was expected.
 */
export class CheckpointError extends Error {
  /** Always `'CheckpointError'`: what stack traces and `String(error)` show before the message. */
  override readonly name = 'CheckpointError';
  /** The checkpoint file concerned, when there is one. */
  readonly path: string | undefined;

  constructor(message: string, path?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}
