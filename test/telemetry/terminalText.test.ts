import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { excerpt, terminalSafe, terminalSafeLines } from '../../src/telemetry/terminalText.ts';

/** Characters a terminal acts on: C0, DEL, C1, the line separators and the bidirectional controls. */
const isControl = (code: number): boolean =>
  code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);

describe('terminalSafe', () => {
  it('shows an escape sequence that would set the title and clear the screen as visible text', () => {
    expect(terminalSafe('loss is NaN\u001b]0;pwned\u0007\u001b[2J')).toBe('loss is NaN\\u001b]0;pwned\\u0007\\u001b[2J');
    expect(terminalSafe('a\rb\nc\td')).toBe('a\\u000db\\u000ac\\u0009d');
    expect(terminalSafe('csi \u009b31m, nel \u0085, rlo \u202e, isolate \u2066')).toBe('csi \\u009b31m, nel \\u0085, rlo \\u202e, isolate \\u2066');
  });

  it('leaves printable text alone, non-ASCII included', () => {
    expect(terminalSafe('dense_1 → relu · ✗ ⚠ é 日本 😀')).toBe('dense_1 → relu · ✗ ⚠ é 日本 😀');
  });

  test.prop([fc.string({ unit: 'binary' })])('leaves no control character in any string, and changes nothing else', (text) => {
    const safe = terminalSafe(text);
    expect([...safe].some((character) => isControl(character.codePointAt(0)!))).toBe(false);
    // Undoing the escapes of characters that were controls gives the input back.
    expect(safe.replace(/\\u([0-9a-f]{4})/g, (escape, hex: string) => (isControl(Number.parseInt(hex, 16)) ? String.fromCharCode(Number.parseInt(hex, 16)) : escape))).toBe(text);
  });
});

describe('terminalSafeLines', () => {
  it('keeps newlines and tabs, and escapes every other control (carriage returns included)', () => {
    expect(terminalSafeLines('first\n\tsecond\r\u001b[1Athird')).toBe('first\n\tsecond\\u000d\\u001b[1Athird');
  });
});

describe('excerpt', () => {
  it('quotes a value as JSON, cut to a bound, with its controls escaped', () => {
    expect(excerpt('abc')).toBe('"abc"');
    expect(excerpt(-5)).toBe('-5');
    expect(excerpt(Number.NaN)).toBe('NaN');
    expect(excerpt(undefined)).toBe('nothing');
    expect(excerpt(null)).toBe('null');
    expect(excerpt({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(excerpt('x'.repeat(1000))).toBe(`"${'x'.repeat(39)}…`);
    expect(excerpt('\u009b2J')).toBe('"\\u009b2J"');
  });
});
