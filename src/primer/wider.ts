/**
 * The primer's wider network: 2×2 layers.
 *
 *   h = W·x + b,   q = σ(h),   o = V·q,   L = softmax cross-entropy of o against y.
 *
 * For a layer h = W·x + b the primer derives ∂h/∂x = W and ∂hᵢ/∂Wᵢⱼ = xⱼ, so
 *   ∂L/∂W = ∂L/∂h ⊗ x   (the outer product),   ∂L/∂x = Wᵀ·∂L/∂h,   ∂L/∂b = ∂L/∂h.
 * With a batch axis these are dense's dW = dyᵀ·x and dx = dy·W.
 */
import { tensor } from '../tensor/tensor.ts';
import { dense } from '../layers/dense.ts';
import { sigmoid } from '../layers/sigmoid.ts';
import { softmaxCrossEntropy } from '../layers/softmaxCrossEntropy.ts';

type Vector2 = readonly [number, number];
type Matrix2 = readonly [Vector2, Vector2];

/** The wider network's inputs and parameters. */
export interface WiderSetup {
  /** The input [x₁, x₂]. */
  readonly x: Vector2;
  /** Target probabilities of the two classes. */
  readonly y: Vector2;
  /** The first layer's weights, row i for hᵢ: h = W·x + b. */
  readonly W: Matrix2;
  /** The first layer's bias. */
  readonly b: Vector2;
  /** The second layer's weights, row i for oᵢ: o = V·q (no bias). */
  readonly V: Matrix2;
}

/** A worked example's starting values. */
export const primerWiderSetup: WiderSetup = Object.freeze<WiderSetup>({
  x: [1, 2],
  y: [1, 0],
  W: [[0.1, -0.2], [0.3, 0.4]],
  b: [0.5, -0.5],
  V: [[0.6, -0.1], [0.2, 0.7]],
});

/** Forward values and gradients of the wider network. */
export interface WiderGradients {
  /** h = W·x + b. */
  readonly h: Vector2;
  /** q = σ(h), element-wise. */
  readonly q: Vector2;
  /** o = V·q, the logits. */
  readonly o: Vector2;
  /** The softmax cross-entropy of o against y. */
  readonly L: number;
  /** ∂L/∂h = ∂L/∂q ⊙ σ(h)(1 − σ(h)). */
  readonly dLdh: Vector2;
  /** ∂L/∂W = ∂L/∂h ⊗ x: row i, column j is ∂L/∂Wᵢⱼ = ∂L/∂hᵢ·xⱼ. */
  readonly dLdW: Matrix2;
  /** ∂L/∂x = Wᵀ·∂L/∂h. */
  readonly dLdx: Vector2;
  /** ∂L/∂b = ∂L/∂h. */
  readonly dLdb: Vector2;
  /** ∂L/∂V = ∂L/∂o ⊗ q, laid out like V. */
  readonly dLdV: Matrix2;
}

/** Forward and backward through the wider network at the setup's point. */
export function widerGradients(setup: WiderSetup = primerWiderSetup): WiderGradients {
  const first = dense(2, 2, { W: setup.W, b: setup.b, name: 'h' });
  const activation = sigmoid();
  const second = dense(2, 2, { W: setup.V, bias: false, name: 'o' });
  const hPass = first.forward(tensor([[...setup.x]]));
  const qPass = activation.forward(hPass.y);
  const oPass = second.forward(qPass.y);
  const lossPass = softmaxCrossEntropy().forward(oPass.y, tensor([[...setup.y]]));
  const oGrads = oPass.backward(lossPass.backward());
  const dLdh = qPass.backward(oGrads.dx).dx;
  const hGrads = hPass.backward(dLdh);
  const pair = (data: Float64Array, at = 0): Vector2 => [data[at]!, data[at + 1]!];
  const square = (data: Float64Array): Matrix2 => [pair(data, 0), pair(data, 2)];
  return {
    h: pair(hPass.y.data),
    q: pair(qPass.y.data),
    o: pair(oPass.y.data),
    L: lossPass.loss,
    dLdh: pair(dLdh.data),
    dLdW: square(hGrads.dParams.W!.data),
    dLdx: pair(hGrads.dx.data),
    dLdb: pair(hGrads.dParams.b!.data),
    dLdV: square(oGrads.dParams.W!.data),
  };
}
