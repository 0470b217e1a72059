/**
 * A layer as the verifier's objective: g = ⟨dy, f(x; θ)⟩ read as its change from the first
 * output y, over the outputs that moved (see `objective.ts`). The same objective is built where
 * the check runs and in each worker that judges a share of full mode's coordinates, so that
 * both take the very same samples.
 */
import type { Tensor } from '../../tensor/tensor.ts';
import type { Gradients, Pass } from '../../layers/contract.ts';
import { movedOutputs, outputChange, type Objective, type Variable } from './objective.ts';

/** The point a layer is checked at: the live input the variables move, its first output and the cotangent. */
export interface LayerPoint {
  /** The input the layer sees; x's variable moves it in place. */
  readonly input: Tensor;
  /** The output at the unmoved point (a copy). */
  readonly y: Tensor;
  readonly dy: Tensor;
  /** The magnitude of the terms each output is summed from (see `magnitudePass.ts`). */
  readonly yMagnitude: Float64Array;
}

/**
 * The objective over `variables` (tensors the layer reads: its input and its parameters, moved
 * in place); `forward` and `backward` are the calls the check counts.
 */
export function layerObjective(
  variables: readonly Variable[],
  { input, y, dy, yMagnitude }: LayerPoint,
  forward: (x: Tensor) => Pass,
  backward: (pass: Pass) => (dy: Tensor) => Gradients,
): Objective {
  let latest = y.data;
  return {
    variables,
    change: () => outputChange(dy.data, y.data, (latest = forward(input).y.data), yMagnitude),
    movedOutputs: () => movedOutputs(dy.data, y.data, latest),
    outputs: { dy: dy.data, y0: y.data, current: () => latest },
    gradientAt: (name: string) => {
      const here = backward(forward(input))(dy);
      return (name === 'x' ? here.dx : here.dParams[name]!).data;
    },
  };
}
