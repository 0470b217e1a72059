/**
 * Going deeper: the primer's network with one hidden sigmoid unit and two outputs.
 *
 *   h = w·x + b,  q = σ(h),  o₁ = v₁·q,  o₂ = v₂·q,  L = cross-entropy of softmax(o₁, o₂) against (y, 1 − y)
 *
 * What you will see: the network built as a graph in which q really fans out to two nodes,
 * o₁ and o₂; the gradients ∂L/∂o, ∂L/∂q, ∂L/∂v, ∂L/∂h, ∂L/∂w read off the streams of its
 * first training step, each next to a finite difference of the loss; then training on six
 * (x, y) points drawn from a "teacher" network, until the loss nears its floor (the
 * targets' own entropy).
 */
import { tensor, type Tensor } from '../tensor/tensor.ts';
import { dense } from '../layers/dense.ts';
import { sigmoid, logistic } from '../layers/sigmoid.ts';
import { softmaxCrossEntropy } from '../layers/softmaxCrossEntropy.ts';
import { graph } from '../graph/builder.ts';
import { train } from '../graph/trainer.ts';
import { predict } from '../graph/evaluate.ts';
import { sgd } from '../optim/sgd.ts';
import { primerDeeperSetup } from '../primer/deeper.ts';
import { formatNumber, formatTable } from '../primer/table.ts';
import { numericDerivative, relativeError } from './numeric.ts';
import { defineScenario } from './scenario.ts';

/** One gradient read off the streams, and its finite-difference check. */
export interface CheckedGradient {
  readonly name: string;
  readonly analytic: number;
  readonly numeric: number;
  readonly relativeError: number;
}

/** The outcome: the first step's checked gradients and the fit. */
export interface DeeperOutcome {
  readonly gradients: readonly CheckedGradient[];
  readonly initialLoss: number;
  readonly finalLoss: number;
  /** The lowest loss any parameters can reach on these points: the targets' mean entropy. */
  readonly lossFloor: number;
}

/** The teacher's parameters, from which the (x, y) points are drawn. */
const teacher = { w: 2, b: -1, v1: 3, v2: -1 };
const points = [-2, -1, -0.5, 0.5, 1, 2];

/** The loss of one point as a plain function of every quantity, for finite differences. */
function lossOf(o1: number, o2: number, y: number): number {
  const top = Math.max(o1, o2);
  const logNormaliser = top + Math.log(Math.exp(o1 - top) + Math.exp(o2 - top));
  return -(y * (o1 - logNormaliser) + (1 - y) * (o2 - logNormaliser));
}

export const deeper = defineScenario<DeeperOutcome>({
  name: 'deeper',
  summary: "the primer's deeper network: q fans out to o₁ and o₂, every gradient checked by finite differences, then fitted",
  defaultSeed: 0,
  async run({ print, quick }) {
    const { x, y, w, b, v1, v2 } = primerDeeperSetup;
    print('Going deeper: h = w·x + b, q = σ(h), o₁ = v₁·q, o₂ = v₂·q, L = cross-entropy of softmax(o₁, o₂) against (y, 1 − y)\n');
    const g = graph({ inputFeatures: [1] });
    const hNode = g.node(dense(1, 1, { W: [[w]], b: [b] }), g.input(), { name: 'h' });
    const qNode = g.node(sigmoid(), hNode, { name: 'q' });
    const o1Node = g.node(dense(1, 1, { W: [[v1]], bias: false }), qNode, { name: 'o1' });
    const o2Node = g.node(dense(1, 1, { W: [[v2]], bias: false }), qNode, { name: 'o2' });
    const net = g.output(g.concat(o1Node, o2Node));
    print(net.summary());

    // The first step, read off the streams.
    const seen = new Map<string, { dy: Tensor; dParams: Readonly<Record<string, Tensor>> }>();
    const firstStep = train(net, [{ x: tensor([[x]]), target: tensor([[y, 1 - y]]) }], { loss: softmaxCrossEntropy(), optimizer: sgd(0.5), maxSteps: 1 });
    firstStep.taps.backward$.subscribe(({ node, dy, dParams }) => seen.set(node.name, { dy, dParams }));
    await firstStep.result;
    const at = (node: string) => seen.get(node)!;
    const q = logistic(w * x + b);
    const gradients: CheckedGradient[] = [
      check('∂L/∂o₁', at('concat_1').dy.data[0]!, (o1) => lossOf(o1, v2 * q, y), v1 * q),
      check('∂L/∂o₂', at('concat_1').dy.data[1]!, (o2) => lossOf(v1 * q, o2, y), v2 * q),
      check('∂L/∂q', at('q').dy.data[0]!, (value) => lossOf(v1 * value, v2 * value, y), q),
      check('∂L/∂v₁', at('o1').dParams.W!.data[0]!, (value) => lossOf(value * q, v2 * q, y), v1),
      check('∂L/∂v₂', at('o2').dParams.W!.data[0]!, (value) => lossOf(v1 * q, value * q, y), v2),
      check('∂L/∂h', at('h').dy.data[0]!, (h) => lossOf(v1 * logistic(h), v2 * logistic(h), y), w * x + b),
      check('∂L/∂w', at('h').dParams.W!.data[0]!, (value) => lossOf(v1 * logistic(value * x + b), v2 * logistic(value * x + b), y), w),
      check('∂L/∂b', at('h').dParams.b!.data[0]!, (value) => lossOf(v1 * logistic(w * x + value), v2 * logistic(w * x + value), y), b),
    ];
    print(`\nAt x = ${x}, y = ${y}, w = ${w}, b = ${b}, v₁ = ${formatNumber(v1, 1)}, v₂ = ${formatNumber(v2, 1)}: the first step's gradients from the streams`);
    print('(∂L/∂q arrives at q as the sum v₁·∂L/∂o₁ + v₂·∂L/∂o₂ of its two consumers):\n');
    print(formatTable(['gradient', 'from the streams', 'finite difference', 'relative error'],
      gradients.map((c) => [c.name, formatNumber(c.analytic, 12), formatNumber(c.numeric, 12), c.relativeError.toExponential(1)])));

    // Fit six points drawn from the teacher.
    const xs = tensor(points.map((p) => [p]));
    const ys = points.map((p) => logistic((teacher.v1 - teacher.v2) * logistic(teacher.w * p + teacher.b)));
    const targets = tensor(ys.map((p) => [p, 1 - p]));
    const lossFloor = ys.reduce((sum, p) => sum - p * Math.log(p) - (1 - p) * Math.log(1 - p), 0) / ys.length;
    const steps = quick ? 1500 : 4000;
    const fit = train(net, [{ x: xs, target: targets }], { loss: softmaxCrossEntropy(), optimizer: sgd(0.5, { momentum: 0.9 }), epochs: steps });
    const losses: number[] = [];
    fit.taps.step$.subscribe(({ loss }) => losses.push(loss));
    await fit.result;
    const fitted = predict(net, xs).data;
    const p1 = points.map((_, i) => 1 / (1 + Math.exp(fitted[2 * i + 1]! - fitted[2 * i]!)));
    print(`\nFitting ${points.length} points (x, y) drawn from a teacher with w = ${teacher.w}, b = ${formatNumber(teacher.b, 0)}, v₁ = ${teacher.v1}, v₂ = ${formatNumber(teacher.v2, 0)}, ${steps} steps:\n`);
    print(formatTable(['x', 'y', 'fitted p₁'], points.map((p, i) => [p, ys[i]!, p1[i]!]), 3));
    print(`\nloss ${losses[0]!.toFixed(4)} → ${losses.at(-1)!.toFixed(6)}; the floor (the targets' entropy) is ${lossFloor.toFixed(6)}.`);
    return { gradients, initialLoss: losses[0]!, finalLoss: losses.at(-1)!, lossFloor };
  },
});

function check(name: string, analytic: number, loss: (u: number) => number, at: number): CheckedGradient {
  const numeric = numericDerivative(loss, at);
  return { name, analytic, numeric, relativeError: relativeError(analytic, numeric) };
}
