import { describe, expect, it } from 'vitest';
import { dense } from '../../src/layers/dense.ts';
import { relu } from '../../src/layers/relu.ts';
import { findLoss } from '../../src/layers/registry.ts';
import { verifyLayer } from '../../src/check/property/verifyLayer.ts';
import { verifyLoss } from '../../src/check/property/verifyLoss.ts';
import { expectLayerGradients, expectLossGradients, GradientCheckError } from '../../src/check/property/expectGradients.ts';
import { biasFromFirstRow, offByRelative1e5 } from './mutants.ts';
import { swish } from './fixtures/swish.ts';
import { propertyRuns } from '../setup/propertyRuns.ts';

const runs = propertyRuns(20);

describe('verifyLayer', () => {
  it('passes correct layers and reports what it ran', () => {
    const result = verifyLayer(() => dense(3, 4, { seed: 1 }), { features: [3], numRuns: runs, seed: 7 });
    expect(result.ok).toBe(true);
    expect(result.numRuns).toBe(runs);
    expect(result.seed).toBe(7);
    expect(result.stats.evaluations.forward).toBeGreaterThan(runs * 4);
    expect(result.counterexample).toBeUndefined();
  });

  it('draws one batch size or a range', () => {
    // The first-row bias bug is invisible at a batch of one and shows at any other size.
    expect(verifyLayer(biasFromFirstRow.make, { features: [3], numRuns: runs, seed: 1, batchSize: 1 }).ok).toBe(true);
    expect(verifyLayer(biasFromFirstRow.make, { features: [3], seed: 1, batchSize: 3 }).counterexample!.batch).toBe(3);
    expect(() => verifyLayer(() => dense(3, 2), { features: [3], batchSize: { min: 4, max: 2 } })).toThrow('batchSize: expected integers 1 ≤ min ≤ max, got { min: 4, max: 2 }');
  });

  it('draws exact kinks: ReLU meets 0 and passes', () => {
    const result = verifyLayer(relu, { features: [5], numRuns: 50, seed: 3 });
    expect(result.ok).toBe(true);
    expect(result.stats.kinks).toBeGreaterThan(0);
  });

  it('shrinks a bias gradient taken from the first row to a batch of two', () => {
    const result = verifyLayer(biasFromFirstRow.make, { features: [3], seed: 11 });
    expect(result.ok).toBe(false);
    expect(result.counterexample!.batch).toBe(2);
    expect(result.report!.worst!.tensor).toBe('b');
    const nonzero = [...result.counterexample!.x, ...Object.values(result.counterexample!.params).flat(), ...result.counterexample!.dy].filter((v) => v !== 0);
    expect(nonzero.length).toBeLessThanOrEqual(2);
  });

  it('replays a failure from its seed and path', () => {
    const first = verifyLayer(offByRelative1e5.make, { features: [3], seed: 5 });
    expect(first.ok).toBe(false);
    const replayed = verifyLayer(offByRelative1e5.make, { features: [3], seed: first.seed, path: first.path! });
    expect(replayed.numRuns).toBe(1);
    expect(replayed.counterexample).toEqual(first.counterexample);
  });

  it('writes the counterexample as a test to paste', () => {
    const result = verifyLayer(offByRelative1e5.make, { features: [3], seed: 5, makeSource: 'offByRelative1e5.make()' });
    expect(result.source).toMatch(/^import \{ expect, test \} from 'vitest';\nimport \{ tensor, checkGradients, formatReport \} from 'gradstream';\n/);
    expect(result.source).toContain("import { offByRelative1e5 } from './your-layer'; // ← replace './your-layer' with the module that exports offByRelative1e5\n");
    expect(result.source).toContain("test('offByRelative1e5: the smallest failing case', () => {\n");
    expect(result.source).toContain('const layer = offByRelative1e5.make();');
    expect(result.source).toMatch(/layer\.params\["W"\]!\.data\.set\(\[[-\d., ]+\]\);/);
    expect(result.source).toMatch(/const x = tensor\(\[\[[-\d., ]+\]\]\);/);
    expect(result.source).toContain('const report = checkGradients(layer, x, { dy });');
  });
});

describe('the one-line assertions', () => {
  it('pass silently for a correct custom layer and a built-in loss', () => {
    expect(expectLayerGradients(swish, { features: [5], numRuns: runs }).ok).toBe(true);
    expect(expectLossGradients(findLoss('softmaxCrossEntropy')!, { numRuns: runs }).ok).toBe(true);
  });

  it('throw with the report, the replay seed and the case as TypeScript', () => {
    let thrown: unknown;
    try {
      expectLayerGradients(offByRelative1e5.make, { features: [3], seed: 5 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GradientCheckError);
    const message = (thrown as Error).message;
    expect(message).toMatch(/^offByRelative1e5: FAILED after 1 run, shrunk \d+ times \(seed 5, path "[\d:]+"\)/);
    expect(message).toMatch(/\n  ✗ gradient: 1 of \d+ coordinates disagree with finite differences\n {6}offByRelative1e5\.\w+\[[\d, ]+\]: analytic .* \(rel\. error 1e-5,/);
    // A spec's `make` cannot say which spec holds it, nor be written back as one call: a marked placeholder.
    expect(message).toContain('const layer = makeLayer(); // ← your layer factory, called as in your test');
    expect(message).toContain('the smallest failing case, as a test:');
    expect((thrown as GradientCheckError).result.ok).toBe(false);
  });
});

describe('verifyLoss', () => {
  it('passes the built-in losses', () => {
    for (const name of ['mse', 'halfSquaredError', 'softmaxCrossEntropy']) {
      expect(verifyLoss(findLoss(name)!, { numRuns: runs, seed: 1 }).ok).toBe(true);
    }
  });
});
