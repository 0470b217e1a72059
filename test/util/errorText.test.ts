import { describe, expect, it } from 'vitest';
import { asError, describeError, messageOf, stackOf } from '../../src/util/errorText.ts';

class ShapeMismatch extends Error {
  override readonly name = 'ShapeMismatch';
}

describe('error texts', () => {
  it('messageOf gives the message alone, describeError the class and the message', () => {
    expect(messageOf(new RangeError('lr must be > 0'))).toBe('lr must be > 0');
    expect(describeError(new RangeError('lr must be > 0'))).toBe('RangeError: lr must be > 0');
    expect(describeError(new ShapeMismatch('[2, 3] vs [3]'))).toBe('ShapeMismatch: [2, 3] vs [3]');
  });

  it('words a thrown value that is not an Error as String(value), in both formats', () => {
    for (const thrown of ['boom', 42, undefined, null, { toString: () => 'custom' }]) {
      expect(messageOf(thrown)).toBe(String(thrown));
      expect(describeError(thrown)).toBe(String(thrown));
    }
  });

  it('stackOf gives the stack of an Error (class, message, frames), the text of describeError when there is no stack', () => {
    const error = new RangeError('lr must be > 0');
    const text = stackOf(error);
    expect(text.startsWith('RangeError: lr must be > 0\n')).toBe(true);
    expect(text).toMatch(/\n\s+at /);
    const stackless = new ShapeMismatch('[2, 3] vs [3]');
    stackless.stack = undefined;
    expect(stackOf(stackless)).toBe('ShapeMismatch: [2, 3] vs [3]');
    expect(stackOf('boom')).toBe('boom');
  });

  it('asError keeps an Error as it is and wraps anything else', () => {
    const error = new TypeError('x');
    expect(asError(error)).toBe(error);
    const wrapped = asError('boom');
    expect(wrapped).toBeInstanceOf(Error);
    expect(wrapped.message).toBe('boom');
  });
});
