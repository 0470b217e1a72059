import { describe, expect, it } from 'vitest';
import { from } from 'rxjs';
import { tensor } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { tanh } from '../../src/layers/tanh.ts';
import { mse } from '../../src/layers/mse.ts';
import { softmaxCrossEntropy } from '../../src/layers/softmaxCrossEntropy.ts';
import { sequential } from '../../src/graph/builder.ts';
import { evaluate, predict } from '../../src/graph/evaluate.ts';
import { train } from '../../src/graph/trainer.ts';
import { sgd } from '../../src/optim/sgd.ts';
import type { ForwardContext } from '../../src/layers/contract.ts';
import { classificationBatches, faultyLayer, regressionBatches } from './helpers.ts';

const mlp = () => sequential([dense(3, 4, { seed: 2 }), tanh(), dense(4, 3, { seed: 3 })], { inputFeatures: [3] });

describe('predict', () => {
  it('returns the output in evaluation mode and keeps nothing', () => {
    const contexts: ForwardContext[] = [];
    const probe = { ...faultyLayer({}), forward: (x: never, context: ForwardContext) => { contexts.push(context); return faultyLayer({}).forward(x, context); } };
    const net = sequential([dense(3, 4, { seed: 2 }), probe], { inputFeatures: [3] });
    const x = tensor([[1, 2, 3], [0, 0, 1]]);
    const y = predict(net, x);
    expect(y.shape).toEqual([2, 4]);
    expect(Array.from(y.data)).toEqual(Array.from(net.layers[0]!.forward(x).y.data));
    expect(contexts).toEqual([{ training: false, step: 0 }]);
  });

  it('refuses input that does not fit, and reports a failing layer', () => {
    expect(() => predict(mlp(), tensor([[1, 2]]))).toThrow('predict: x has shape [1, 2]; the graph expects [batch, 3]');
    expect(() => predict(mlp(), tensor([[1, NaN, 2]]))).toThrow('predict: x holds NaN at [0, 1]; expected finite numbers');
    const broken = sequential([faultyLayer({ forward: () => { throw new Error('nope'); } })], { inputFeatures: [3] });
    expect(() => predict(broken, tensor([[1, 2, 3]]))).toThrow('faulty_1 (faulty), forward at step 0: the layer threw: nope');
  });
});

describe('evaluate', () => {
  it('gives the loss of all the samples together, whatever the batching', async () => {
    const net = mlp();
    const batches = regressionBatches(3, 4, 3, 3);
    const whole = { x: tensor(new Float64Array(batches.flatMap((b) => Array.from(b.x.data))), [12, 3]), target: tensor(new Float64Array(batches.flatMap((b) => Array.from(b.target.data))), [12, 3]) };
    const [byBatch, together] = await Promise.all([evaluate(net, from(batches), { loss: mse() }), evaluate(net, [whole], { loss: mse() })]);
    expect(byBatch).toMatchObject({ samples: 12, batches: 3 });
    expect(byBatch.loss).toBeCloseTo(together.loss, 14);
    expect(byBatch.accuracy).toBeUndefined();
  });

  it('reports accuracy for one-hot and class-index targets', async () => {
    const net = mlp();
    const [batch] = classificationBatches(1, 6, 3, 3);
    const predicted = predict(net, batch!.x);
    const labels = Array.from({ length: 6 }, (_, r) => [0, 1, 2].reduce((best, c) => (predicted.data[r * 3 + c]! > predicted.data[r * 3 + best]! ? c : best), 0));
    const indices = tensor(labels.map((l, r) => (r < 4 ? l : (l + 1) % 3)), [6]);
    expect(await evaluate(net, [{ x: batch!.x, target: indices }], { loss: softmaxCrossEntropy() })).toMatchObject({ accuracy: 4 / 6 });
    const oneHot = await evaluate(net, [batch!], { loss: softmaxCrossEntropy() });
    const truth = Array.from({ length: 6 }, (_, r) => batch!.target.data.slice(r * 3, r * 3 + 3).indexOf(1));
    expect(oneHot.accuracy).toBe(truth.filter((t, r) => t === labels[r]).length / 6);
    await expect(evaluate(net, [batch!], { loss: softmaxCrossEntropy(), accuracy: false })).resolves.not.toHaveProperty('accuracy');
  });

  it('runs between epochs of training as an evaluation event', async () => {
    const run = train(mlp(), classificationBatches(2, 4, 3, 3), { loss: softmaxCrossEntropy(), optimizer: sgd(0.1), epochs: 2, validation: classificationBatches(1, 8, 3, 3, 5) });
    const evaluations: unknown[] = [];
    run.telemetry$.subscribe((e) => e.type === 'evaluation' && evaluations.push(e));
    await run.result;
    expect(evaluations).toMatchObject([{ step: 2, epoch: 1, split: 'validation', accuracy: expect.any(Number) }, { step: 4, epoch: 2 }]);
  });
});
