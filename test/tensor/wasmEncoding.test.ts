import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { signedLeb128, unsignedLeb128 } from '../../src/tensor/wasm/encoding.ts';
import { op } from '../../src/tensor/wasm/instructions.ts';
import { propertyRuns } from '../setup/propertyRuns.ts';

const runs = propertyRuns(100);

/** Reads LEB128 back: seven bits per byte, low first; sign-extends when `signed`. */
function decode(bytes: readonly number[], signed: boolean): number {
  let value = 0;
  let scale = 1;
  for (const byte of bytes) {
    value += (byte & 0x7f) * scale;
    scale *= 128;
  }
  const last = bytes[bytes.length - 1]!;
  if (signed && (last & 0x40) !== 0) value -= scale;
  return value;
}

describe('LEB128', () => {
  it('encodes the textbook examples', () => {
    expect(unsignedLeb128(0)).toEqual([0x00]);
    expect(unsignedLeb128(127)).toEqual([0x7f]);
    expect(unsignedLeb128(128)).toEqual([0x80, 0x01]);
    expect(unsignedLeb128(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(signedLeb128(-1)).toEqual([0x7f]);
    expect(signedLeb128(63)).toEqual([0x3f]);
    expect(signedLeb128(64)).toEqual([0xc0, 0x00]);
    expect(signedLeb128(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it('round-trips every 32-bit value, with the high bit set on all bytes but the last', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (u, s) => {
        for (const [bytes, value, signed] of [[unsignedLeb128(u), u, false], [signedLeb128(s), s, true]] as const) {
          expect(decode(bytes, signed)).toBe(value);
          expect(bytes.slice(0, -1).every((b) => b >= 0x80)).toBe(true);
          expect(bytes[bytes.length - 1]!).toBeLessThan(0x80);
        }
      }),
      { numRuns: runs },
    );
  });

  it('refuses values it cannot represent, naming them', () => {
    expect(() => unsignedLeb128(-1)).toThrow('unsignedLeb128: expected an integer in [0, 2^32), got -1');
    expect(() => signedLeb128(2 ** 31)).toThrow(/32-bit signed integer, got 2147483648/);
  });
});

describe('SIMD instructions', () => {
  it('carry the 0xfd prefix and their opcode as LEB128 (two bytes from 0x80)', () => {
    expect(op.f64x2Add).toEqual([0xfd, 0xf0, 0x01]);
    expect(op.f64x2Mul).toEqual([0xfd, 0xf2, 0x01]);
    expect(op.v128Load(16)).toEqual([0xfd, 0x00, 0x03, 0x10]);
    expect(op.v128Load64Splat()).toEqual([0xfd, 0x0a, 0x03, 0x00]);
  });
});
