/**
 * The two merges a graph may use to join branches. Both wait for every input of a sweep.
 *
 * - add: y = x₁ + x₂ + … (residual connections); every input must have the same shape, and
 *   backward hands dy unchanged to every input: ∂L/∂xᵢ = dy.
 * - concat: joins the inputs along the last axis; every other axis must agree, and backward
 *   cuts dy back into the inputs' widths.
 */
import { Tensor, ShapeError, formatShape, sameShape } from '../tensor/tensor.ts';

/** An input of a merge at build time: the producing node's name and its features. */
export interface MergeInput {
  /** The producing node's unique name, for error messages. */
  readonly node: string;
  /** The producer's output shape without the batch axis. */
  readonly features: readonly number[];
}

/** A multi-input, parameter-free operation. */
export interface Merge {
  /** Which merge: the element-wise sum or the concatenation along the last axis. */
  readonly name: 'add' | 'concat';
  /** Output features; throws a ShapeError naming the merge node, both inputs and both shapes. */
  outputShape(node: string, inputs: readonly MergeInput[]): readonly number[];
  /** The merged output of one sweep's inputs, in slot order; the inputs are not modified. */
  forward(inputs: readonly Tensor[]): Tensor;
  /** One gradient per input, each of that input's shape. */
  backward(dy: Tensor, inputs: readonly Tensor[]): Tensor[];
}

/** Element-wise sum of every input. */
export const addMerge: Merge = Object.freeze({
  name: 'add' as const,
  outputShape(node: string, inputs: readonly MergeInput[]) {
    const [first] = inputs;
    for (const other of inputs.slice(1)) {
      if (!sameShape(first!.features, other.features)) {
        throw new ShapeError(
          `${node}: cannot add ${first!.node} ${formatShape(first!.features)} and ${other.node} ${formatShape(other.features)}; ` +
            `expected every input to have the same features`,
        );
      }
    }
    return first!.features.slice();
  },
  forward(inputs: readonly Tensor[]) {
    const out = inputs[0]!.data.slice();
    for (let k = 1; k < inputs.length; k++) {
      const data = inputs[k]!.data;
      for (let i = 0; i < out.length; i++) out[i]! += data[i]!;
    }
    return new Tensor(out, inputs[0]!.shape);
  },
  backward(dy: Tensor, inputs: readonly Tensor[]) {
    return inputs.map(() => dy);
  },
});

/** Concatenation along the last axis. */
export const concatMerge: Merge = Object.freeze({
  name: 'concat' as const,
  outputShape(node: string, inputs: readonly MergeInput[]) {
    const [first] = inputs;
    const lead = (features: readonly number[]) => features.slice(0, -1);
    let width = 0;
    for (const input of inputs) {
      if (input.features.length === 0) {
        throw new ShapeError(`${node}: cannot concatenate ${input.node}, whose features ${formatShape(input.features)} have no axis`);
      }
      if (!sameShape(lead(first!.features), lead(input.features))) {
        throw new ShapeError(
          `${node}: cannot concatenate ${first!.node} ${formatShape(first!.features)} and ${input.node} ${formatShape(input.features)}; ` +
            `expected every axis but the last to agree`,
        );
      }
      width += input.features[input.features.length - 1]!;
    }
    return [...lead(first!.features), width];
  },
  forward(inputs: readonly Tensor[]) {
    const widths = inputs.map(lastAxis);
    const total = widths.reduce((a, w) => a + w, 0);
    const first = inputs[0]!;
    const rows = leadingSize(first);
    const out = new Float64Array(rows * total);
    let column = 0;
    inputs.forEach((input, k) => {
      const width = widths[k]!;
      for (let r = 0; r < rows; r++) out.set(input.data.subarray(r * width, (r + 1) * width), r * total + column);
      column += width;
    });
    return new Tensor(out, [...first.shape.slice(0, -1), total]);
  },
  backward(dy: Tensor, inputs: readonly Tensor[]) {
    const total = lastAxis(dy);
    const rows = leadingSize(dy);
    let column = 0;
    return inputs.map((input) => {
      const width = lastAxis(input);
      const dx = new Float64Array(input.size);
      for (let r = 0; r < rows; r++) dx.set(dy.data.subarray(r * total + column, r * total + column + width), r * width);
      column += width;
      return new Tensor(dx, input.shape);
    });
  },
});

function lastAxis(t: Tensor): number {
  return t.shape[t.rank - 1]!;
}

/** The number of rows: the product of every axis but the last. */
function leadingSize(t: Tensor): number {
  let rows = 1;
  for (let axis = 0; axis < t.rank - 1; axis++) rows *= t.shape[axis]!;
  return rows;
}
