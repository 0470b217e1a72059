/**
 * gradstream's arbitraries with @fast-check/vitest's `test.prop`: fast-check draws the case,
 * the matchers check it at that one point, and a failure is shrunk and reported by
 * @fast-check/vitest with its seed, as any property of the suite.
 */
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import '../../src/vitest/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { mse } from '../../src/layers/mse.ts';
import { realTarget } from '../../src/layers/registry.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { layerCase, type LayerCase } from '../../src/check/arbitraries/layerCase.ts';
import { lossCase } from '../../src/check/arbitraries/lossCase.ts';
import { gradientValues } from '../../src/check/arbitraries/values.ts';
import { swish } from './fixtures/swish.ts';
import { swish as swishWithMistake } from './fixtures/swishWithMistake.ts';
import { propertyRuns } from '../setup/propertyRuns.ts';

const numRuns = propertyRuns(20);

/** dense(3, 2): 3 inputs and 2 outputs per sample, W of 6 numbers and b of 2. */
const denseShapes = { inputSize: 3, outputSize: 2, paramSizes: { W: 6, b: 2 } };

/** The drawn case as a layer with its drawn parameters, x and dy. */
function denseAt(drawn: LayerCase) {
  const layer = dense(3, 2);
  for (const [key, values] of Object.entries(drawn.params)) layer.params[key]!.data.set(values);
  return { layer, x: new Tensor(Float64Array.from(drawn.x), [drawn.batch, 3]), dy: new Tensor(Float64Array.from(drawn.dy), [drawn.batch, 2]) };
}

describe('gradstream arbitraries in test.prop', () => {
  test.prop([layerCase(denseShapes, { batchSize: { min: 1, max: 4 } })], { numRuns })('dense at drawn layer cases', (drawn) => {
    const { layer, x, dy } = denseAt(drawn);
    expect(layer).toHaveCorrectGradientsAt(x, { dy });
  });

  test.prop({ x: fc.array(gradientValues({ largeValues: [] }), { minLength: 4, maxLength: 4 }), beta: fc.constantFrom(0.5, 1, 2) }, { numRuns })(
    'swish at drawn values, exact kinks and ties among them',
    ({ x, beta }) => {
      expect(swish({ beta })).toHaveCorrectGradientsAt(new Tensor(Float64Array.from(x), [2, 2]));
    },
  );

  test.prop([lossCase(3, { batchSize: 2 })], { numRuns })('mse at drawn predictions and targets', (drawn) => {
    const prediction = new Tensor(Float64Array.from(drawn.prediction), [drawn.batch, 3]);
    const random = createRandom(drawn.targetSeed);
    expect(mse()).toHaveCorrectLossGradientsAt(prediction, realTarget(prediction.shape, () => random.uniform()));
  });
});

describe('the same property over a wrong layer', () => {
  test('fails, shrinks to the smallest input and keeps the matcher’s message', () => {
    // Run with fc.check, as test.prop runs it, so that the failure can be looked at instead of
    // failing this suite. The mistake (dx missing β) shows wherever x ≠ 0.
    const property = fc.property(fc.array(gradientValues(), { minLength: 2, maxLength: 2 }), (x) => {
      expect(swishWithMistake({ beta: 2 })).toHaveCorrectGradientsAt(new Tensor(Float64Array.from(x), [1, 2]), { dy: new Tensor(Float64Array.of(1, 1), [1, 2]) });
    });
    const details = fc.check(property, { seed: 7 });
    expect(details.failed).toBe(true);
    expect(details.seed).toBe(7);
    // Shrunk to one nonzero input, the smallest the mistake shows at.
    expect(details.counterexample![0].filter((v) => v !== 0)).toHaveLength(1);
    expect(String(details.errorInstance)).toMatch(/swish: FAILED at the given input\n.*\n {2}✗ gradient: 1 of 2 coordinates disagree/);
  });
});
