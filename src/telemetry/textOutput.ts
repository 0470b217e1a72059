/**
 * Where text goes: a terminal, a file stream, a test's collector. Structural, so that
 * `process.stdout`, any Node `Writable` and a plain object with `write` all fit, and so that the
 * published types need no `@types/node`.
 */
export interface TextOutput {
  /** Writes text as given; newlines are in the text. The result is ignored. */
  write(text: string): unknown;
  /** True for a terminal: progress redraws one line in place. */
  readonly isTTY?: boolean | undefined;
  /** The terminal's width in characters. */
  readonly columns?: number | undefined;
}
