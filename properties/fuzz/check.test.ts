import { it } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { relu } from '../../src/layers/relu.ts';
import { mse } from '../../src/layers/mse.ts';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { verifyLayer } from '../../src/check/property/verifyLayer.ts';
import { checkLossGradients } from '../../src/check/checkLossGradients.ts';
import { verifyLoss } from '../../src/check/property/verifyLoss.ts';
import { builtinLosses } from '../../src/layers/registry.ts';
import { attempt, junk, tensors } from './documented.ts';
import { propertyRuns } from '../../test/setup/propertyRuns.ts';

const numRuns = propertyRuns(30);
const checkOptions = fc.oneof(junk, fc.record({ mode: junk, dy: fc.oneof(junk, tensors()), seed: junk, context: junk, probes: junk, maxMismatches: junk }, { requiredKeys: [] }));

it('checkGradients and checkLossGradients: malformed layers, inputs and options give documented errors', () => {
  fc.assert(fc.property(fc.oneof(tensors({ shape: fc.constant([2, 3]) }), tensors(), junk), checkOptions, junk, (x, options, layer) => {
    attempt('checkGradients', () => checkGradients(dense(3, 2, { seed: 1 }), x as Tensor, options as never));
    attempt('checkGradients(junk layer)', () => checkGradients(layer as never, x as Tensor));
    attempt('checkLossGradients', () => checkLossGradients(mse(), x as Tensor, x as Tensor, options as never));
  }), { numRuns });
});

it('verifyLayer and verifyLoss: malformed options give documented errors', () => {
  const options = fc.oneof(junk, fc.record({ features: fc.oneof(fc.constant([3]), junk), numRuns: fc.oneof(fc.constant(2), junk), seed: junk, path: junk, mode: junk, context: junk, probes: junk }, { requiredKeys: [] }));
  fc.assert(fc.property(options, junk, (o, make) => {
    attempt('verifyLayer', () => verifyLayer(() => relu(), o as never));
    attempt('verifyLayer(junk make)', () => verifyLayer(make as never, { features: [3], numRuns: 2 }));
    attempt('verifyLoss', () => verifyLoss(builtinLosses[0]!, { ...(typeof o === 'object' ? o : {}), numRuns: 2 } as never));
    attempt('verifyLoss(junk spec)', () => verifyLoss(make as never, { numRuns: 2 }));
  }), { numRuns });
});
