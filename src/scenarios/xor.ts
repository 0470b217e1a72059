/**
 * XOR with the primer's layers: a 2-2-1 network of dense layers and sigmoids.
 *
 * What you will see: the four inputs and the network's answers before and after training,
 * and the loss curve of 2,000 steps of SGD with momentum from a seeded start. XOR is the
 * classic function no single layer can learn; two sigmoid units in a hidden layer can.
 */
import { tensor } from '../tensor/tensor.ts';
import { dense } from '../layers/dense.ts';
import { sigmoid } from '../layers/sigmoid.ts';
import { halfSquaredError } from '../layers/halfSquaredError.ts';
import { sequential } from '../graph/builder.ts';
import { predict } from '../graph/evaluate.ts';
import { sgd } from '../optim/sgd.ts';
import { formatTable } from '../primer/table.ts';
import { textChart } from './chart.ts';
import { defineScenario, startRun } from './scenario.ts';
import { positiveInteger } from '../cli/valueTypes.ts';

/** The outcome: final loss, the loss of every step, and the network's four answers. */
export interface XorOutcome {
  readonly losses: readonly number[];
  readonly predictions: readonly number[];
  readonly correct: number;
}

const inputs = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const targets = tensor([[0], [1], [1], [0]]);

export const xor = defineScenario<XorOutcome>({
  name: 'xor',
  summary: 'a 2-2-1 network of dense layers and sigmoids learns XOR from a seeded start',
  defaultSeed: 1,
  resumable: true,
  options: { steps: { kind: 'value', type: positiveInteger, description: 'training steps (default 2000; 1500 with --quick)' } },
  async run(context) {
    const { print, seed, quick, options } = context;
    const steps = options.steps !== undefined ? Number(options.steps) : quick ? 1500 : 2000;
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`xor: --steps expects a positive integer, got ${String(options.steps)}`);
    const net = sequential([dense(2, 2, { seed }), sigmoid(), dense(2, 1, { seed: seed + 1000 }), sigmoid()], { inputFeatures: [2] });
    print(net.summary());
    const before = Array.from(predict(net, inputs).data);

    const run = startRun(context, net, [{ x: inputs, target: targets }], { loss: halfSquaredError(), optimizer: sgd(2, { momentum: 0.9 }), epochs: steps, seed });
    const losses: number[] = [];
    run.taps.step$.subscribe(({ loss }) => losses.push(loss));
    const result = await run.result;

    const after = Array.from(predict(net, inputs).data);
    const rows = [0, 1, 2, 3].map((i) => [`${inputs.data[2 * i]} xor ${inputs.data[2 * i + 1]}`, targets.data[i]!, before[i]!, after[i]!]);
    print('\n' + formatTable(['input', 'target', 'before', 'after'], rows, 3));
    print('\n' + textChart(losses, { label: `loss over ${losses.length} steps (seed ${seed})`, height: 6 }));
    const correct = after.filter((p, i) => Math.round(p) === targets.data[i]).length;
    // A run resumed from a checkpoint at its last step takes no step here: its loss is the checkpoint's network's.
    const finalLoss = losses.at(-1) ?? halfSquaredError().forward(predict(net, inputs), targets).loss;
    print(`\n${correct} of 4 correct after ${result.step} steps; final loss ${finalLoss.toExponential(2)}.`);
    return { losses, predictions: after, correct };
  },
});
