/**
 * The primer's deeper network: one hidden sigmoid unit feeding two outputs.
 *
 *   h = w·x + b,   q = σ(h),   o₁ = v₁·q,   o₂ = v₂·q,
 *   p = softmax(o₁, o₂),   L = −y·log p₁ − (1 − y)·log p₂.
 *
 * The chain rule, as the layers compute it:
 *   ∂L/∂o₁ = p₁ − y,   ∂L/∂o₂ = p₂ − (1 − y),
 *   ∂L/∂q = v₁·∂L/∂o₁ + v₂·∂L/∂o₂            (q fans out to o₁ and o₂: the gradients add),
 *   ∂L/∂v₁ = ∂L/∂o₁·q,   ∂L/∂v₂ = ∂L/∂o₂·q,
 *   ∂L/∂h = ∂L/∂q·σ(h)·(1 − σ(h)),           (σ′ at h, the input; the primer's slide writes it at q)
 *   ∂L/∂w = ∂L/∂h·x,   ∂L/∂b = ∂L/∂h.
 *
 * o = [v₁, v₂]ᵀ·q is a `dense(1, 2)` without bias whose W is the column [v₁; v₂], so its
 * backward dx = Wᵀ·∂L/∂o is exactly the fan-out sum above.
 */
import { tensor } from '../tensor/tensor.ts';
import { dense } from '../layers/dense.ts';
import { sigmoid } from '../layers/sigmoid.ts';
import { softmaxCrossEntropy } from '../layers/softmaxCrossEntropy.ts';
import type { Layer } from '../layers/contract.ts';

/** The deeper network's inputs and parameters. */
export interface DeeperSetup {
  /** The one input. */
  readonly x: number;
  /** Probability of the first class (1 means "class o₁"). */
  readonly y: number;
  /** The hidden unit's weight, in h = w·x + b. */
  readonly w: number;
  /** The hidden unit's bias. */
  readonly b: number;
  /** The first output's weight, in o₁ = v₁·q. */
  readonly v1: number;
  /** The second output's weight, in o₂ = v₂·q. */
  readonly v2: number;
}

/** A worked example's starting values. */
export const primerDeeperSetup: DeeperSetup = Object.freeze({ x: 1, y: 1, w: 0.1, b: 1, v1: 0.5, v2: -0.3 });

/** The forward values and every gradient of the deeper network at one point. */
export interface DeeperGradients {
  /** h = w·x + b. */
  readonly h: number;
  /** q = σ(h). */
  readonly q: number;
  /** [o₁, o₂] = [v₁·q, v₂·q], the logits. */
  readonly o: readonly [number, number];
  /** [p₁, p₂] = softmax(o₁, o₂). */
  readonly p: readonly [number, number];
  /** L = −y·log p₁ − (1 − y)·log p₂. */
  readonly L: number;
  /** [∂L/∂o₁, ∂L/∂o₂] = [p₁ − y, p₂ − (1 − y)]. */
  readonly dLdo: readonly [number, number];
  /** ∂L/∂q = v₁·∂L/∂o₁ + v₂·∂L/∂o₂: q fans out, so the two gradients add. */
  readonly dLdq: number;
  /** [∂L/∂v₁, ∂L/∂v₂] = [∂L/∂o₁·q, ∂L/∂o₂·q]. */
  readonly dLdv: readonly [number, number];
  /** ∂L/∂h = ∂L/∂q·σ(h)·(1 − σ(h)). */
  readonly dLdh: number;
  /** ∂L/∂w = ∂L/∂h·x. */
  readonly dLdw: number;
  /** ∂L/∂b = ∂L/∂h. */
  readonly dLdb: number;
}

/** The three layers of the deeper network, with the setup's parameters. */
export function deeperLayers(setup: DeeperSetup = primerDeeperSetup): {
  /** h = w·x + b: `dense(1, 1)` named `h`. */
  hidden: Layer;
  /** q = σ(h). */
  activation: Layer;
  /** o = [v₁, v₂]ᵀ·q: `dense(1, 2)` without bias, named `o`. */
  output: Layer;
} {
  return {
    hidden: dense(1, 1, { W: [[setup.w]], b: [setup.b], name: 'h' }),
    activation: sigmoid(),
    output: dense(1, 2, { W: [[setup.v1], [setup.v2]], bias: false, name: 'o' }),
  };
}

/** Forward and backward through the deeper network at the setup's point. */
export function deeperGradients(setup: DeeperSetup = primerDeeperSetup): DeeperGradients {
  const { hidden, activation, output } = deeperLayers(setup);
  const hPass = hidden.forward(tensor([[setup.x]]));
  const qPass = activation.forward(hPass.y);
  const oPass = output.forward(qPass.y);
  const lossPass = softmaxCrossEntropy().forward(oPass.y, tensor([[setup.y, 1 - setup.y]]));
  const dLdo = lossPass.backward();
  const oGrads = oPass.backward(dLdo);
  const dLdh = qPass.backward(oGrads.dx).dx;
  const hGrads = hPass.backward(dLdh);
  const o = oPass.y.data;
  const total = Math.exp(o[0]!) + Math.exp(o[1]!);
  return {
    h: hPass.y.data[0]!,
    q: qPass.y.data[0]!,
    o: [o[0]!, o[1]!],
    p: [Math.exp(o[0]!) / total, Math.exp(o[1]!) / total],
    L: lossPass.loss,
    dLdo: [dLdo.data[0]!, dLdo.data[1]!],
    dLdq: oGrads.dx.data[0]!,
    dLdv: [oGrads.dParams.W!.data[0]!, oGrads.dParams.W!.data[1]!],
    dLdh: dLdh.data[0]!,
    dLdw: hGrads.dParams.W!.data[0]!,
    dLdb: hGrads.dParams.b!.data[0]!,
  };
}
