/**
 * `passes in flight`: the Layer contract keeps nothing in the layer between a forward and
 * its backward, so any number of passes may be in flight, and the runtime relies on it (a
 * layer whose output feeds several nodes, microbatches of one step). A layer that keeps its
 * last input, mask, output or statistics in a variable of its own, or in a cache keyed by
 * something two inputs share (their shape), gives the right gradients when each backward
 * follows its own forward, as every other check calls it, and wrong ones otherwise.
 *
 * After the first pass P₁ = forward(x₁) and G₁ = P₁.backward(dy₁), the sequence is
 *
 *     P₂ = forward(x₂);  G₂ = P₂.backward(dy₂)    x₂'s gradients, with P₁ in flight
 *     P₃ = forward(x₃)                            x₃ mixes rows of x₂ and x₁ (see `rows independent`)
 *     P₁.backward(dy₁) = G₁ ?                     the oldest pass, after two later forwards
 *     P₂.backward(dy₂) = G₂ ?                     after the other pass's backward
 *
 * and afterwards P₁'s and P₂'s outputs must still hold what forward returned (no output
 * buffer shared between passes), G₁ and G₂ what backward returned (no gradient buffer reused
 * by later calls), and the parameters their values. x₂ differs from x₁ at every element, at
 * the same scale and of either sign; for a layer that takes indices, every index moves to
 * another valid one.
 *
 * Equality is bit for bit, as for `deterministic`: both sides are the same computation on
 * the same numbers, so a deterministic layer cannot differ at all, and a tolerance would only
 * hide state whose effect is small (an x₂ close to x₁). P₁.backward run twice on one pass is
 * also part of `deterministic`, whose second backward catches a backward that overwrites what
 * its pass saved.
 */
import { Tensor } from '../tensor/tensor.ts';
import { createRandom } from '../tensor/random.ts';
import type { Gradients, Layer, Pass } from '../layers/contract.ts';
import type { CheckResult } from './report/report.ts';
import { gradientList, verdict } from './layerChecks.ts';
import { firstChange, randomTensor } from './numeric/tensorChecks.ts';
import { describeError } from '../util/errorText.ts';
import { mixedBatch } from './batchIndependence.ts';

/** A pass the checks hold on to, with copies of what it returned taken when it returned. */
export interface HeldPass {
  /** The pass as forward returned it. */
  readonly pass: Pass;
  /** Its input, a tensor the verifier keeps unchanged. */
  readonly x: Tensor;
  /** A copy of its output, taken when forward returned. */
  readonly y: Tensor;
  /** The cotangent its backward was given. */
  readonly dy: Tensor;
  /** What its backward returned: the layer's own tensors. */
  readonly gradients: Gradients;
  /** Copies of `gradients`, taken when backward returned. */
  readonly snapshot: Gradients;
}

/** Holds a pass: copies its gradients now, before any later call could change them. */
export function holdPass(pass: Pass, x: Tensor, y: Tensor, dy: Tensor, gradients: Gradients): HeldPass {
  const snapshot = { dx: gradients.dx.clone(), dParams: Object.fromEntries(Object.entries(gradients.dParams).map(([key, t]) => [key, t.clone()])) };
  return { pass, x, y, dy, gradients, snapshot };
}

/** The verifier's counting forward and backward. */
export interface PassProbe {
  forward(x: Tensor): Pass;
  backward(pass: Pass): (dy: Tensor) => Gradients;
}

/** The check's verdict, and what `rows independent` compares when every pass ran. */
export interface PassesInFlight {
  readonly check: CheckResult;
  /** x₂'s pass. */
  readonly second?: HeldPass | undefined;
  /** The pass of the batch mixing rows of x₂ (even rows) and x₁ (odd rows). */
  readonly mixed?: Pass | undefined;
}

/**
 * Runs the sequence above: two forward and three backward passes. `first` is P₁ as held right
 * after its backward; `paramsBefore` the parameters' values before any pass; `seed` draws x₂
 * and dy₂ (from a stream of their own, so the other checks' draws do not move).
 */
export function passesInFlight(layer: Layer, probe: PassProbe, first: HeldPass, paramsBefore: readonly (readonly [string, Tensor])[], seed: number): PassesInFlight {
  const owner = layer.name;
  const random = createRandom(`passes in flight:${seed}`);
  const x2 = anotherInput(first.x, layer.indexInput?.count, () => random.uniform());
  const dy2 = randomTensor(first.dy.shape, () => random.uniform());
  let step = 'the forward of a second input x₂';
  try {
    const pass2 = probe.forward(x2);
    step = 'the backward of x₂';
    const second = holdPass(pass2, x2, pass2.y.clone(), dy2, probe.backward(pass2)(dy2));
    step = 'the forward of a batch mixing the rows of x₂ and x₁';
    const mixed = probe.forward(mixedBatch(x2, first.x));
    step = 'the first pass\'s backward, run again';
    const firstAgain = probe.backward(first.pass)(first.dy);
    step = 'x₂\'s backward, run again';
    const secondAgain = probe.backward(pass2)(dy2);
    const check = verdict('passes in flight', [
      ...gradientChanges(owner, first.snapshot, firstAgain, 'when the first pass\'s backward ran again after the forwards of x₂ and of a mixed batch'),
      ...gradientChanges(owner, second.snapshot, secondAgain, 'when x₂\'s backward ran again after another pass\'s forward and backward'),
      firstChange(owner, 'y', first.y, first.pass.y, 'in the first pass\'s output after later forward and backward calls'),
      firstChange(owner, 'y', second.y, pass2.y, 'in x₂\'s output after later forward and backward calls'),
      ...gradientChanges(owner, first.snapshot, first.gradients, 'in the gradients the first backward returned, after later backward calls'),
      ...gradientChanges(owner, second.snapshot, second.gradients, 'in the gradients x₂\'s backward returned, after later backward calls'),
      ...paramsBefore.map(([key, saved]) => firstChange(owner, key, saved, layer.params[key]!, 'during the forward and backward calls of passes in flight')),
    ]);
    return { check, second, mixed };
  } catch (error) {
    return { check: { name: 'passes in flight', ok: false, detail: `${owner}: ${step} threw ${describeError(error)}` } };
  }
}

/**
 * x₂: every element differs from x's. A real input is replaced by a draw of the same scale,
 * ±(½ to 1½)·max(1, |x|), of either sign (so that state derived from signs, a ReLU's mask,
 * differs too, and orderings change, a max pool's choice); index inputs (when `indexCount` is
 * given) move to another index in [0, indexCount), or stay when there is none.
 */
export function anotherInput(x: Tensor, indexCount: number | undefined, uniform: () => number): Tensor {
  const data = new Float64Array(x.size);
  for (let i = 0; i < data.length; i++) {
    const v = x.data[i]!;
    if (indexCount !== undefined) {
      const valid = Number.isInteger(v) && v >= 0 && v < indexCount && indexCount > 1;
      data[i] = valid ? (v + 1 + Math.floor(uniform() * (indexCount - 1))) % indexCount : v;
    } else {
      const sign = uniform() < 0.5 ? -1 : 1;
      const drawn = sign * (0.5 + uniform()) * Math.max(1, Math.abs(v));
      data[i] = drawn === v ? -drawn : drawn;
    }
  }
  return new Tensor(data, x.shape.slice());
}

/** The first changed entry of each gradient, `before` against `after`, as sentences. */
function gradientChanges(owner: string, before: Gradients, after: Gradients, when: string): (string | undefined)[] {
  const later = new Map(gradientList(after));
  return gradientList(before).map(([name, t]) => {
    const again = later.get(name);
    return again instanceof Tensor ? firstChange(owner, name, t, again, when) : `${owner}: backward returned no ${name} ${when}`;
  });
}
