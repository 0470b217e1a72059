/**
 * What the property verifiers say about arguments they cannot use: a built layer given to
 * verifyLayer (as one passes a torch module) is told what to pass instead, and a numRuns that
 * is no count of cases is refused up front, naming the function.
 */
import { describe, expect, it } from 'vitest';
import { dense, expectLayerGradients, mse, sgd, tensor, verifyLayer, verifyLoss, verifyOptimizer, type Layer } from '../../src/index.ts';

describe('verifyLayer given no factory', () => {
  it('a built layer: names it, and says to pass a function that makes one, or to use checkGradients at one input', () => {
    const built = dense(3, 2, { name: 'hidden' });
    expect(() => verifyLayer(built as unknown as () => Layer, { features: [3] })).toThrow(
      'verifyLayer: expected a function that makes the layer, got the built layer "hidden"; each case needs a fresh layer: pass () => dense(…), or check this one at one input with checkGradients(layer, x)',
    );
  });

  it('through expectLayerGradients too', () => {
    expect(() => expectLayerGradients(dense(3, 2) as unknown as () => Layer, { features: [3] })).toThrow('got the built layer "dense"; each case needs a fresh layer: pass () => dense(…)');
  });

  it('anything else: what it got, without the hint', () => {
    expect(() => verifyLayer(42 as unknown as () => Layer, { features: [3] })).toThrow(/^verifyLayer: expected a function that makes the layer, got 42$/);
  });
});

describe('numRuns that is not a count of cases', () => {
  it('is refused before any layer is built, naming the function', () => {
    let built = 0;
    const make = () => (built++, dense(3, 2));
    expect(() => verifyLayer(make, { features: [3], numRuns: 0 })).toThrow('verifyLayer: numRuns must be an integer ≥ 1, got 0');
    expect(() => verifyLayer(make, { features: [3], numRuns: 2.5 })).toThrow('verifyLayer: numRuns must be an integer ≥ 1, got 2.5');
    expect(built).toBe(0);
  });

  it('by verifyLoss and verifyOptimizer too', () => {
    expect(() => verifyLoss({ name: 'mse', make: () => mse(), features: [2], target: () => tensor([[0, 0]]) }, { numRuns: -1 })).toThrow('verifyLoss: numRuns must be an integer ≥ 1, got -1');
    expect(() => verifyOptimizer((lr) => sgd(lr), { numRuns: 0 })).toThrow('verifyOptimizer: numRuns must be an integer ≥ 1, got 0');
  });
});
