/**
 * The `jvp` check: forward mode, for a layer whose passes provide `jvp` (see `Pass.jvp`),
 * checked two ways along a few probes (JAX's `check_grads(modes=['fwd'])` and PyTorch's
 * `check_forward_ad` take the first):
 *
 * - against finite differences: along a tangent t that moves x and every parameter at once,
 *   ⟨w, ty⟩ must be the derivative of ⟨w, f(u + s·t)⟩ at 0, judged as the gradient is judged
 *   (`numeric/tangentDifferences.ts`); at a kink, every output must lie between its one-sided
 *   derivatives along t;
 * - against backward, through the adjoint identity ⟨w, J·t⟩ = ⟨Jᵀw, t⟩, to rounding
 *   (`numeric/adjointIdentity.ts`). At a kink jvp and backward may each take a different
 *   one-sided derivative, both right; so the outputs that the finite differences show kinked
 *   along t are left out of w for that probe (one more backward pass). When backward failed its own
 *   gradient check the identity is not checked: it would blame the jvp for backward's error.
 *
 * The cotangent w is the gradient check's second cotangent, which its magnitude pass already
 * bounds. Each probe costs one jvp and four forward passes (more only where the judge refines
 * or a failure is localised); backward(w) is the `linear in dy` check's, handed over by
 * checkGradients (`atCotangent`; taken here, one backward pass, when not given), and one more
 * backward pass is spent per probe that meets a kink. A layer without jvp gets no `jvp` check.
 */
import { Tensor, formatShape, sameShape, unflatIndex } from '../tensor/tensor.ts';
import type { Random } from '../tensor/random.ts';
import type { Gradients, Layer, Pass, Tangents } from '../layers/contract.ts';
import { relativeError, type CheckResult } from './report/report.ts';
import type { Magnitudes } from './numeric/magnitudePass.ts';
import { conditionNoise } from './numeric/objective.ts';
import { estimateDerivative, stepFor } from './numeric/finiteDifference.ts';
import { judge } from './numeric/judge.ts';
import { drawDirection } from './numeric/fastMode.ts';
import { describeFirstNonFinite, firstChange } from './numeric/tensorChecks.ts';
import { describeError } from '../util/errorText.ts';
import { formatError, formatNumber } from './report/formatNumber.ts';
import { describePiece, pieceSize, tangentsOf, wholePiece, type MovedVariable, type Piece } from './numeric/tangentPiece.ts';
import { judgeTangent, rangeChange, samplePiece, type SampledPiece, type TangentMismatch, type TangentSetup } from './numeric/tangentDifferences.ts';
import { compareAdjoint, localiseAdjoint, type AdjointComparison } from './numeric/adjointIdentity.ts';

/** What the check needs from {@link checkGradients}; the layer is only called through the counting wrappers. */
export interface ForwardModeSetup {
  readonly layer: Layer;
  /** A pass at the unmoved point (the check's first). */
  readonly pass: Pass;
  /** The verifier's copy of x, which the layer sees and the finite differences move. */
  readonly input: Tensor;
  /** A copy of the pass's output. */
  readonly y: Tensor;
  /** The cotangent w; the magnitude pass must bound |w| (see `magnitudePass`). */
  readonly cotangent: Tensor;
  readonly magnitudes: Magnitudes;
  readonly forward: (x: Tensor) => Pass;
  readonly backward: (pass: Pass) => (dy: Tensor) => Gradients;
  readonly jvp: (pass: Pass) => (tangents: Tangents) => Tensor;
  readonly random: Random;
  /** Tangent directions, each moving x and every parameter. */
  readonly probes: number;
  /** Whether backward passed the gradient check; the adjoint identity is checked only then. */
  readonly backwardPassed: boolean;
  /** backward(w) of `pass`, when the caller has it already (a backward pass saved). Default: taken here. */
  readonly atCotangent?: Gradients | undefined;
}

/** The `jvp` check, or undefined when the layer's passes have no jvp. */
export function forwardModeCheck(setup: ForwardModeSetup): CheckResult | undefined {
  if (typeof setup.pass.jvp !== 'function') return undefined;
  try {
    return runProbes(setup);
  } catch (error) {
    const detail = error instanceof ForwardModeFailure ? error.message : `${setup.layer.name}.jvp threw: ${describeError(error)}`;
    return { name: 'jvp', ok: false, detail };
  }
}

/** A jvp that breaks the contract (wrong shape, modifies its inputs, non-finite values): ends the check with this message. */
class ForwardModeFailure extends Error {}

function runProbes(setup: ForwardModeSetup): CheckResult {
  const { layer, input, y } = setup;
  const owner = layer.name;
  const w = setup.cotangent.data;
  const gradients = setup.atCotangent ?? setup.backward(setup.pass)(setup.cotangent);
  const variables = movedVariables(setup, gradients);
  const jvpOf = jvpRunner(setup);
  const tangentSetup: TangentSetup = {
    variables,
    inputShape: input.shape,
    cotangent: w,
    y0: y.data,
    yMagnitude: setup.magnitudes.y,
    conditionNoise: conditionNoise(variables),
    outputNow: () => setup.forward(input).y.data.slice(),
    jvp: (tangents) => jvpOf(tangents).data,
  };
  const differenceFailures: string[] = [], adjointFailures: string[] = [];
  let kinkProbes = 0;
  for (let probe = 0; probe < setup.probes; probe++) {
    for (const v of variables) drawDirection(v.direction, v.value.data, setup.random);
    const whole = wholePiece(variables);
    const sampled = firstProbePass(setup, tangentSetup, whole);
    if (!sampled) continue;
    const differences = judgeTangent(tangentSetup, sampled);
    if (!differences.ok) differenceFailures.push(describeMismatch(owner, y.shape, w, differences));
    const kinked = kinkedOutputs(tangentSetup, sampled);
    if (kinked || (differences.ok && differences.kink)) kinkProbes++;
    if (!setup.backwardPassed) continue;
    const adjoint = adjointAlong(setup, tangentSetup, sampled, kinked);
    if (!adjoint.ok) adjointFailures.push(describeAdjoint(adjoint));
  }
  const probes = (count: number) => `${count} of ${setup.probes} probe${setup.probes === 1 ? '' : 's'}`;
  const of = (failures: string[]) => (setup.probes === 1 ? `: ${failures[0]}` : ` along ${probes(failures.length)}, first ${failures[0]}`);
  const problems = [
    ...(differenceFailures.length > 0 ? [`jvp disagrees with finite differences${of(differenceFailures)}`] : []),
    ...(adjointFailures.length > 0 ? [`jvp and backward break the adjoint identity ⟨w, J·t⟩ = ⟨Jᵀw, t⟩${of(adjointFailures)}`] : []),
  ];
  const unchecked = setup.backwardPassed ? [] : ['the adjoint identity was not checked: backward failed the gradient check'];
  if (problems.length > 0) return { name: 'jvp', ok: false, detail: [...problems, ...unchecked].join('; ') };
  const kinks = kinkProbes === 0 ? [] : [`${probes(kinkProbes)} met kinks, where the jvp lies between the one-sided derivatives${setup.backwardPassed ? ' and the adjoint identity leaves the kinked outputs out' : ''}`];
  const notes = [...kinks, ...unchecked];
  return notes.length === 0 ? { name: 'jvp', ok: true } : { name: 'jvp', ok: true, detail: notes.join('; ') };
}

/** x (unless the layer takes indices) and every parameter, each with room for its direction and its part of backward(w). */
function movedVariables(setup: ForwardModeSetup, gradients: Gradients): MovedVariable[] {
  const { layer, input, magnitudes } = setup;
  const moved = [
    ...(layer.indexInput ? [] : [{ name: 'x', value: input, analytic: gradients.dx, isInput: true }]),
    ...Object.entries(layer.params).map(([name, value]) => ({ name, value, analytic: gradients.dParams[name]!, isInput: false })),
  ];
  return moved.map((v) => {
    const analyticMagnitude = magnitudes.gradients.get(v.name);
    return { ...v, direction: new Float64Array(v.value.size), ...(analyticMagnitude && analyticMagnitude.length === v.value.size ? { analyticMagnitude } : {}) };
  });
}

/** The jvp at the check's pass, refused with a message when its result is not a tensor of y's shape. */
function jvpRunner(setup: ForwardModeSetup): (tangents: Tangents) => Tensor {
  const owner = setup.layer.name;
  const run = setup.jvp(setup.pass);
  return (tangents) => {
    const ty = run(tangents);
    if (!(ty instanceof Tensor)) throw new ForwardModeFailure(`${owner}.jvp returned no tensor`);
    if (!sameShape(ty.shape, setup.y.shape)) throw new ForwardModeFailure(`${owner}.jvp returned shape ${formatShape(ty.shape)}, expected the output's shape ${formatShape(setup.y.shape)}`);
    return ty;
  };
}

/**
 * A probe's first jvp, with what it must not do: modify the tangents, x or a parameter, or
 * give non-finite values for finite tangents (unless the layer states why it may). Undefined
 * when the layer may give non-finite values and did: the probe is not compared.
 */
function firstProbePass(setup: ForwardModeSetup, tangentSetup: TangentSetup, whole: Piece): SampledPiece | undefined {
  const { layer } = setup;
  const owner = layer.name;
  const before = whole.map(({ variable }) => variable.value.clone());
  const tangents = tangentsOf(whole, tangentSetup.variables, tangentSetup.inputShape);
  const given = [['x', tangents.x!] as const, ...Object.entries(tangents.params!)].map(([name, t]) => [name, t, t.clone()] as const);
  const ty = tangentSetup.jvp(tangents);
  const changed = [
    ...given.map(([name, t, copy]) => firstChange(owner, `t${name}`, copy, t, 'during jvp')),
    ...whole.map(({ variable }, i) => firstChange(owner, variable.name, before[i]!, variable.value, 'during jvp')),
  ].find((problem) => problem !== undefined);
  if (changed) throw new ForwardModeFailure(changed);
  const nonFinite = describeFirstNonFinite(owner, 'ty', new Tensor(ty, setup.y.shape));
  if (nonFinite && layer.nonFiniteReason) return undefined;
  if (nonFinite) throw new ForwardModeFailure(`${nonFinite} for finite x, parameters and tangents`);
  return samplePiece(tangentSetup, whole, ty);
}

/**
 * The outputs whose finite differences along the probe show a kink (the one-sided derivatives
 * differ beyond their noise), from the samples the probe's judgement already took; undefined
 * when there are none.
 */
function kinkedOutputs(setup: TangentSetup, sampled: SampledPiece): Uint8Array | undefined {
  const w = setup.cotangent;
  const h = stepFor(0);
  const none = { inputNoise: 0, analyticRounding: 0, conditionNoise: 0 };
  let kinked: Uint8Array | undefined;
  for (let i = 0; i < w.length; i++) {
    if (w[i] === 0) continue;
    const estimate = estimateDerivative(rangeChange(setup, sampled, { start: i, end: i + 1 }), h);
    if (judge(w[i]! * sampled.ty[i]!, estimate, none).kink) (kinked ??= new Uint8Array(w.length))[i] = 1;
  }
  return kinked;
}

/** The adjoint identity along the probe, with the kinked outputs left out of w; localised when it fails. */
function adjointAlong(setup: ForwardModeSetup, tangentSetup: TangentSetup, sampled: SampledPiece, kinked: Uint8Array | undefined): AdjointComparison {
  let variables = tangentSetup.variables;
  let w = tangentSetup.cotangent;
  if (kinked) {
    w = w.map((value, i) => (kinked[i] ? 0 : value));
    const masked = setup.backward(setup.pass)(new Tensor(w, setup.y.shape));
    variables = variables.map((v) => ({ ...v, analytic: v.isInput ? masked.dx : masked.dParams[v.name]! }));
  }
  const piece = sampled.piece.map((span, i) => ({ ...span, variable: variables[i]! }));
  const outputScale = largestFinite(tangentSetup.y0, tangentSetup.yMagnitude);
  const comparison = compareAdjoint(piece, sampled.ty, w, outputScale);
  if (comparison.ok) return comparison;
  return localiseAdjoint(comparison, w, outputScale, (half) => tangentSetup.jvp(tangentsOf(half, variables, tangentSetup.inputShape)));
}

/** The largest finite |a_i| or |b_i|. */
function largestFinite(a: Float64Array, b: Float64Array): number {
  let largest = 0;
  for (let i = 0; i < a.length; i++) {
    const m = Math.max(Math.abs(a[i]!), Math.abs(b[i]!));
    if (m > largest && m !== Infinity) largest = m;
  }
  return largest;
}

/** `∂y[0, 3]/∂W[1, 2]: jvp 0.5, finite differences 0.7 (…)` for one output and coordinate; ⟨w, ty⟩ over the outputs and tangent otherwise. */
function describeMismatch(owner: string, yShape: readonly number[], w: Float64Array, mismatch: TangentMismatch): string {
  const { piece, outputs, analytic, judgement } = mismatch;
  const error = `rel. error ${formatError(relativeError(analytic, judgement.numeric))}`;
  if (outputs.end - outputs.start === 1 && pieceSize(piece) === 1) {
    const { variable, start } = piece[0]!;
    const scale = w[outputs.start]! * variable.direction[start]!;
    const entry = `∂y[${unflatIndex(yShape, outputs.start).join(', ')}]/∂${describePiece(piece)}`;
    const kink = judgement.kink ? `, a kink: one-sided ${formatNumber(judgement.kink.left / scale)} and ${formatNumber(judgement.kink.right / scale)}` : '';
    return `${owner}: ${entry}: jvp ${formatNumber(analytic / scale)}, finite differences ${formatNumber(judgement.numeric / scale)} (${error}, tolerance ${formatError(judgement.tolerance / Math.abs(scale))})${kink}`;
  }
  const over = outputs.end - outputs.start === w.length ? 'every output' : `y[${unflatIndex(yShape, outputs.start).join(', ')}]…y[${unflatIndex(yShape, outputs.end - 1).join(', ')}]`;
  return `${owner}: ⟨w, ty⟩ over ${over} along ${describePiece(piece)}: jvp ${formatNumber(analytic)}, finite differences ${formatNumber(judgement.numeric)} (${error}, tolerance ${formatError(judgement.tolerance)})`;
}

/** At one coordinate k: ⟨w, J·e_k⟩ by jvp against (Jᵀw)_k by backward; else the inner products over the piece. */
function describeAdjoint({ piece, fromJvp, fromBackward, tolerance }: AdjointComparison): string {
  const gap = (scale: number) => `difference ${formatError(Math.abs(fromJvp - fromBackward) / scale)}, tolerance ${formatError(tolerance / scale)}`;
  if (pieceSize(piece) === 1) {
    const { variable, start } = piece[0]!;
    const t = variable.direction[start]!;
    const at = describePiece(piece);
    return `at ${at}, jvp gives ⟨w, ∂y/∂${at}⟩ = ${formatNumber(fromJvp / t)}, backward ${formatNumber(fromBackward / t)} (${gap(Math.abs(t))})`;
  }
  return `along ${describePiece(piece)}, ⟨w, ty⟩ = ${formatNumber(fromJvp)} from jvp, ⟨backward(w), t⟩ = ${formatNumber(fromBackward)} (${gap(1)})`;
}
