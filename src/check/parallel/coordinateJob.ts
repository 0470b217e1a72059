/**
 * One worker's share of full mode: the coordinates [start, end) of the variables laid end to
 * end, judged alone at the check's point. The job carries the point as data (parameters,
 * buffers, input, first output, cotangent, analytic gradients and their magnitudes); the worker
 * writes it into its own layer, and judges with the same objective and the same code as the
 * thread that runs the check, so each judgement is the one that thread would have made.
 *
 * Before judging, the worker's layer must give the check's output y bit for bit at the point:
 * a layer built again that differs (another factory under the same name, state the source does
 * not rebuild) is refused, and its share is judged where the check runs.
 */
import { Tensor, sameShape } from '../../tensor/tensor.ts';
import type { ForwardContext, Layer } from '../../layers/contract.ts';
import { judgeCoordinateRange, type VariableJudgements } from '../numeric/fullMode.ts';
import { layerObjective } from '../numeric/layerObjective.ts';
import type { Span, Variable } from '../numeric/objective.ts';
import type { LayerSource } from './layerSource.ts';
import { messageOf } from '../../util/errorText.ts';

/** A variable as sent: which tensor it is and the gradient to check; its value is the worker's own input or parameter. */
export interface VariableData {
  /** `'x'` or a parameter's name. */
  readonly name: string;
  readonly analytic: Float64Array;
  readonly analyticMagnitude?: Float64Array | undefined;
}

/** Everything a worker needs to judge a share of the coordinates. */
export interface CoordinateJob {
  readonly source: LayerSource;
  readonly context: ForwardContext;
  readonly params: Readonly<Record<string, Float64Array>>;
  readonly buffers: Readonly<Record<string, Float64Array>>;
  readonly input: { readonly data: Float64Array; readonly shape: readonly number[] };
  readonly y: { readonly data: Float64Array; readonly shape: readonly number[] };
  readonly dy: Float64Array;
  readonly yMagnitude: Float64Array;
  readonly variables: readonly VariableData[];
  readonly conditionNoise: number;
  readonly range: Span;
}

/** A worker's answer: its judgements and the forward passes they took, or why it judged none. */
export type CoordinateAnswer =
  | { readonly ok: true; readonly judgements: VariableJudgements[]; readonly forward: number }
  | { readonly ok: false; readonly reason: string };

/** Judges a job's range with `layer` (fresh from the job's source); never throws. */
export function judgeJob(layer: Layer, job: CoordinateJob): CoordinateAnswer {
  try {
    const mismatch = loadPoint(layer, job);
    if (mismatch !== undefined) return { ok: false, reason: mismatch };
    const input = new Tensor(Float64Array.from(job.input.data), job.input.shape);
    const first = layer.forward(input, job.context).y;
    if (!sameShape(first.shape, job.y.shape) || !first.data.every((v, i) => Object.is(v, job.y.data[i]))) {
      return { ok: false, reason: `${layer.name}, built again from its source, does not give the check's output at the check's point` };
    }
    let forward = 0;
    const counted = (x: Tensor) => {
      forward++;
      return layer.forward(x, job.context);
    };
    const variables: Variable[] = job.variables.map((v) => ({
      name: v.name,
      value: v.name === 'x' ? input : layer.params[v.name]!,
      analytic: new Tensor(v.analytic, v.name === 'x' ? input.shape : layer.params[v.name]!.shape),
      ...(v.analyticMagnitude ? { analyticMagnitude: v.analyticMagnitude } : {}),
    }));
    const point = { input, y: new Tensor(job.y.data, job.y.shape), dy: new Tensor(job.dy, job.y.shape), yMagnitude: job.yMagnitude };
    const objective = { ...layerObjective(variables, point, counted, (pass) => pass.backward), conditionNoise: job.conditionNoise };
    return { ok: true, judgements: judgeCoordinateRange(objective, job.range), forward };
  } catch (error) {
    return { ok: false, reason: `it threw: ${messageOf(error)}` };
  }
}

/** Writes the job's parameters and buffers into the layer; says what does not fit, if anything. */
function loadPoint(layer: Layer, job: CoordinateJob): string | undefined {
  const fits = (own: Readonly<Record<string, Tensor>>, sent: Readonly<Record<string, Float64Array>>) =>
    Object.keys(own).length === Object.keys(sent).length && Object.entries(sent).every(([key, data]) => own[key]?.size === data.length);
  if (!fits(layer.params, job.params) || !fits(layer.buffers ?? {}, job.buffers)) {
    return `${layer.name}, built again from its source, does not have the check's parameters and buffers`;
  }
  for (const [key, data] of Object.entries(job.params)) layer.params[key]!.data.set(data);
  for (const [key, data] of Object.entries(job.buffers)) layer.buffers![key]!.data.set(data);
  return undefined;
}
