import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { host, integer, InvalidValue, numberIn, oneOf, port, positiveInteger, type ValueType } from '../../src/cli/valueTypes.ts';
import { printable, printableMessage, quoted } from '../../src/cli/printable.ts';

/** The refusal message of `text`, or fails. */
function refusal<T>(type: ValueType<T>, text: string): string {
  try {
    type.parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidValue);
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(text)} was accepted`);
}

describe('integer', () => {
  it('reads decimal digits exactly, -0 as 0', () => {
    expect(positiveInteger.parse('1')).toBe(1);
    expect(positiveInteger.parse('007')).toBe(7);
    expect(integer().parse('-9007199254740991')).toBe(-9007199254740991);
    expect(Object.is(integer().parse('-0'), 0)).toBe(true);
  });

  it.each(['', ' 5', '5 ', '+5', '1e3', '0x10', '1.0', '1_000', 'Infinity', 'NaN', '٣', '-'])('refuses %j', (text) => {
    expect(refusal(integer(), text)).toBe(`expects an integer, got ${quoted(text)}`);
  });

  it('refuses an integer float64 cannot hold exactly instead of rounding it', () => {
    expect(refusal(integer(), '9007199254740993')).toBe('expects an integer, got "9007199254740993" (beyond ±9007199254740991, where float64 stops holding every integer)');
    expect(refusal(integer({ min: 0 }), '9'.repeat(400))).toMatch(/^expects an integer ≥ 0, got "9{80}…" \(beyond/);
  });

  it('says its range', () => {
    expect(refusal(positiveInteger, '0')).toBe('expects an integer ≥ 1, got "0"');
    expect(refusal(integer({ min: -3, max: 3 }), '4')).toBe('expects an integer from -3 to 3, got "4"');
  });

  it('round-trips every safe integer in its range, and nothing outside it', () => {
    const type = integer({ min: -1000, max: 2 ** 40 });
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => {
      const inside = n >= -1000 && n <= 2 ** 40;
      if (inside) expect(type.parse(String(n))).toBe(n);
      else expect(() => type.parse(String(n))).toThrow(InvalidValue);
    }), { numRuns: 200 });
  });
});

describe('numberIn', () => {
  it('reads finite decimals in its range', () => {
    const rate = numberIn({ min: 0, max: 1 });
    expect(rate.parse('0.5')).toBe(0.5);
    expect(rate.parse('1e-3')).toBe(0.001);
    expect(rate.parse('.25')).toBe(0.25);
    for (const text of ['', '2', '-0.1', 'Infinity', '1e999', '0x1', '1/2', ' 0.5']) expect(refusal(rate, text)).toBe(`expects a number from 0 to 1, got ${quoted(text)}`);
    expect(refusal(numberIn(), 'NaN')).toBe('expects a number, got "NaN"');
  });
});

describe('oneOf, port, host', () => {
  it('oneOf names the words it takes', () => {
    expect(oneOf(['full', 'fast']).parse('fast')).toBe('fast');
    expect(refusal(oneOf(['full', 'fast']), 'FAST')).toBe('expects full or fast, got "FAST"');
    expect(refusal(oneOf(['a', 'b', 'c']), 'd')).toBe('expects one of a, b, c, got "d"');
  });

  it('port: 0 to 65535', () => {
    expect(port.parse('0')).toBe(0);
    expect(port.parse('65535')).toBe(65535);
    expect(refusal(port, '65536')).toBe('expects an integer from 0 to 65535, got "65536"');
    expect(refusal(port, '-1')).toBe('expects an integer from 0 to 65535, got "-1"');
  });

  it.each(['localhost', '127.0.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'example.com', 'example.com.', 'a-b.c-d.e', 'x'.repeat(63)])('host accepts %s', (name) => {
    expect(host.parse(name)).toBe(name);
  });

  it.each(['', ' ', 'bad host', 'http://localhost', 'localhost:8080', '[::1]', '-a.com', 'a-.com', 'a..b', '.', 'x'.repeat(64), `${'a.'.repeat(127)}ab`, 'ex_ample.com', '300.1.1.1', '1.2.3'])('host refuses %j', (name) => {
    expect(refusal(host, name)).toBe(`expects a host name or an IP address (such as localhost, 127.0.0.1 or ::1), got ${quoted(name)}`);
  });
});

describe('printable', () => {
  it('escapes control characters, keeps the rest', () => {
    expect(printable('a\u001b[31mb\u0000c\u007f\u009b\u202e\n\t')).toBe('a\\u001b[31mb\\u0000c\\u007f\\u009b\\u202e\\u000a\\u0009');
    expect(printableMessage('line 1\n\tline 2\u001b')).toBe('line 1\n\tline 2\\u001b');
    expect(printable('∂L/∂w — ok')).toBe('∂L/∂w — ok');
  });

  it('quoted: JSON quotes, escaped, cut after 80 characters', () => {
    expect(quoted('say "hi"\u001b')).toBe('"say \\"hi\\"\\u001b"');
    expect(quoted('x'.repeat(100))).toBe(`"${'x'.repeat(80)}…"`);
  });

  it('leaves no control character in anything', () => {
    const control = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
      expect(printable(text)).not.toMatch(control);
      expect(quoted(text)).not.toMatch(control);
      expect(printableMessage(text)).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    }), { numRuns: 300 });
  });
});
