/**
 * Text from the command line or the file system, made safe to echo in a message: a value
 * holding ESC (`\u001b`) or another control character would otherwise reach the terminal raw
 * and could move the cursor, recolour or erase what the user reads, or hide part of the
 * message. Such characters are written as `\uXXXX` escapes instead (by `terminalText.ts`,
 * which the console sink and the telemetry reader use as well).
 */
import type { TextOutput } from '../telemetry/textOutput.ts';
import { terminalSafe, terminalSafeLines } from '../telemetry/terminalText.ts';

/** `text` with every control character escaped, newlines and tabs included: for a path or a name in a message. */
export function printable(text: string): string {
  return terminalSafe(text);
}

/** A message that may span lines: every control character escaped except newline and tab. */
export function printableMessage(text: string): string {
  return terminalSafeLines(text);
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
