/**
 * What verifyLayer says when it is given something other than a function that makes a layer:
 * a built layer (as one passes a torch module) is told what to pass instead.
 */
import { describe, expect, it } from 'vitest';
import { dense, expectLayerGradients, verifyLayer, type Layer } from '../../src/index.ts';

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
