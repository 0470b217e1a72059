/**
 * The one seeded random generator gradstream uses everywhere: weight initialisation,
 * shuffles, dropout masks, verifier probes.
 *
 * xoshiro128** (Blackman and Vigna) on four 32-bit words, seeded through splitmix32.
 * Only 32-bit integer arithmetic is used (`Math.imul`, shifts), so a seed gives the
 * same numbers on every machine and every JavaScript engine.
 */
import { describe } from './tensor.ts';

/** The serialisable state of a {@link Random}: four unsigned 32-bit words. */
export type RandomState = readonly [number, number, number, number];

/** A seeded pseudo-random generator. Create one with {@link createRandom}. */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(state: RandomState) {
    [this.s0, this.s1, this.s2, this.s3] = state;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  between(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Standard normal (Box–Muller; one value per call, no cached spare, so the state stays four words). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new RangeError(`Random.int: expected an integer in [1, 2^32], got ${describe(n)}`);
    // Rejection sampling removes the modulo bias.
    const limit = 2 ** 32 - (2 ** 32 % n);
    let r = this.nextUint32();
    while (r >= limit) r = this.nextUint32();
    return r % n;
  }

  /** Fisher–Yates shuffle of a copy of `items`. */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i]!;
      out[i] = out[j]!;
      out[j] = tmp;
    }
    return out;
  }

  /** Fills a new Float64Array with uniform values in [low, high). */
  uniformArray(length: number, low = 0, high = 1): Float64Array {
    const out = new Float64Array(length);
    for (let i = 0; i < length; i++) out[i] = low + (high - low) * this.uniform();
    return out;
  }

  /** Fills a new Float64Array with normal values of the given mean and standard deviation. */
  normalArray(length: number, mean = 0, std = 1): Float64Array {
    const out = new Float64Array(length);
    for (let i = 0; i < length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** An independent generator derived from this one (advances this one by four draws). */
  fork(): Random {
    return new Random([this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32()]);
  }

  /** The current state, to save in a checkpoint. */
  state(): RandomState {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }
}

/**
 * A generator for a seed. Seeds are integers (any safe integer; its low 53 bits matter)
 * or strings; the same seed gives the same sequence everywhere.
 */
export function createRandom(seed: number | string = 0): Random {
  if (typeof seed !== 'number' && typeof seed !== 'string') throw new TypeError(`createRandom: the seed must be a safe integer or a string, got ${describe(seed)}`);
  if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
    throw new RangeError(`createRandom: the seed must be a safe integer or a string, got ${describe(seed)}`);
  }
  let x = typeof seed === 'number' ? hashNumber(seed) : hashString(seed);
  const next = (): number => {
    // splitmix32
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  return new Random([next(), next(), next(), next()]);
}

/** A generator restored from a saved state. */
export function restoreRandom(state: RandomState): Random {
  if (!Array.isArray(state) || state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
    const words = Array.isArray(state) ? `[${state.map((w) => describe(w)).join(', ')}]` : describe(state);
    throw new RangeError(`restoreRandom: expected four unsigned 32-bit integers, got ${words}`);
  }
  return new Random(state);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function hashNumber(seed: number): number {
  const low = seed % 2 ** 32 >>> 0;
  const high = Math.floor(seed / 2 ** 32) >>> 0;
  return (Math.imul(low ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(high + 0x165667b1, 0x9e3779b1)) | 0;
}

function hashString(seed: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return h | 0;
}
