/**
 * Every new layer against PyTorch 1.13 in float64: the same parameters, input and dy give
 * the same output, gradients and running statistics, to 1e-10 relative. The values come
 * from scripts/reference/torch_reference.py (see test/fixtures/torch-layers.json).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as layers from '../../src/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import type { ForwardContext, Layer } from '../../src/layers/contract.ts';

interface Encoded {
  readonly shape: number[];
  readonly data: number[];
}
interface ReferenceCase {
  readonly name: string;
  readonly layer: string;
  readonly args: unknown[];
  readonly context: ForwardContext;
  readonly x: Encoded;
  readonly params: Record<string, Encoded>;
  readonly dy: Encoded;
  readonly y: Encoded;
  readonly dx?: Encoded;
  readonly dParams: Record<string, Encoded>;
  readonly buffers?: Record<string, Encoded>;
  readonly buffersAfter?: Record<string, Encoded>;
}

const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/torch-layers.json', import.meta.url)), 'utf8'),
) as { source: string; cases: ReferenceCase[] };

const decode = (e: Encoded) => new Tensor(Float64Array.from(e.data), e.shape);

/**
 * Checks |actual − expected| ≤ 1e-10·max(|expected|, 1e-6·max|expected|) + 1e-14 entry by
 * entry. The absolute 1e-14 (inputs and parameters are of order 1) covers gradients that
 * are exactly zero in exact arithmetic and rounding noise in both libraries: attention's
 * key bias shifts every score of a row equally, which the softmax ignores, so dbk = 0.
 */
function expectClose(actual: Tensor, expected: Encoded, what: string): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const largest = Math.max(0, ...expected.data.map(Math.abs));
  expected.data.forEach((e, i) => {
    const error = Math.abs(actual.data[i]! - e);
    const bound = 1e-10 * Math.max(Math.abs(e), 1e-6 * largest) + 1e-14;
    if (!(error <= bound)) expect.fail(`${what}[${i}]: gradstream ${actual.data[i]}, PyTorch ${e} (error ${error.toExponential(2)})`);
  });
}

function build(c: ReferenceCase): Layer {
  const factory = (layers as unknown as Record<string, (...args: unknown[]) => Layer>)[c.layer]!;
  const layer = factory(...c.args);
  expect(Object.keys(layer.params).sort()).toEqual(Object.keys(c.params).sort());
  for (const [name, value] of Object.entries(c.params)) {
    expect(layer.params[name]!.shape, `${c.name}: shape of ${name}`).toEqual(value.shape);
    layer.params[name]!.data.set(value.data);
  }
  for (const [name, value] of Object.entries(c.buffers ?? {})) layer.buffers![name]!.data.set(value.data);
  return layer;
}

describe(`the layers with a PyTorch counterpart against ${fixture.source}`, () => {
  it('has a case for every layer with a PyTorch counterpart', () => {
    const covered = new Set(fixture.cases.map((c) => c.layer));
    for (const name of ['layerNorm', 'batchNorm', 'gelu', 'conv2d', 'maxPool2d', 'avgPool2d', 'flatten', 'selfAttention', 'embedding']) {
      expect(covered.has(name), name).toBe(true);
    }
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const layer = build(c);
    const pass = layer.forward(decode(c.x), c.context);
    expectClose(pass.y, c.y, `${c.name}: y`);
    const { dx, dParams } = pass.backward(decode(c.dy));
    if (c.dx) expectClose(dx, c.dx, `${c.name}: dx`);
    for (const [name, expected] of Object.entries(c.dParams)) expectClose(dParams[name]!, expected, `${c.name}: d${name}`);
    for (const [name, expected] of Object.entries(c.buffersAfter ?? {})) expectClose(layer.buffers![name]!, expected, `${c.name}: ${name}`);
  });
});
