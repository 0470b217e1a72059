/**
 * Properties of every registered layer and loss that do not depend on which one it is: the
 * checks beside the gradient (inputs unchanged, gradient shapes and keys, finite values,
 * determinism, linearity in dy, zero gradients for a zero dy) and the gradient in fast mode;
 * shape inference that agrees with forward; and a property file of its own for each.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatVerifyResult } from '../src/check/property/runProperty.ts';
import { verifyLayer } from '../src/check/property/verifyLayer.ts';
import { verifyLoss } from '../src/check/property/verifyLoss.ts';
import { builtinLayers, builtinLosses } from '../src/layers/registry.ts';
import { zeros } from '../src/tensor/tensor.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(20);

describe.each(builtinLayers.map((entry) => [entry.name, entry] as const))('%s', (name, entry) => {
  it('passes every check beside the gradient, and the adjoint test', () => {
    const result = verifyLayer(entry.make, { features: entry.features, numRuns, mode: 'fast', makeSource: `findLayer(${JSON.stringify(name)})!.make()` });
    expect(result.ok, formatVerifyResult(result)).toBe(true);
  });

  it('infers the output shape that forward produces, for every batch size', () => {
    const layer = entry.make();
    if (!layer.outputShape) return;
    const features = layer.outputShape(entry.features);
    for (const batch of [1, 2, 5]) expect(layer.forward(zeros([batch, ...entry.features])).y.shape).toEqual([batch, ...features]);
  });

  it('has a property file named after its factory', () => {
    const file = fileURLToPath(new URL(`./${entry.factory.name}.test.ts`, import.meta.url));
    expect(existsSync(file), `properties/${entry.factory.name}.test.ts`).toBe(true);
  });
});

describe.each(builtinLosses.map((entry) => [entry.name, entry] as const))('loss %s', (name, entry) => {
  it('passes every check beside the gradient, and the adjoint test', () => {
    const result = verifyLoss(entry, { numRuns, mode: 'fast', makeSource: `findLoss(${JSON.stringify(name)})!.make()` });
    expect(result.ok, formatVerifyResult(result)).toBe(true);
  });

  it('has a property file named after its factory', () => {
    expect(existsSync(fileURLToPath(new URL(`./${entry.factory.name}.test.ts`, import.meta.url))), `properties/${entry.factory.name}.test.ts`).toBe(true);
  });
});
