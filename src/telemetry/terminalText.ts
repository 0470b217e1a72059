/**
 * Text from outside the program (a JSONL file, a layer's name, an alarm message built by user
 * code) made safe to show on a terminal. A terminal obeys the control characters it is sent:
 * ESC starts sequences that move the cursor, recolour, clear the screen or set the window
 * title (`\u001b]0;…\u0007`), BEL rings, a carriage return writes over what was shown, and
 * bidirectional overrides make text read in another order than it runs. Each such character
 * is shown instead as its escape, `\u001b`, visible and harmless.
 *
 * The program's own control characters (the console sink's `\r` and erase-line, the newline
 * ending each line) are added after escaping, so they still work.
 */

/**
 * Characters escaped: the C0 controls (U+0000–U+001F) and DEL, the C1 controls
 * (U+0080–U+009F, of which U+009B starts an escape sequence on some terminals and U+0085 is a
 * line break), the line and paragraph separators U+2028 and U+2029, and the bidirectional
 * embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
 */
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The same minus newline and tab: what text of several lines keeps. */
const controlCharactersButLines = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escapeOf = (character: string): string => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * `text` with every control character shown as its `\uXXXX` escape, newline and tab included:
 * for a value inside one line (a name, a message, an excerpt of a file).
 *
 * @example terminalSafe('title\u001b]0;pwned\u0007') === 'title\\u001b]0;pwned\\u0007'
 */
export function terminalSafe(text: string): string {
  return text.replace(controlCharacters, escapeOf);
}

/**
 * `text` with every control character escaped except newline and tab: for text that may
 * rightly span lines (an error's message and stack). A carriage return is escaped too, so a
 * line cannot be written over.
 */
export function terminalSafeLines(text: string): string {
  return text.replace(controlCharactersButLines, escapeOf);
}

/**
 * A value from a file as a message quotes it: as JSON (a number as itself, `undefined` as
 * `nothing`), cut after `longest` characters (default 40) with an ellipsis, control
 * characters escaped. Bounded, so a field of megabytes makes a message of one line.
 */
export function excerpt(value: unknown, longest = 40): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  return terminalSafe(text.length > longest ? `${text.slice(0, longest)}…` : text);
}
