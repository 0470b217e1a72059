/**
 * The types of command-line option values: each reads the text the user typed into a value,
 * or refuses it with an {@link InvalidValue} that says what was expected. The runner's own
 * options and the options scenarios declare are read through these, so that `--steps 0`,
 * `--seed 99999999999999999999` or `--port 99999` are usage errors naming the flag, the value
 * and the expectation, before anything runs.
 */
import { isIP } from 'node:net';
import { quoted } from './printable.ts';

/** How an option's value is read. */
export interface ValueType<T> {
  /** What the option expects, as help and errors say it: `an integer ≥ 1`. */
  readonly expected: string;
  /** The placeholder in usage lines: `N`, `FILE`. */
  readonly placeholder: string;
  /** Reads the typed text; throws {@link InvalidValue} when it is not a value of this type. */
  parse(text: string): T;
}

/**
 * A value refused by its type. The message completes `--name …`: `expects an integer ≥ 1, got
 * "0"`, or for a path `/x/y.jsonl: the directory /x does not exist`.
 */
export class InvalidValue extends Error {
  override readonly name = 'InvalidValue';
}

/** The refusal of a value that is not what `expected` says. */
export function expecting(expected: string, text: string, why = ''): InvalidValue {
  return new InvalidValue(`expects ${expected}, got ${quoted(text)}${why}`);
}

const largest = Number.MAX_SAFE_INTEGER;

/**
 * An integer in [min, max], written in decimal digits with an optional minus sign (`1e3`,
 * `0x10`, `1.0`, `''` and ` 5` are refused). Beyond ±(2^53 − 1) a float64 no longer holds
 * every integer, so such a value would be rounded: it is refused, not rounded. Defaults: min
 * and max ±(2^53 − 1).
 */
export function integer(range: { readonly min?: number; readonly max?: number } = {}): ValueType<number> {
  const min = range.min ?? -largest;
  const max = range.max ?? largest;
  const expected = min === -largest && max === largest ? 'an integer' : max === largest ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
  return {
    expected,
    placeholder: 'N',
    parse(text) {
      if (!/^-?\d+$/.test(text)) throw expecting(expected, text);
      const value = Number(text);
      if (!Number.isSafeInteger(value)) throw expecting(expected, text, ` (beyond ±${largest}, where float64 stops holding every integer)`);
      if (value < min || value > max) throw expecting(expected, text);
      return value === 0 ? 0 : value; // '-0' reads as 0
    },
  };
}

/** An integer ≥ 1 (a count of steps, epochs, runs). */
export const positiveInteger: ValueType<number> = integer({ min: 1 });

/**
 * A finite decimal number in [min, max] (`0.5`, `-2`, `1e-3`; not `Infinity`, `0x10` or `''`).
 * Default range: every finite number.
 */
export function numberIn(range: { readonly min?: number; readonly max?: number } = {}): ValueType<number> {
  const min = range.min ?? -Number.MAX_VALUE;
  const max = range.max ?? Number.MAX_VALUE;
  const expected = range.min === undefined && range.max === undefined ? 'a number' : `a number from ${min} to ${max}`;
  return {
    expected,
    placeholder: 'X',
    parse(text) {
      if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw expecting(expected, text);
      const value = Number(text);
      if (!Number.isFinite(value) || value < min || value > max) throw expecting(expected, text);
      return value;
    },
  };
}

/** One of a few words (`full` or `fast`). */
export function oneOf<const Word extends string>(words: readonly Word[]): ValueType<Word> {
  const expected = words.length <= 2 ? words.join(' or ') : `one of ${words.join(', ')}`;
  return {
    expected,
    placeholder: words.join('|'),
    parse(text) {
      if (!(words as readonly string[]).includes(text)) throw expecting(expected, text);
      return text as Word;
    },
  };
}

/**
 * Text for people (a run's name): not empty, at most 200 characters, no control characters
 * (it is shown in terminals and tables).
 */
export const label: ValueType<string> = {
  expected: 'a text of 1 to 200 characters without control characters',
  placeholder: 'TEXT',
  parse(text) {
    if (text.trim() === '' || [...text].length > 200 || /[\u0000-\u001f\u007f-\u009f]/.test(text)) throw expecting(label.expected, text);
    return text;
  },
};

/** A TCP port, 0–65535; 0 lets the system pick a free one. */
export const port: ValueType<number> = { ...integer({ min: 0, max: 65535 }), placeholder: 'PORT' };

const hostExpected = 'a host name or an IP address (such as localhost, 127.0.0.1 or ::1)';

/**
 * A host name (letters, digits and hyphens in dot-separated labels of at most 63 characters,
 * none starting or ending with a hyphen, 253 characters in all, RFC 1123; the last label not
 * all digits) or an IPv4 or IPv6 address literal (as `net.isIP` reads it; IPv6 without
 * brackets).
 */
export const host: ValueType<string> = {
  expected: hostExpected,
  placeholder: 'HOST',
  parse(text) {
    if (isIP(text) !== 0) return text;
    const name = text.endsWith('.') ? text.slice(0, -1) : text;
    const label = /^[a-z\d]([a-z\d-]{0,61}[a-z\d])?$/i;
    const labels = name.split('.');
    // An all-digit last label is a mistyped IPv4 address (`300.1.1.1`), never a name.
    if (name.length > 0 && name.length <= 253 && labels.every((part) => label.test(part)) && !/^\d+$/.test(labels.at(-1)!)) return text;
    throw expecting(hostExpected, text);
  },
};

/** Host names or addresses separated by commas (`a.lan,192.168.1.5`), each read by {@link host}. */
export const hostList: ValueType<string[]> = {
  expected: 'host names or IP addresses separated by commas (such as trainer.lan,192.168.1.5)',
  placeholder: 'HOST[,HOST…]',
  parse(text) {
    try {
      return text.split(',').map((part) => host.parse(part.trim()));
    } catch {
      throw expecting(this.expected, text);
    }
  },
};
