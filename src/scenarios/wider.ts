/**
 * Going wider: the primer's 2×2 layers.
 *
 *   h = W·x + b,  q = σ(h),  o = V·q,  L = cross-entropy of softmax(o) against y
 *
 * What you will see: the primer's two derivatives of a layer h = W·x + b made numeric.
 * ∂L/∂W is the outer product of ∂L/∂h and x (row i of ∂L/∂W is ∂L/∂hᵢ times x), and
 * ∂L/∂x = Wᵀ·∂L/∂h. Both are read off the streams of one step through the graph, compared
 * entry by entry with finite differences of the whole network's loss, and the dense layer
 * itself is then put through the verifier's full check at the same point.
 */
import { tensor, type Tensor } from '../tensor/tensor.ts';
import { dense } from '../layers/dense.ts';
import { sigmoid } from '../layers/sigmoid.ts';
import { softmaxCrossEntropy } from '../layers/softmaxCrossEntropy.ts';
import { sequential } from '../graph/builder.ts';
import { train } from '../graph/trainer.ts';
import { sgd } from '../optim/sgd.ts';
import { checkGradients } from '../check/checkGradients.ts';
import { formatReport } from '../check/report/formatReport.ts';
import { primerWiderSetup, widerGradients, type WiderSetup } from '../primer/wider.ts';
import { formatNumber, formatTable } from '../primer/table.ts';
import { numericDerivative, relativeError } from './numeric.ts';
import { defineScenario } from './scenario.ts';

/** The outcome: every compared entry, and the verifier's verdict on the dense layer. */
export interface WiderOutcome {
  readonly entries: readonly { readonly name: string; readonly analytic: number; readonly expected: number; readonly numeric: number }[];
  readonly worstRelativeError: number;
  readonly verified: boolean;
}

export const wider = defineScenario<WiderOutcome>({
  name: 'wider',
  summary: "the primer's 2×2 layers: ∂L/∂W = ∂L/∂h ⊗ x and ∂L/∂x = Wᵀ·∂L/∂h, numerically and verified",
  defaultSeed: 0,
  async run({ print }) {
    const s = primerWiderSetup;
    const first = dense(2, 2, { W: s.W, b: s.b });
    const net = sequential([first, sigmoid(), dense(2, 2, { W: s.V, bias: false })], { inputFeatures: [2] });
    const x = tensor([[...s.x]]);
    let seen: { dh: Tensor; dW: Tensor; dx: Tensor } | undefined;
    const step = train(net, [{ x, target: tensor([[...s.y]]) }], { loss: softmaxCrossEntropy(), optimizer: sgd(0.1), maxSteps: 1 });
    step.taps.backward$.subscribe(({ node, dy, dParams, dInputs }) => {
      if (node.layer === first) seen = { dh: dy, dW: dParams.W!, dx: dInputs[0]! };
    });
    await step.result;
    const { dh, dW, dx } = seen!;

    const lossWith = (change: (copy: { W: number[][]; x: number[] }) => void) => {
      const copy = { W: s.W.map((row) => [...row]), x: [...s.x] };
      change(copy);
      return widerGradients({ ...s, W: copy.W as unknown as WiderSetup['W'], x: copy.x as unknown as WiderSetup['x'] }).L;
    };
    const entries: WiderOutcome['entries'][number][] = [];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const numeric = numericDerivative((v) => lossWith((c) => (c.W[i]![j] = v)), s.W[i]![j]!);
        entries.push({ name: `∂L/∂W${sub(i)}${sub(j)}`, analytic: dW.data[2 * i + j]!, expected: dh.data[i]! * s.x[j]!, numeric });
      }
    }
    for (let j = 0; j < 2; j++) {
      const numeric = numericDerivative((v) => lossWith((c) => (c.x[j] = v)), s.x[j]!);
      entries.push({ name: `∂L/∂x${sub(j)}`, analytic: dx.data[j]!, expected: s.W[0]![j]! * dh.data[0]! + s.W[1]![j]! * dh.data[1]!, numeric });
    }

    print('Going wider: h = W·x + b, q = σ(h), o = V·q, L = cross-entropy of softmax(o) against y (2×2 layers)\n');
    print(`x = [${s.x.join(', ')}], W = [${s.W.map((r) => `[${r.join(', ')}]`).join(', ')}], b = [${s.b.join(', ')}], V = [${s.V.map((r) => `[${r.join(', ')}]`).join(', ')}], y = [${s.y.join(', ')}]`);
    print(`∂L/∂h = [${Array.from(dh.data, (v) => formatNumber(v, 6)).join(', ')}] (from the streams)\n`);
    print(formatTable(['entry', 'from the streams', 'primer formula', 'formula', 'finite difference'],
      entries.map((e) => [e.name, e.analytic, e.name.startsWith('∂L/∂W') ? `∂L/∂h${e.name.slice(-2, -1)} · x${e.name.slice(-1)}` : `(Wᵀ·∂L/∂h)${e.name.slice(-1)}`, e.expected, e.numeric]), 10));
    const worstRelativeError = Math.max(...entries.flatMap((e) => [relativeError(e.analytic, e.numeric), relativeError(e.analytic, e.expected)]));
    print(`\nLargest relative difference between the streams, the formulas and the finite differences: ${worstRelativeError.toExponential(1)}`);

    const report = checkGradients(dense(2, 2, { W: s.W, b: s.b }), x, { dy: dh, mode: 'full' });
    print(`\nThe verifier's full check of dense(2, 2) at this x with dy = ∂L/∂h:\n${formatReport(report)}`);
    return { entries, worstRelativeError, verified: report.ok };
  },
});

function sub(index: number): string {
  return '₁₂₃₄₅₆₇₈₉'[index]!;
}
