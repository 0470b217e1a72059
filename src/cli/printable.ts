/**
 * Text from the command line or the file system, made safe to echo in a message: a value
 * holding ESC (`\u001b`) or another control character would otherwise reach the terminal raw
 * and could move the cursor, recolour or erase what the user reads, or hide part of the
 * message. Such characters are written as `\uXXXX` escapes instead.
 */
import type { TextOutput } from '../telemetry/textOutput.ts';

/**
 * Characters escaped: the C0 controls and DEL, the C1 controls (U+0080–U+009F, of which U+009B
 * starts an escape sequence on some terminals), the line and paragraph separators, and the
 * bidirectional overrides and isolates that can make text read in another order than it runs.
 */
const unsafe = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, minus newline and tab: what a multi-line message may keep. */
const unsafeInMessages = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escape = (character: string) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `text` with every control character escaped, newlines and tabs included: for a path or a name in a message. */
export function printable(text: string): string {
  return text.replace(unsafe, escape);
}

/** A message that may span lines: every control character escaped except newline and tab. */
export function printableMessage(text: string): string {
  return text.replace(unsafeInMessages, escape);
}

/** Longest value echoed in full; a longer one is cut with an ellipsis (its length is no help to the reader). */
const longestEchoed = 80;

/**
 * A value the user typed, in double quotes, as the CLI's messages echo it (`got "abc"`):
 * control characters escaped, quotes and backslashes escaped as in JSON, and cut after 80
 * characters.
 */
export function quoted(value: string): string {
  const shown = value.length > longestEchoed ? `${value.slice(0, longestEchoed)}…` : value;
  return printable(JSON.stringify(shown));
}

/**
 * `output` with {@link printableMessage} applied to everything written: what main hands a
 * command as its stderr, where every message may echo a path or a value the user typed.
 * (Stdout is left alone: progress lines redraw themselves with escape sequences.)
 */
export function escapingControls(output: TextOutput): TextOutput {
  return {
    write: (text: string) => output.write(printableMessage(text)),
    ...(output.isTTY === undefined ? {} : { isTTY: output.isTTY }),
    ...(output.columns === undefined ? {} : { columns: output.columns }),
  };
}
