import { describe, expect, it } from 'vitest';
import '../../src/vitest/index.ts';
import { tensor } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { mse } from '../../src/layers/mse.ts';
import { swish } from './fixtures/swish.ts';
import { swish as swishWithMistake } from './fixtures/swishWithMistake.ts';
import { propertyRuns } from '../setup/propertyRuns.ts';

const runs = propertyRuns(20);

/** The message of the assertion error `assertion` throws. */
function failureOf(assertion: () => void): string {
  try {
    assertion();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the assertion to fail, and it passed');
}

describe('toHaveCorrectGradients', () => {
  it('passes a correct custom layer and a built-in one', () => {
    expect(() => swish({ beta: 2 })).toHaveCorrectGradients({ features: [4], numRuns: runs });
    expect(() => dense(3, 4, { seed: 1 })).toHaveCorrectGradients({ features: [3], numRuns: runs, seed: 5 });
  });

  it('fails a dx missing a factor, stating the gradient, the entry, the seed and the path once, then a test to paste', () => {
    const message = failureOf(() => expect(() => swishWithMistake({ beta: 2 })).toHaveCorrectGradients({ features: [4], seed: 42 }));
    const [header] = message.split('\n');
    expect(header).toMatch(/^swish: FAILED after 1 run, shrunk \d+ times \(seed 42, path "[\d:]+"\)$/);
    const path = /path "([\d:]+)"/.exec(header!)![1]!;
    expect(message.split(path)).toHaveLength(2);
    expect(message.match(/\b42\b/g)).toHaveLength(1);
    // The gradient (x) and its entry, with analytic, numeric and tolerance, on one line, once.
    const findings = message.split('\n').filter((line) => /^\s+swish\.x\[\d+, \d+\]: analytic \S+, numeric \S+ \(rel\. error \S+, tolerance \S+\)/.test(line));
    expect(findings).toHaveLength(1);
    const entry = /swish\.x\[\d+, \d+\]/.exec(findings[0]!)![0];
    expect(message.split(entry)).toHaveLength(2);
    expect(message).toContain('✗ gradient: 1 of 4 coordinates disagree with finite differences\n');
    expect(message).toContain('the smallest failing case, as a test:');
    expect(message).toContain("import { expect, test } from 'vitest';\nimport { tensor, checkGradients, formatReport } from 'gradstream';\n");
    expect(message).toContain("import { swish } from './your-layer'; // ← replace './your-layer' with the module that exports swish\n");
    expect(message).toContain("test('swish: the smallest failing case', () => {\n  const layer = swish({ beta: 2 });\n");
    expect(message).toContain('  const report = checkGradients(layer, x, { dy });\n  expect(report.ok, formatReport(report)).toBe(true);\n});');
  });

  it('calls a named factory by its name', () => {
    const bent = () => swishWithMistake({ beta: 3 });
    const message = failureOf(() => expect(bent).toHaveCorrectGradients({ features: [2], seed: 1 }));
    expect(message).toContain('  const layer = bent();\n');
    expect(message).toContain("import { bent } from './your-layer';");
  });

  it('writes a marked placeholder when the factory is no plain call', () => {
    const beta = 2;
    const message = failureOf(() => expect(() => swishWithMistake({ beta })).toHaveCorrectGradients({ features: [2], seed: 1 }));
    expect(message).toContain("import { makeLayer } from './your-layer'; // ← replace makeLayer with your factory, and './your-layer' with its module\n");
    expect(message).toContain('  const layer = makeLayer(); // ← your layer factory, called as in your test\n');
  });

  it('replays a failure from the seed and path it printed', () => {
    const message = failureOf(() => expect(() => swishWithMistake({ beta: 2 })).toHaveCorrectGradients({ features: [3] }));
    const [, seed, path] = /\(seed (-?\d+), path "([\d:]+)"\)/.exec(message)!;
    const replayed = failureOf(() => expect(() => swishWithMistake({ beta: 2 })).toHaveCorrectGradients({ features: [3], seed: Number(seed), path: path! }));
    expect(replayed).toMatch(new RegExp(`^swish: FAILED after 1 run, shrunk 0 times \\(seed ${seed}, path "${path}"\\)`));
    expect(replayed.slice(replayed.indexOf('\n'))).toBe(message.slice(message.indexOf('\n')));
  });

  it('under .not, passes for a wrong layer and fails in one line for a correct one', () => {
    expect(() => swishWithMistake({ beta: 2 })).not.toHaveCorrectGradients({ features: [3], seed: 3 });
    const message = failureOf(() => expect(() => swish({ beta: 2 })).not.toHaveCorrectGradients({ features: [3], numRuns: 5, seed: 3 }));
    expect(message).toBe('expected swish not to have correct gradients, but all 5 drawn cases passed (seed 3)');
  });

  it('works as an asymmetric matcher inside another value', () => {
    expect({ make: () => swish() }).toEqual({ make: expect.toHaveCorrectGradients({ features: [2], numRuns: 5 }) });
    expect({ make: () => swishWithMistake({ beta: 2 }) }).toEqual({ make: expect.not.toHaveCorrectGradients({ features: [2], seed: 1 }) });
  });

  it('rejects what is not a layer factory, saying what it got and what it expects', () => {
    // @ts-expect-error features is required
    expect(() => expect(() => swish()).toHaveCorrectGradients({})).toThrow('toHaveCorrectGradients: options.features must be the input shape without the batch axis, an array of positive integers such as [6]; got undefined');
    // @ts-expect-error options are required
    expect(() => expect(() => swish()).toHaveCorrectGradients()).toThrow('toHaveCorrectGradients: expected options with features, the input shape without the batch axis, e.g. { features: [6] }; got undefined');
    expect(() => expect(swish()).toHaveCorrectGradients({ features: [3] })).toThrow(
      'toHaveCorrectGradients: expected a function that makes the layer, e.g. expect(() => swish()), got an object (Object); to check a layer you already built at one input, use toHaveCorrectGradientsAt(x)',
    );
    expect(() => expect(42).toHaveCorrectGradients({ features: [3] })).toThrow('toHaveCorrectGradients: expected a function that makes the layer, e.g. expect(() => swish()), got 42');
    expect(() => expect(() => mse()).toHaveCorrectGradients({ features: [3] })).toThrow(
      'toHaveCorrectGradients: the factory returned an object (Object); expected a Layer (name, params, forward); for a loss, use toHaveCorrectLossGradients',
    );
    expect(() => expect(() => swish()).toHaveCorrectGradients({ features: [0] })).toThrow('got an array of length 1');
    // A wrong argument is a mistake in the test, not a verdict: it throws under .not too.
    expect(() => expect(42).not.toHaveCorrectGradients({ features: [3] })).toThrow('toHaveCorrectGradients: expected a function that makes the layer');
  });
});

describe('toHaveCorrectGradientsAt', () => {
  const x = tensor([[0, -2, 1.5]]);
  const dy = tensor([[1, 0.5, -1]]);

  it('passes a correct layer at one input, with a given or a drawn dy', () => {
    expect(swish({ beta: 2 })).toHaveCorrectGradientsAt(x, { dy });
    expect(swish({ beta: 2 })).toHaveCorrectGradientsAt(x);
    expect(dense(3, 2, { seed: 1 })).toHaveCorrectGradientsAt(x, { mode: 'fast', seed: 4 });
  });

  it('fails a wrong layer, naming the gradient and the entries once', () => {
    const message = failureOf(() => expect(swishWithMistake({ beta: 2 })).toHaveCorrectGradientsAt(x, { dy }));
    const lines = message.split('\n');
    expect(lines[0]).toBe('swish: FAILED at the given input');
    expect(lines[1]).toBe('  full mode, input [1, 3]: 3 coordinates compared, 0 kinks');
    expect(lines[2]).toBe('  ✗ gradient: 2 of 3 coordinates disagree with finite differences');
    expect(lines.slice(3).map((line) => /^ {6}swish\.x\[0, (\d)\]: analytic/.exec(line)?.[1])).toEqual(['1', '2']);
    expect(failureOf(() => expect(swishWithMistake({ beta: 2 })).toHaveCorrectGradientsAt(x, { seed: 9 }))).toMatch(/^swish: FAILED at the given input \(seed 9\)\n/);
  });

  it('under .not, fails in one line for a correct layer', () => {
    expect(swishWithMistake({ beta: 2 })).not.toHaveCorrectGradientsAt(x, { dy });
    expect(failureOf(() => expect(swish()).not.toHaveCorrectGradientsAt(x, { dy }))).toBe('expected swish not to have correct gradients at an input of shape [1, 3], but every check passed');
  });

  it('rejects a factory, a non-layer and a non-tensor input', () => {
    expect(() => expect(swish).toHaveCorrectGradientsAt(x)).toThrow(
      'toHaveCorrectGradientsAt: expected a Layer (name, params, forward), got a function (swish); call the factory first, expect(swish()), or draw cases with toHaveCorrectGradients',
    );
    expect(() => expect(mse()).toHaveCorrectGradientsAt(x)).toThrow('toHaveCorrectGradientsAt: expected a Layer (name, params, forward), got an object (Object)');
    // @ts-expect-error x must be a Tensor
    expect(() => expect(swish()).toHaveCorrectGradientsAt([[0, 1, 2]])).toThrow('toHaveCorrectGradientsAt: x must be a Tensor, e.g. tensor([[0, -2, 3]]), got an array of length 1');
  });
});
