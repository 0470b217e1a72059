/**
 * The checks beside the gradient for a layer: shapes and keys of the gradients, finite
 * values, determinism, linearity in dy, and zero gradients for a zero dy. Each returns a
 * named {@link CheckResult} whose detail names the layer, the tensor and the index.
 */
import { Tensor, describe, formatShape, sameShape, zeros } from '../tensor/tensor.ts';
import type { Gradients, Layer } from '../layers/contract.ts';
import type { CheckName, CheckResult } from './report/report.ts';
import { combine, describeFirstNonFinite, firstChange, firstDeviation, limitsWhereFinite, maxNorm } from './numeric/tensorChecks.ts';
import { observedRounding } from './numeric/observedRounding.ts';
import { workingEpsilon } from './numeric/precision.ts';

/** A gradient tensor with its report name: `dx`, `dW`, `db`… */
export type NamedTensor = readonly [name: string, tensor: Tensor];

/** dx and every dParams entry, named. */
export function gradientList(gradients: Gradients): NamedTensor[] {
  return [['dx', gradients.dx], ...Object.entries(gradients.dParams).map(([key, t]): NamedTensor => [`d${key}`, t])];
}

/** A passing check, or a failing one with its first problem. */
export function verdict(name: CheckName, problems: readonly (string | undefined)[]): CheckResult {
  const found = problems.filter((p): p is string => p !== undefined);
  return found.length === 0 ? { name, ok: true } : { name, ok: false, detail: found.join('; ') };
}

/** backward returns dx of x's shape and, for every parameter and no other key, a gradient of its shape. */
export function shapeCheck(layer: Layer, x: Tensor, gradients: Gradients): CheckResult {
  const owner = layer.name;
  const problems: string[] = [];
  if (!(gradients.dx instanceof Tensor)) problems.push(`${owner}: backward returned ${describe(gradients.dx)} as dx; expected a Tensor of x's shape ${formatShape(x.shape)}`);
  else if (!sameShape(gradients.dx.shape, x.shape)) problems.push(`${owner}.dx has shape ${formatShape(gradients.dx.shape)}, expected x's shape ${formatShape(x.shape)}`);
  const dParams = gradients.dParams ?? {};
  for (const [key, param] of Object.entries(layer.params)) {
    const gradient = dParams[key];
    if (gradient === undefined) problems.push(`${owner}: backward returned no gradient for the parameter '${key}'`);
    else if (!(gradient instanceof Tensor)) problems.push(`${owner}: the gradient for '${key}' is ${describe(gradient)}; expected a Tensor of shape ${formatShape(param.shape)}`);
    else if (!sameShape(gradient.shape, param.shape)) problems.push(`${owner}.d${key} has shape ${formatShape(gradient.shape)}, expected ${formatShape(param.shape)}`);
  }
  for (const key of Object.keys(dParams)) {
    if (!(key in layer.params)) problems.push(`${owner}: backward returned a gradient for '${key}', which is not a parameter (parameters: ${Object.keys(layer.params).join(', ') || 'none'})`);
  }
  return verdict('gradient shapes', problems);
}

/** No NaN or ±∞ in the given tensors, unless the layer states why it may produce them. */
export function finiteCheck(owner: string, tensors: readonly NamedTensor[], nonFiniteReason?: string): CheckResult {
  if (nonFiniteReason) return { name: 'finite values', ok: true, detail: `skipped: ${nonFiniteReason}` };
  return verdict('finite values', tensors.map(([name, t]) => describeFirstNonFinite(owner, name, t)));
}

/** The same computation twice gives the same bits. */
export function determinismCheck(owner: string, pairs: readonly (readonly [name: string, first: Tensor, second: Tensor, when: string])[]): CheckResult {
  return verdict('deterministic', pairs.map(([name, first, second, when]) => firstChange(owner, name, first, second, when)));
}

/**
 * backward(2·dy − dy₂) = 2·backward(dy) − backward(dy₂), element by element within
 * √ε·(the tensor's magnitude) + 64·ε·(the largest gradient magnitude + the magnitude of the
 * element's terms): rounding stays far below that, a nonlinear backward far above. The second
 * term covers gradients that are zero in exact arithmetic and come out as rounding residue.
 * `termMagnitudes` are the magnitude pass's gradients (by variable name: `x`, `W`…). Entries
 * where backward(dy) itself is not finite are left to the `finite values` check.
 *
 * `known.atDy2` is backward(dy₂) of the same pass when the caller takes it (to hand it on to the
 * jvp check's adjoint identity): it must come right before this check, after the magnitude
 * pass, as backward(dy) and backward(2·dy − dy₂) here do, so that a layer keeping state between
 * passes shows it to `passes in flight` and not here. backward(dy) is taken again for that
 * reason, not reused from the first backward.
 *
 * Two more allowances follow the magnitudes that the backward sums where its result is far
 * smaller than they are:
 * - below 4·ε·`outputSize`·(2·|dy| + |dy₂|)·max(1, `inputSize`), the rounding of the terms
 *   ⟨dy, y⟩ is made of, times the largest |x| or |θ| that a derivative of it may multiply them
 *   by (`outputSize` is the largest |y|, default 0; `inputSize` the largest |x| or |θ|, default
 *   1), a gradient is zero to working precision: a softmax row saturated to 1 − 1e-41 loses the
 *   small weight's product to the large one's for one dy and keeps it for another, and a
 *   temperature β of softmax(β·x) at two tied logits of x = −1000 gets dβ = Σ x·dz, terms of
 *   270 that cancel to 0 up to their rounding, 1e-13, which no magnitude of the gradients shows;
 * - where an element deviates by more, the backward may have subtracted nearly equal terms,
 *   whose rounding no magnitude of the result shows: if the backward is exactly odd and
 *   homogeneous, the identity's deviation at two more pairs of cotangents is observed (see
 *   `observedRounding`, ten more backward passes) and 16 times it allowed.
 */
export function linearityCheck(
  owner: string,
  backward: (dy: Tensor) => Gradients,
  dy: Tensor,
  dy2: Tensor,
  termMagnitudes: ReadonlyMap<string, Float64Array>,
  outputSize = 0,
  known: { readonly atDy2?: Gradients; readonly inputSize?: number } = {},
): CheckResult {
  const named = (cotangent: Tensor) => new Map(gradientList(backward(cotangent)));
  const mixedDy = combine(2, dy, -1, dy2);
  const first = named(dy);
  const second = known.atDy2 ? new Map(gradientList(known.atDy2)) : named(dy2);
  const mixed = named(mixedDy);
  const scales = new Map([...first].map(([name, g1]) => [name, 2 * maxNorm(g1) + maxNorm(second.get(name) ?? g1) + maxNorm(mixed.get(name) ?? g1)]));
  const largest = Math.max(0, ...[...scales.values()].filter(Number.isFinite));
  const epsilon = workingEpsilon();
  const inputSize = known.inputSize !== undefined && Number.isFinite(known.inputSize) ? Math.max(1, known.inputSize) : 1;
  const zeroToWorkingPrecision = 4 * epsilon * outputSize * (2 * maxNorm(dy) + maxNorm(dy2)) * inputSize;
  const limits = (name: string, reference: Tensor, observed = 0) => {
    // 64·2⁻¹⁰⁷⁴: below the smallest normal number every result rounds to a multiple of 2⁻¹⁰⁷⁴, which ε of it underflows below.
    const allowed = Math.sqrt(epsilon) * scales.get(name)! + 64 * epsilon * largest + zeroToWorkingPrecision + observedRoundingFactor * observed + 64 * Number.MIN_VALUE;
    return limitsWhereFinite(reference.data, allowed, termMagnitudes.get(name.slice(1)), 64 * epsilon);
  };
  const problemsWith = (observed: ReadonlyMap<string, number>) => [...first].map(([name, g1]) => {
    const g2 = second.get(name), g12 = mixed.get(name);
    if (!g2 || !g12 || !sameShape(g2.shape, g1.shape) || !sameShape(g12.shape, g1.shape)) return `${owner}.${name} is missing or changes shape with dy`;
    const deviation = firstDeviation(owner, name, g12, combine(2, g1, -1, g2), limits(name, g1, observed.get(name)));
    return deviation && `backward(2·dy − dy₂): ${deviation} = 2·backward(dy) − backward(dy₂)`;
  });
  const problems = problemsWith(new Map());
  if (problems.every((p) => p === undefined)) return verdict('linear in dy', problems);
  const fits = (name: string, actual: Tensor, expected: Tensor) => firstDeviation(owner, name, actual, expected, limits(name, expected)) === undefined;
  const observed = observedRounding(named, { dy, dy2, atDy: first, atDy2: second, atMixed: mixed }, fits);
  return verdict('linear in dy', observed ? problemsWith(observed) : problems);
}

/** The identity's three backwards each carry up to the observed rounding, with a margin for a cotangent whose rounding happened to change little. */
const observedRoundingFactor = 16;

/**
 * A zero dy gives gradients that are exactly zero. Entries where `reference` (the gradients
 * for the check's dy) is not finite are left to the `finite values` check.
 */
export function zeroCheck(owner: string, backward: (dy: Tensor) => Gradients, shape: readonly number[], reference: Gradients): CheckResult {
  const finite = new Map(gradientList(reference));
  const problems = gradientList(backward(zeros(shape))).map(([name, g]) => {
    const r = finite.get(name);
    const deviation = firstDeviation(owner, name, g, zeros(g.shape), r && r.size === g.size ? limitsWhereFinite(r.data, 0) : 0);
    return deviation && `${deviation} for dy = 0`;
  });
  return verdict('zero dy gives zero gradients', problems);
}
