/**
 * The primer's own mistakes, caught by the verifier.
 *
 * The primer's slides write three formulas that are wrong as written:
 *   1. ∂L/∂o₁ = y/o₁ − e^(o₁)/(e^(o₂) + e^(o₁))   (the cross-entropy gradient; it is p₁ − y)
 *   2. ∂L/∂h = ∂L/∂q · e^(−q)/(1 + e^(−q))²        (σ′ taken at the output q; it is σ′(h))
 *   3. w = η·∂L/∂w                                  (the update; it is w ← w − η·∂L/∂w)
 *
 * What you will see: each formula implemented exactly as written, as a loss, a layer and an
 * update rule; the verifier rejecting each with the smallest case it could shrink to; then
 * the corrected form passing the same check.
 */
import { Tensor } from '../tensor/tensor.ts';
import { defineLayer, defineLoss, sameFeatures } from '../layers/defineLayer.ts';
import { logistic, sigmoid } from '../layers/sigmoid.ts';
import { softmaxCrossEntropy } from '../layers/softmaxCrossEntropy.ts';
import type { Layer, Loss, LossSpec } from '../layers/contract.ts';
import { verifyLayer } from '../check/property/verifyLayer.ts';
import { verifyLoss } from '../check/property/verifyLoss.ts';
import { formatComparison } from '../check/report/formatReport.ts';
import { verifyOptimizer, formatDescentResult } from '../check/property/verifyOptimizer.ts';
import type { VerifyResult } from '../check/property/runProperty.ts';
import { sgd } from '../optim/sgd.ts';
import type { Optimizer } from '../optim/optimizer.ts';
import { defineScenario } from './scenario.ts';

/** The loss of the primer's deeper network, with the slide's ∂L/∂o as its backward. */
function primerSlideCrossEntropy(): Loss {
  const correct = softmaxCrossEntropy();
  return defineLoss({
    name: 'crossEntropy (slide)',
    forward: (o, target) => ({ loss: correct.forward(o, target).loss, saved: { o, target } }),
    backward: ({ o, target }) => {
      const batch = o.shape[0]!;
      const grad = new Float64Array(o.size);
      for (let r = 0; r < batch; r++) {
        const [o1, o2] = [o.data[2 * r]!, o.data[2 * r + 1]!];
        const y = target.data[2 * r]!;
        const total = Math.exp(o2) + Math.exp(o1);
        grad[2 * r] = (y / o1 - Math.exp(o1) / total) / batch; // the slide's dL/do₁
        grad[2 * r + 1] = ((1 - y) / o2 - Math.exp(o2) / total) / batch; // the slide's dL/do₂
      }
      return new Tensor(grad, o.shape);
    },
  });
}

/** σ with the slide's derivative: e^(−q)/(1 + e^(−q))², where q = σ(h) is the output. */
function primerSlideSigmoid(): Layer {
  return defineLayer({
    name: 'sigmoid (slide)',
    outputShape: sameFeatures,
    forward: (h) => {
      const q = new Float64Array(h.size);
      for (let i = 0; i < q.length; i++) q[i] = logistic(h.data[i]!);
      return { y: new Tensor(q, h.shape), saved: q };
    },
    backward: (dq, q) => {
      const dh = new Float64Array(q.length);
      for (let i = 0; i < dh.length; i++) dh[i] = (dq.data[i]! * Math.exp(-q[i]!)) / (1 + Math.exp(-q[i]!)) ** 2;
      return { dx: new Tensor(dh, dq.shape) };
    },
  });
}

/** The slide's update, w = η·∂L/∂w: it writes the parameter instead of stepping it. */
function primerSlideUpdate(learningRate: number): Optimizer {
  const plain = sgd(learningRate);
  return {
    ...plain,
    name: 'w = η·∂L/∂w (slide)',
    update(_key, theta, gradient, delta) {
      for (let i = 0; i < theta.length; i++) {
        const next = learningRate * gradient[i]!;
        if (delta) delta[i] = next - theta[i]!;
        theta[i] = next;
      }
    },
  };
}

/** Targets of the deeper network's two outputs: (y, 1 − y) per row, y in {0, ¼, ½, ¾, 1}. */
const binaryTarget = (shape: readonly number[], uniform: () => number): Tensor => {
  const data = new Float64Array(shape.reduce((a, d) => a * d, 1));
  for (let offset = 0; offset < data.length; offset += 2) {
    const y = Math.round(uniform() * 4) / 4;
    data[offset] = y;
    data[offset + 1] = 1 - y;
  }
  return new Tensor(data, shape);
};

/** One typo's verdicts. */
export interface TypoVerdict {
  readonly formula: string;
  readonly asWritten: { readonly ok: boolean; readonly numRuns: number; readonly shrunk: string };
  readonly corrected: { readonly ok: boolean; readonly numRuns: number };
}

export const primerTypos = defineScenario<readonly TypoVerdict[]>({
  name: 'primer-typos',
  summary: "the primer's three wrong formulas, implemented as written, each rejected by the verifier with a shrunk case; the corrections pass",
  defaultSeed: 42,
  async run({ print, seed, quick }) {
    const numRuns = quick ? 50 : 200;
    const verdicts: TypoVerdict[] = [];
    const lossSpec = (make: () => Loss, name: string): LossSpec => ({ name, make, features: [2], target: binaryTarget });

    print("The primer's slides, checked by gradstream's verifier\n");
    const slideLoss = verifyLoss(lossSpec(primerSlideCrossEntropy, 'crossEntropy (slide)'), { seed, numRuns });
    const fixedLoss = verifyLoss(lossSpec(softmaxCrossEntropy, 'softmaxCrossEntropy'), { seed, numRuns });
    verdicts.push(show(print, 1, '∂L/∂o₁ = y/o₁ − e^(o₁)/(e^(o₂) + e^(o₁))', '∂L/∂o₁ = p₁ − y  (p = softmax(o))', slideLoss, fixedLoss));

    const slideSigmoid = verifyLayer(primerSlideSigmoid, { features: [1], seed, numRuns });
    const fixedSigmoid = verifyLayer(sigmoid, { features: [1], seed, numRuns });
    verdicts.push(show(print, 2, '∂L/∂h = ∂L/∂q · e^(−q)/(1 + e^(−q))²', '∂L/∂h = ∂L/∂q · e^(−h)/(1 + e^(−h))² = ∂L/∂q · q(1 − q)', slideSigmoid, fixedSigmoid));

    const slideUpdate = verifyOptimizer(primerSlideUpdate, { seed, numRuns });
    const fixedUpdate = verifyOptimizer((lr) => sgd(lr), { seed, numRuns });
    print(`3. w = η·∂L/∂w            (the update on the simplest network's slides)`);
    print(`   as written: ${slideUpdate.ok ? '✓ passed (unexpected)' : `✗ rejected after ${cases(slideUpdate.numRuns)}, shrunk ${slideUpdate.numShrinks} times to:`}`);
    if (!slideUpdate.ok) print(indent(formatDescentResult(slideUpdate).split('\n').slice(1).map((line) => line.trim()).join('\n'), 5));
    print(`   corrected, w ← w − η·∂L/∂w: ${fixedUpdate.ok ? `✓ passed ${fixedUpdate.numRuns} cases` : '✗ FAILED'}\n`);
    const shrunk = slideUpdate.counterexample
      ? `w = ${slideUpdate.counterexample.w}, b = ${slideUpdate.counterexample.b}, (x, y) = ${slideUpdate.counterexample.points.map(([x, y]) => `(${x}, ${y})`).join(' ')}`
      : '';
    verdicts.push({
      formula: 'w = η·∂L/∂w',
      asWritten: { ok: slideUpdate.ok, numRuns: slideUpdate.numRuns, shrunk },
      corrected: { ok: fixedUpdate.ok, numRuns: fixedUpdate.numRuns },
    });
    const caught = verdicts.filter((v) => !v.asWritten.ok && v.corrected.ok).length;
    print(`${caught} of 3 slide formulas rejected, ${caught} of 3 corrections verified (seed ${seed}).`);
    return verdicts;
  },
});

function show(
  print: (text: string) => void, number: number, formula: string, correction: string,
  asWritten: VerifyResult<unknown>, corrected: VerifyResult<unknown>,
): TypoVerdict {
  print(`${number}. ${formula}`);
  const shrunk = asWritten.report?.mismatches[0] ? formatComparison(asWritten.report.layer, asWritten.report.mismatches[0]) : (asWritten.report?.checks.find((c) => !c.ok)?.detail ?? asWritten.error ?? '');
  if (asWritten.ok) {
    print(`   as written: ✓ passed ${asWritten.numRuns} cases (unexpected)`);
  } else {
    print(`   as written: ✗ rejected after ${cases(asWritten.numRuns)}, shrunk ${asWritten.numShrinks} times to:`);
    print(indent(caseOf(asWritten.counterexample), 5));
    print(indent(shrunk, 5));
  }
  print(`   corrected, ${correction}: ${corrected.ok ? `✓ passed ${corrected.numRuns} cases` : '✗ FAILED'}\n`);
  return { formula, asWritten: { ok: asWritten.ok, numRuns: asWritten.numRuns, shrunk }, corrected: { ok: corrected.ok, numRuns: corrected.numRuns } };
}

/** A drawn case in one line: its tensors as flat lists. */
function caseOf(drawn: unknown): string {
  if (typeof drawn !== 'object' || drawn === null) return String(drawn);
  return Object.entries(drawn as Record<string, unknown>)
    .filter(([key]) => key !== 'targetSeed')
    .map(([key, value]) => `${key} = ${JSON.stringify(value)}`)
    .join(', ');
}

function cases(count: number): string {
  return count === 1 ? 'the first case' : `${count} cases`;
}

function indent(text: string, spaces: number): string {
  return text.split('\n').map((line) => ' '.repeat(spaces) + line).join('\n');
}
