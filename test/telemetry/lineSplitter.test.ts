import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { LineSplitter, type SplitLine } from '../../src/telemetry/lineSplitter.ts';

/** Splits `bytes` fed in chunks cut at `cuts`, and returns the lines and the splitter. */
function split(bytes: Uint8Array, cuts: readonly number[], maxLineBytes = 1 << 20): { lines: SplitLine[]; splitter: LineSplitter } {
  const lines: SplitLine[] = [];
  const splitter = new LineSplitter(maxLineBytes, (line) => { lines.push(line); });
  // One buffer reused for every chunk, as the reader does: the splitter must copy what it keeps.
  const reused = Buffer.alloc(bytes.length + 1);
  let from = 0;
  for (const cut of cuts.map((at) => Math.min(at, bytes.length)).sort((a, b) => a - b).concat(bytes.length)) {
    const length = cut - from;
    reused.set(bytes.subarray(from, cut));
    splitter.push(reused, length);
    reused.fill(0x78); // scribble over it before the next push
    from = cut;
  }
  splitter.end();
  return { lines, splitter };
}

const texts = (lines: readonly SplitLine[]): string[] => lines.map((line) => (line.kind === 'text' ? line.text : `<${line.bytes} bytes>`));

describe('LineSplitter', () => {
  test.prop([
    fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }).map((line) => line.replaceAll('\n', '')), { maxLength: 20 }),
    fc.boolean(),
    fc.array(fc.nat(), { maxLength: 10 }),
  ])('gives the lines of the text, however the bytes are cut (multi-byte characters included)', (lines, endsWithNewline, rawCuts) => {
    const text = lines.join('\n') + (endsWithNewline && lines.length > 0 ? '\n' : '');
    const bytes = Buffer.from(text, 'utf8');
    const cuts = rawCuts.map((cut) => (bytes.length === 0 ? 0 : cut % (bytes.length + 1)));
    const { lines: out } = split(bytes, cuts);
    // What a line is: the text between newlines; after the last newline, only a non-empty rest.
    const pieces = text.split('\n');
    const expected = pieces.at(-1) === '' ? pieces.slice(0, -1) : pieces;
    expect(texts(out)).toEqual(expected);
    expect(out.map((line) => line.number)).toEqual(expected.map((_, index) => index + 1));
    // Only a last line that the text does not end with a newline is unterminated.
    expect(out.filter((line) => !line.terminated).length).toBe(text === '' || text.endsWith('\n') ? 0 : 1);
  });

  it('holds at most maxLineBytes of an unfinished line, and measures a longer line without keeping it', () => {
    const long = 'y'.repeat(10_000);
    const bytes = Buffer.from(`short\n${long}\nafter\n${long}`);
    const { lines, splitter } = split(bytes, Array.from({ length: 40 }, (_, i) => i * 517), 1000);
    expect(texts(lines)).toEqual(['short', '<10000 bytes>', 'after', '<10000 bytes>']);
    expect(lines.map((line) => line.terminated)).toEqual([true, true, true, false]);
    expect(splitter.peakHeldBytes).toBeLessThanOrEqual(1000);
    expect(splitter.heldBytes).toBe(0);
  });

  it('holds no more for a file twice as long: what it keeps depends on the longest line, not on the line count', () => {
    const line = `${'{"type":"step","loss":0.5}'.padEnd(180, ' ')}\n`;
    const peaks = [5_000, 10_000].map((count) => split(Buffer.from(line.repeat(count)), Array.from({ length: 200 }, (_, i) => i * 4099)).splitter.peakHeldBytes);
    expect(peaks[0]).toBeGreaterThan(0);
    expect(peaks[0]).toBeLessThanOrEqual(line.length);
    expect(peaks[1]).toBe(peaks[0]);
  });

  it('stops when a handler answers stop, and hands out nothing more', () => {
    const seen: string[] = [];
    const splitter = new LineSplitter(100, (line) => {
      seen.push(line.kind === 'text' ? line.text : '');
      return seen.length === 2 ? 'stop' : undefined;
    });
    expect(splitter.push(Buffer.from('a\nb\nc\nd'))).toBe(false);
    expect(splitter.push(Buffer.from('\ne\n'))).toBe(false);
    splitter.end();
    expect(seen).toEqual(['a', 'b']);
    expect(splitter.isStopped).toBe(true);
  });

  it('refuses a bound that is not a positive integer, and a length beyond the chunk', () => {
    expect(() => new LineSplitter(0, () => undefined)).toThrow(/maxLineBytes must be an integer ≥ 1, got 0/);
    expect(() => new LineSplitter(10, () => undefined).push(Buffer.from('abc'), 4)).toThrow(/length must be an integer from 0 to the chunk's 3 bytes, got 4/);
  });
});
