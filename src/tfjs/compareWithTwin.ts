/**
 * One case of the differential check: a float32 layer against its float64 twin at the same
 * point (x, θ, dy all rounded to float32, so both compute from identical values).
 *
 * The twin's results are exact to float64, so what separates the two is float32's rounding
 * inside the layer alone, and it is bounded by the magnitudes of the terms each result is
 * summed from (the twin's magnitude pass: |x|, |θ|, |dy|, see `magnitudePass`): entry i may
 * differ by
 *
 *   allowed_i = 32·ε₃₂·max(m_i, |twin_i|) + 4·ε₃₂·max_j max(m_j, |twin_j|),   ε₃₂ = 2⁻²³
 *
 * the first term a few dozen roundings of its own terms, the second a small share of the
 * tensor's largest entry for rounding that cancellation carries between entries (a layer
 * norm's x − mean). Finite differences in float32 resolve about 1e-3 of a derivative at best;
 * this comparison resolves 1e-5 of the terms, far below that.
 */
import { Tensor, formatShape, sameShape, unflatIndex } from '../tensor/tensor.ts';
import type { ForwardContext, Gradients, Layer, Pass } from '../layers/contract.ts';
import { magnitudePass } from '../check/magnitudePass.ts';
import { machineEpsilon, roundedToFloat32 } from '../check/precision.ts';

/** Roundings of its own terms each entry may carry. */
export const ownTermsFactor = 32;
/** Roundings of the tensor's largest entry each entry may carry. */
export const largestEntryFactor = 4;

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
  readonly problem?: string;
}

/** A case: x, the parameter values and dy, float64 values that are rounded to float32 before use. */
export interface TwinPoint {
  readonly x: Tensor;
  readonly params: Readonly<Record<string, Float64Array>>;
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
    const disagreements: TwinDisagreement[] = [];
    let compared = 0;
    for (const [name, value, reference] of pairs) {
      if (!(value instanceof Tensor) || !sameShape(value.shape, reference.shape)) {
        return { ok: false, compared, disagreements, problem: `${layer.name}: ${name} has shape ${value instanceof Tensor ? formatShape(value.shape) : String(value)}, its twin's has ${formatShape(reference.shape)}` };
      }
      const magnitude = name === 'y' ? magnitudes.y : magnitudes.gradients.get(name === 'dx' ? 'x' : name.slice(1));
      compared += value.size;
      disagreements.push(...entriesApart(name, value, reference, magnitude));
    }
    disagreements.sort((a, b) => Math.abs(b.value - b.twin) / b.tolerance - Math.abs(a.value - a.twin) / a.tolerance);
    return { ok: disagreements.length === 0, compared, disagreements };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ok: false, compared: 0, disagreements: [], problem: `${stage} threw: ${reason}` };
  }
}

/** The entries of `value` farther from `reference` than float32 rounding allows (see the file's comment); NaN where the twin is finite counts as apart. */
function entriesApart(name: string, value: Tensor, reference: Tensor, magnitude: Float64Array | undefined): TwinDisagreement[] {
  const epsilon = machineEpsilon.float32;
  const scale = (i: number) => Math.max(Math.abs(reference.data[i]!), magnitude && magnitude.length === reference.size ? magnitude[i]! : 0);
  let largest = 0;
  for (let i = 0; i < reference.size; i++) if (Number.isFinite(scale(i))) largest = Math.max(largest, scale(i));
  const apart: TwinDisagreement[] = [];
  for (let i = 0; i < reference.size; i++) {
    const ours = value.data[i]!, theirs = reference.data[i]!;
    if (Object.is(ours, theirs)) continue;
    const tolerance = ownTermsFactor * epsilon * scale(i) + largestEntryFactor * epsilon * largest;
    if (Math.abs(ours - theirs) <= tolerance) continue;
    apart.push({ tensor: name, index: unflatIndex(value.shape, i), value: ours, twin: theirs, tolerance });
  }
  return apart;
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
