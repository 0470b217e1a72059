/**
 * One case of the differential check: a float32 layer against its float64 twin at the same
 * point (x, θ, dy all rounded to float32, so both compute from identical values).
 *
 * The twin's results are exact to float64, so what separates the two is float32's rounding
 * inside the layer alone. Two measured quantities bound it, entry by entry:
 * - m_i, the magnitude of the terms the entry is summed from (the twin's magnitude pass on
 *   |x|, |θ|, |dy|, see `magnitudePass`): a sum of products rounds by a few ε·m_i;
 * - s_i, how far the twin's entry moves when every input (x, θ, dy) is moved by a random
 *   relative ±2ε₃₂ plus ±ε₃₂ of its tensor's largest entry, the largest over
 *   {@link perturbations} draws: a computation that is backward stable in float32 (each result
 *   exact for inputs off by a few ε) differs from the exact one by about that much, however its
 *   terms cancel (softmax of logits 1e3 apart, a layer norm whose ε = 1e-3 is lost against a
 *   variance of 1.6e5 in float32, which the share of the largest entry stands for).
 *
 *   allowed_i = 32·ε₃₂·max(m_i, |twin_i|) + 4·ε₃₂·max_j max(m_j, |twin_j|) + 8·s_i,   ε₃₂ = 2⁻²³
 *
 * the second term a small share of the tensor's largest entry, for rounding that carries
 * between entries. Finite differences in float32 resolve about 1e-3 of a derivative; this
 * comparison resolves about 1e-5 of the terms, far below that.
 */
import { Tensor, formatShape, sameShape, unflatIndex } from '../tensor/tensor.ts';
import type { ForwardContext, Gradients, Layer, Pass } from '../layers/contract.ts';
import { magnitudePass } from '../check/numeric/magnitudePass.ts';
import { machineEpsilon, roundedToFloat32 } from '../check/numeric/precision.ts';
import { createRandom } from '../tensor/random.ts';
import { describeError } from '../util/errorText.ts';

/** Roundings of its own terms each entry may carry. */
export const ownTermsFactor = 32;
/** Roundings of the tensor's largest entry each entry may carry. */
export const largestEntryFactor = 4;
/** Times the spread s_i of the twin under perturbed inputs each entry may differ. */
export const perturbedSpreadFactor = 8;
/** Draws of perturbed inputs the spread is the largest of. */
export const perturbations = 3;

/** An entry where the layer and its twin differ by more than float32 rounding allows. */
export interface TwinDisagreement {
  /** `'y'`, `'dx'` or `'d' + parameter name`. */
  readonly tensor: string;
  /** Multi-index of the entry. */
  readonly index: readonly number[];
  /** The float32 layer's value. */
  readonly value: number;
  /** The float64 twin's value. */
  readonly twin: number;
  /** The difference allowed there. */
  readonly tolerance: number;
}

/** The outcome of one case. */
export interface TwinComparison {
  /** True when every entry of y, dx and every dθ agrees within its tolerance. */
  readonly ok: boolean;
  /** Entries compared. */
  readonly compared: number;
  /** The disagreements, largest (relative to tolerance) first. */
  readonly disagreements: readonly TwinDisagreement[];
  /** Set when the two cannot be compared at all (a shape differs, a call threw). */
  readonly problem?: string | undefined;
}

/** A case: x, the parameter values and dy, float64 values that are rounded to float32 before use. */
export interface TwinPoint {
  /** The input, batch axis first. */
  readonly x: Tensor;
  /** Values for every parameter of both layers, by name, each of its parameter's size. */
  readonly params: Readonly<Record<string, Float64Array>>;
  /** The cotangent, of the output's shape. */
  readonly dy: Tensor;
}

/** Runs both layers at the point and compares y, dx and every parameter gradient. */
export function compareWithTwin(layer: Layer, twin: Layer, point: TwinPoint, context: ForwardContext): TwinComparison {
  const x = new Tensor(roundedToFloat32(point.x.data), point.x.shape);
  const dy = new Tensor(roundedToFloat32(point.dy.data), point.dy.shape);
  for (const [key, values] of Object.entries(point.params)) {
    layer.params[key]!.data.set(roundedToFloat32(values));
    twin.params[key]!.data.set(roundedToFloat32(values));
  }
  let stage = 'forward';
  try {
    const ours = layer.forward(x, context);
    const theirs = twin.forward(x, context);
    stage = 'backward';
    const pairs: [string, Tensor, Tensor][] = [['y', ours.y, theirs.y]];
    const gradients = ours.backward(dy), twinGradients = theirs.backward(dy);
    pairs.push(['dx', gradients.dx, twinGradients.dx]);
    for (const key of Object.keys(twin.params)) pairs.push([`d${key}`, gradients.dParams[key]!, twinGradients.dParams[key]!]);
    stage = 'magnitude pass';
    const magnitudes = twinMagnitudes(twin, x, dy, context);
    stage = 'perturbed twin';
    const spreads = perturbedSpreads(twin, x, dy, context, pairs.map(([name, , reference]) => [name, reference] as const));
    const disagreements: TwinDisagreement[] = [];
    let compared = 0;
    for (const [name, value, reference] of pairs) {
      if (!(value instanceof Tensor) || !sameShape(value.shape, reference.shape)) {
        return { ok: false, compared, disagreements, problem: `${layer.name}: ${name} has shape ${value instanceof Tensor ? formatShape(value.shape) : String(value)}, its twin's has ${formatShape(reference.shape)}` };
      }
      const magnitude = name === 'y' ? magnitudes.y : magnitudes.gradients.get(name === 'dx' ? 'x' : name.slice(1));
      compared += value.size;
      disagreements.push(...entriesApart(name, value, reference, magnitude, spreads.get(name)!));
    }
    disagreements.sort((a, b) => Math.abs(b.value - b.twin) / b.tolerance - Math.abs(a.value - a.twin) / a.tolerance);
    return { ok: disagreements.length === 0, compared, disagreements };
  } catch (error) {
    const reason = describeError(error);
    return { ok: false, compared: 0, disagreements: [], problem: `${stage} threw: ${reason}` };
  }
}

/** The entries of `value` farther from `reference` than float32 rounding allows (see the file's comment); NaN where the twin is finite counts as apart. */
function entriesApart(name: string, value: Tensor, reference: Tensor, magnitude: Float64Array | undefined, spread: Float64Array): TwinDisagreement[] {
  const epsilon = machineEpsilon.float32;
  const scale = (i: number) => Math.max(Math.abs(reference.data[i]!), magnitude && magnitude.length === reference.size ? magnitude[i]! : 0);
  let largest = 0;
  for (let i = 0; i < reference.size; i++) if (Number.isFinite(scale(i))) largest = Math.max(largest, scale(i));
  const apart: TwinDisagreement[] = [];
  for (let i = 0; i < reference.size; i++) {
    const ours = value.data[i]!, theirs = reference.data[i]!;
    if (Object.is(ours, theirs)) continue;
    const tolerance = ownTermsFactor * epsilon * scale(i) + largestEntryFactor * epsilon * largest + perturbedSpreadFactor * spread[i]!;
    if (Math.abs(ours - theirs) <= tolerance) continue;
    apart.push({ tensor: name, index: unflatIndex(value.shape, i), value: ours, twin: theirs, tolerance });
  }
  return apart;
}

/**
 * s_i for every entry of y, dx and each dθ: the largest |twin_i(perturbed) − twin_i| over
 * {@link perturbations} draws that move x, θ and dy each by a relative uniform ±2ε₃₂ and by
 * ±ε₃₂ of the tensor's largest entry (seeded,
 * so a case's tolerance is reproducible); the twin's parameters restored afterwards. A
 * non-finite deviation counts as none: non-finite values are compared as they are.
 */
function perturbedSpreads(twin: Layer, x: Tensor, dy: Tensor, context: ForwardContext, references: readonly (readonly [string, Tensor])[]): Map<string, Float64Array> {
  const random = createRandom(1);
  const epsilon = machineEpsilon.float32;
  const jitter = (data: Float64Array) => {
    const largest = finiteLargest(data);
    return data.map((v) => v * (1 + 2 * epsilon * (2 * random.uniform() - 1)) + epsilon * largest * (2 * random.uniform() - 1));
  };
  const spreads = new Map(references.map(([name, reference]) => [name, new Float64Array(reference.size)]));
  const saved = Object.entries(twin.params).map(([key, t]) => [key, t.data.slice()] as const);
  try {
    for (let draw = 0; draw < perturbations; draw++) {
      for (const [key, data] of saved) twin.params[key]!.data.set(jitter(data));
      const pass = twin.forward(new Tensor(jitter(x.data), x.shape), context);
      const gradients = pass.backward(new Tensor(jitter(dy.data), dy.shape));
      const moved = new Map<string, Tensor>([['y', pass.y], ['dx', gradients.dx], ...Object.entries(gradients.dParams).map(([key, t]) => [`d${key}`, t] as const)]);
      for (const [name, reference] of references) {
        const here = moved.get(name), spread = spreads.get(name)!;
        if (!here || here.size !== reference.size) continue;
        for (let i = 0; i < spread.length; i++) {
          const deviation = Math.abs(here.data[i]! - reference.data[i]!);
          if (Number.isFinite(deviation) && deviation > spread[i]!) spread[i] = deviation;
        }
      }
    }
  } finally {
    for (const [key, data] of saved) twin.params[key]!.data.set(data);
  }
  return spreads;
}

/** max |v| over the finite entries; 0 for none. */
function finiteLargest(data: Float64Array): number {
  let largest = 0;
  for (const v of data) if (Number.isFinite(v)) largest = Math.max(largest, Math.abs(v));
  return largest;
}

/** The twin's magnitude pass at the point, its parameters restored afterwards. */
function twinMagnitudes(twin: Layer, x: Tensor, dy: Tensor, context: ForwardContext) {
  const saved = Object.entries(twin.params).map(([key, t]) => [key, t.data.slice()] as const);
  try {
    return magnitudePass(twin, x, dy, (input: Tensor): Pass => twin.forward(input, context), (pass: Pass) => (cotangent: Tensor): Gradients => pass.backward(cotangent));
  } finally {
    for (const [key, data] of saved) twin.params[key]!.data.set(data);
  }
}
