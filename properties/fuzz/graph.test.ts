import { it } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { relu } from '../../src/layers/relu.ts';
import { softmaxCrossEntropy } from '../../src/layers/softmaxCrossEntropy.ts';
import { graph, sequential } from '../../src/graph/builder.ts';
import { train } from '../../src/graph/trainer.ts';
import { evaluate, predict } from '../../src/graph/evaluate.ts';
import { sgd } from '../../src/optim/sgd.ts';
import type { Graph } from '../../src/graph/graph.ts';
import { attempt, attemptAsync, expectNoNaN, finiteTensor, junk, tensors } from './documented.ts';
import { propertyRuns } from '../../test/setup/propertyRuns.ts';

const numRuns = propertyRuns(40);
const net = (): Graph => sequential([dense(3, 4, { seed: 1 }), relu(), dense(4, 2, { seed: 2 })], { inputFeatures: [3] });

/** A batch that fits the net, or one a little (or very) wrong. */
const batches = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }).chain((rows) => fc.record({ x: tensors({ shape: fc.constant([rows, 3]) }), target: tensors({ shape: fc.constant([rows, 2]), finite: true }) })) },
  fc.record({ x: fc.oneof(tensors(), junk), target: fc.oneof(tensors(), junk) }),
  junk,
);
const sources = fc.oneof(fc.array(batches, { maxLength: 3 }), junk);
const trainOptions = fc.oneof(
  fc.record({ epochs: fc.oneof(fc.constant(1), junk), microbatches: fc.oneof(fc.constant(1), junk), guard: fc.oneof(fc.constant('stop'), junk), seed: fc.oneof(fc.constant(0), junk), maxSteps: junk, shuffle: junk }, { requiredKeys: [] }),
  junk,
);

it('graph building: malformed input features, layers, names and nodes give documented errors', () => {
  fc.assert(fc.property(junk, junk, junk, (features, layer, name) => {
    attempt('graph()', () => graph({ inputFeatures: features as number[] }));
    attempt('graph(junk)', () => graph(features as never));
    attempt('sequential', () => sequential(layer as never, { inputFeatures: [3] }));
    attempt('sequential([junk])', () => sequential([layer as never], { inputFeatures: [3] }));
    const builder = graph({ inputFeatures: [3] });
    const x = builder.input();
    attempt('node', () => builder.node(layer as never, x, { name: name as string }));
    attempt('node(junk input)', () => builder.node(dense(3, 2), name as never));
    attempt('add', () => builder.add(x, name as never));
    attempt('concat', () => builder.concat(x, x, layer as never));
    attempt('output', () => builder.output(name as never));
  }), { numRuns });
});

it('train, evaluate and predict: malformed data and options settle with a result or a documented error, never a silent NaN', async () => {
  await fc.assert(fc.asyncProperty(sources, trainOptions, fc.oneof(tensors(), junk), async (data, options, x) => {
    const model = net();
    const trainOpts = typeof options === 'object' && options !== null ? { loss: softmaxCrossEntropy(), optimizer: sgd(0.1), ...options } : options;
    const run = attempt('train', () => train(model, data as never, trainOpts as never));
    if (run) {
      let completed = false;
      run.telemetry$.subscribe({ complete: () => (completed = true) });
      const result = await attemptAsync('train result', () => run.result);
      if (!completed) throw new Error('the run settled but its telemetry did not complete');
      if (result && result.steps > 0) expectNoNaN(result.loss, 'train loss');
    }
    const evaluation = await attemptAsync('evaluate', () => evaluate(model, data as never, { loss: softmaxCrossEntropy() }));
    if (evaluation && Array.isArray(data) && data.every((b) => b?.x instanceof Tensor && finiteTensor(b.x))) expectNoNaN(evaluation.loss, 'evaluate');
    const y = attempt('predict', () => predict(model, x as Tensor));
    if (y && x instanceof Tensor && finiteTensor(x)) expectNoNaN(y, 'predict');
    await attemptAsync('evaluate(junk options)', () => evaluate(model, [], options as never));
  }), { numRuns });
}, 60_000);
