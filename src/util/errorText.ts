/**
 * Thrown values as text, in gradstream's two formats, so that every part words a caught
 * error the same way. JavaScript may throw anything, so each takes `unknown`:
 *
 *     messageOf(new RangeError('lr must be > 0'))      'lr must be > 0'
 *     describeError(new RangeError('lr must be > 0'))  'RangeError: lr must be > 0'
 *     either of 'boom' (a thrown string)               'boom'
 *
 *     stackOf(new RangeError('lr must be > 0'))        'RangeError: lr must be > 0\n    at …'
 *
 * messageOf is for a sentence that already says what failed (the runtime's LayerError, a
 * sink's report); describeError keeps the error's class for reports that list failures of
 * any kind (the verifier's checks), where a TypeError and a ShapeError mean different bugs.
 */

/** The message of a thrown value: an Error's `message`, anything else as `String(value)`. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A thrown value with its class: `RangeError: message` for an Error, anything else as `String(value)`. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * A thrown value with where it was thrown: an Error's `stack` (which begins with its class and
 * message), or `describeError`'s text when it has none. For failures whose origin is someone
 * else's code (a module that failed to load, a worker that crashed), where the frames are the clue.
 */
export function stackOf(error: unknown): string {
  return error instanceof Error && typeof error.stack === 'string' ? error.stack : describeError(error);
}

/** A thrown value as an Error: an Error as it is, anything else wrapped as `new Error(String(value))`. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
