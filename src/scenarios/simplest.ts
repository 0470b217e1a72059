/**
 * The simplest network ever, through the streaming runtime.
 *
 * What you will see: the primer's table (x = 1, y = 3, w = 0.1, b = 1, η = 0.2), row by row,
 * read off the live streams of a training run: h from the node's forward tap, ∂L/∂h and
 * ∂L/∂w, ∂L/∂b from its backward tap, w and b from the optimizer's update tap. The run goes
 * on until the loss falls below 1e-6.
 */
import { tensor } from '../tensor/tensor.ts';
import { dense } from '../layers/dense.ts';
import { halfSquaredError } from '../layers/halfSquaredError.ts';
import { sequential } from '../graph/builder.ts';
import { train } from '../graph/trainer.ts';
import { sgd } from '../optim/sgd.ts';
import { formatTable } from '../primer/table.ts';
import { primerSimplestSetup, type SimplestRow } from '../primer/simplest.ts';
import { defineScenario } from './scenario.ts';

/** The outcome: every row of the table, and the step at which L < 1e-6. */
export interface SimplestOutcome {
  readonly rows: readonly SimplestRow[];
  readonly stepsToConverge: number;
}

const header = ['step', 'h', 'L', '∂L/∂h', '∂L/∂w', '∂L/∂b', 'w', 'b'];
const target = 1e-6;

export const simplest = defineScenario<SimplestOutcome>({
  name: 'simplest',
  summary: "the primer's simplest network, h = w·x + b, trained through the streams until L < 1e-6",
  defaultSeed: 0,
  async run({ print }) {
    const { x, y, w, b, learningRate } = primerSimplestSetup;
    const h = dense(1, 1, { W: [[w]], b: [b], name: 'h' });
    const net = sequential([h], { inputFeatures: [1] });
    const sample = { x: tensor([[x]]), target: tensor([[y]]) };
    print('The simplest network: h = w·x + b, L = ½(h − y)², w ← w − η·∂L/∂w');
    print(`x = ${x}, y = ${y}, w = ${w}, b = ${b}, η = ${learningRate}\n`);

    const run = train(net, repeat(sample), { loss: halfSquaredError(), optimizer: sgd(learningRate), epochs: 1 });
    const rows: SimplestRow[] = [];
    let current: Partial<SimplestRow> = {};
    run.taps.forward$.subscribe(({ node, y: out }) => node.layer === h && (current = { h: out.data[0]! }));
    run.taps.backward$.subscribe(({ node, dy, dParams }) => {
      if (node.layer === h) current = { ...current, dLdh: dy.data[0]!, dLdw: dParams.W!.data[0]!, dLdb: dParams.b!.data[0]! };
    });
    run.taps.update$.subscribe(({ parameter, value }) => {
      current = { ...current, [parameter.tensor === h.params.W ? 'w' : 'b']: value.data[0]! };
    });
    run.taps.step$.subscribe(({ loss }) => {
      rows.push({ ...(current as SimplestRow), L: loss });
      if (loss < target) run.stop();
    });
    await run.result;

    const shown = rows.map((row, i) => [String(i + 1), row.h, row.L, row.dLdh, row.dLdw, row.dLdb, row.w, row.b]);
    print(formatTable(header, shown.slice(0, 3)));
    print("\nThe primer's table ends here. The run goes on:\n");
    print(formatTable(header, shown.filter((_, i) => i >= 3 && (i % 5 === 4 || i === rows.length - 1)), 6));
    print(`\nL = ${rows.at(-1)!.L.toExponential(2)} < 1e-6 after ${rows.length} steps: w = ${rows.at(-1)!.w.toFixed(6)}, b = ${rows.at(-1)!.b.toFixed(6)} (w + b → y = ${y}).`);
    return { rows, stepsToConverge: rows.length };
  },
});

/** The same sample forever: the run ends when the scenario stops it. */
function* repeat<T>(item: T): Generator<T> {
  for (;;) yield item;
}
