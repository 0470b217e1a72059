/**
 * The Layer contract: what a researcher implements for a custom layer, and what the
 * verifier, the runtime and the optimizers rely on.
 *
 * A layer is a function of its input and its parameters. `forward` returns a `Pass`
 * that holds whatever backward needs for that one input; `backward` maps the incoming
 * gradient dy = ∂L/∂y to dx = ∂L/∂x and one gradient per parameter. Nothing is stored
 * in the layer between forward and backward, so any number of passes may be in flight.
 */
import type { Tensor } from '../tensor/tensor.ts';

/** What a forward call may depend on besides x and the parameters. */
export interface ForwardContext {
  /** Training mode (dropout active, batch statistics); false for evaluation. Default true. */
  readonly training: boolean;
  /** The step being computed: layers with randomness derive it from (seed, step), so a step's mask is reproducible. Default 0. */
  readonly step: number;
  /**
   * The output this layer's forward returned at the trainer's last step, handed back once no one
   * reads it: the layer may write y into it when it has y's shape, overwriting every value, and
   * return it instead of a fresh array. y must be the same bits whatever it held. Default none.
   */
  readonly spare?: Tensor | undefined;
}

/** The context used when none is given: training mode, step 0. */
export const defaultContext: ForwardContext = Object.freeze({ training: true, step: 0 });

/** What backward returns: the gradient for the input and one for every parameter. */
export interface Gradients {
  /** ∂L/∂x, of x's shape. */
  readonly dx: Tensor;
  /** ∂L/∂θ for every key of `params`, each of its parameter's shape. */
  readonly dParams: Readonly<Record<string, Tensor>>;
}

/**
 * Which results a backward call is asked for, PyTorch's `ctx.needs_input_grad`: the runtime
 * passes `{ dx: false }` when nothing upstream has a parameter (the graph's input, a branch
 * of parameter-free layers), so that a layer may skip the product that gives dx (dense's
 * dy·W, half of its backward). Parameter gradients are always wanted.
 */
export interface GradientsWanted {
  /** Whether ∂L/∂x is needed. When false the layer may leave `dx` out; its dParams must be exactly those it returns with dx. */
  readonly dx: boolean;
  /**
   * Parameter gradients an earlier backward of this layer returned, handed back by a caller
   * that no longer reads them (the trainer, once the step's update is applied): the layer may
   * write this call's gradient of a parameter into the spare of the same key and shape,
   * overwriting every value, and return it, instead of allocating a fresh array (PyTorch's
   * caching allocator serves the same purpose). The results must be the same bits as with
   * fresh arrays, whatever the spares held. Default none: every gradient in a fresh array.
   */
  readonly spare?: Readonly<Record<string, Tensor>> | undefined;
  /** The dx this layer's backward returned at the trainer's last step, to write dx into in the same way (only when `dx` is true). Default none. */
  readonly spareDx?: Tensor | undefined;
}

/**
 * What backward returns when called with a {@link GradientsWanted}: dx may be left out where
 * it was not wanted. A layer that ignores the hint returns dx anyway, and the runtime discards it.
 */
export interface WantedGradients {
  /** ∂L/∂x, of x's shape; present whenever `wanted.dx` was true, optional otherwise. */
  readonly dx?: Tensor | undefined;
  /** ∂L/∂θ for every key of `params`, each of its parameter's shape, bit for bit what a call without the hint returns. */
  readonly dParams: Readonly<Record<string, Tensor>>;
}

/** One forward evaluation, with the means to run its backward. */
export interface Pass {
  /** The output. */
  readonly y: Tensor;
  /**
   * Maps dy = ∂L/∂y to the gradients. Must not modify dy, y or what an earlier call returned
   * (it returns tensors of its own, except the spares a caller hands back, see
   * {@link GradientsWanted.spare}); may be called more than once, before or after the
   * backward of other passes, with the same result.
   */
  backward(dy: Tensor): Gradients;
  /**
   * The same, told which results are wanted (optional for a layer to honour): with
   * `{ dx: false }` it may skip computing dx and leave it out, and must return the same
   * parameter gradients, bit for bit, as without the hint (the verifier's `dx not wanted`
   * check), and may write parameter gradients into the spares it is handed (the `spare
   * buffers` check). `{ dx: true }` is the call without the hint. A layer written for the
   * one-argument form ignores the hint and still works: the runtime discards the dx it did not
   * want, and the spares go unused.
   */
  backward(dy: Tensor, wanted: GradientsWanted): WantedGradients;
  /**
   * Forward mode, when the layer provides it: the output tangent ty = ∂f/∂x·tx + Σ ∂f/∂θ·tθ at
   * this pass's point, the directional derivative of y along the tangents (a Jacobian-vector
   * product, PyTorch's `Function.jvp`, JAX's `jvp`). At a kink it may take any one-sided
   * derivative or a value between them, as backward may. Must not modify the tangents; may be
   * called more than once. Absent: the layer has no forward mode.
   */
  jvp?(tangents: Tangents): Tensor;
}

/** The direction of a {@link Pass.jvp}: a tangent for x and for some parameters; absent ones are zero. */
export interface Tangents {
  /** tx, of x's shape. Default: zero. */
  readonly x?: Tensor | undefined;
  /** tθ by parameter name, each of its parameter's shape; a parameter left out has tangent zero. Default: `{}`. */
  readonly params?: Readonly<Record<string, Tensor>> | undefined;
}

/** A differentiable layer. Axis 0 of every input and output is the batch. */
export interface Layer {
  /** A readable name, used in reports and errors (`dense`, `relu`, `swish`…). */
  readonly name: string;
  /** Trainable tensors by name; `{}` when none. Optimizers update their `data` in place between passes. */
  readonly params: Readonly<Record<string, Tensor>>;
  /** Computes y. Must not modify x or params. */
  forward(x: Tensor, context?: ForwardContext): Pass;
  /** Non-trainable state (running statistics) that checkpoints save; absent when none. */
  readonly buffers?: Readonly<Record<string, Tensor>> | undefined;
  /**
   * Output features (shape without the batch axis) for given input features; throws a
   * ShapeError naming what it expected when the input does not fit. When absent, the
   * runtime infers the shape by a forward pass on one zero sample.
   */
  outputShape?(inputFeatures: readonly number[]): readonly number[];
  /**
   * The input features (shape without the batch axis) the layer fixes, when it fixes them
   * all: `[in]` for `dense(in, out)`, `[features]` for `layerNorm(features)`. The layer must
   * take exactly this shape, and any input it takes must end with it (more leading axes are
   * allowed: dense over a sequence takes [sequence, in]). `sequential` starts from it when no
   * `inputFeatures` are given, and the graph refuses at build time a node whose input does not
   * end with it. Absent (the default) when the data decides part of the shape: conv2d fixes
   * its channels but not the image size, batch norm its first axis but not what follows.
   */
  readonly inputFeatures?: readonly number[] | undefined;
  /**
   * For layers whose input is integer indices (an embedding): the number of valid
   * indices. Such a layer has no meaningful dx; the verifier draws integer inputs and
   * checks only the parameter gradients.
   */
  readonly indexInput?: {
    /** Valid indices are the integers 0 … count − 1 (an embedding's vocabulary size). */
    readonly count: number;
  };
  /**
   * What the layer computes in. `'float32'` for a layer that rounds its inputs, parameters,
   * outputs and gradients to float32 (a TensorFlow.js function wrapped by `gradstream/tfjs`):
   * the verifier then rounds the values it draws to float32 and models rounding with float32's
   * ε = 2⁻²³ (its steps, noise and tolerances). Default `'float64'` (absent means float64).
   */
  readonly precision?: 'float64' | 'float32' | undefined;
  /** Set when the layer may legitimately produce non-finite values for finite input, with the reason. */
  readonly nonFiniteReason?: string | undefined;
  /**
   * Whether the rows of a batch (the entries along axis 0) are computed independently: row i
   * of y depends on row i of x alone (and the parameters, the context, its position), and row
   * i of dx on row i of x and of dy alone. The verifier checks it at batches of two rows or
   * more. Default true (absent means true); false for a layer that couples the batch, as
   * batch normalisation in training does.
   */
  readonly batchIndependent?: boolean | undefined;
  /**
   * How to build this layer again: its factory's name and the arguments that shape it (not its
   * parameter values, which a repro bundle stores itself). Built-in layers set it, so
   * `gradstream repro` rebuilds them by name from the registry and a pasted test calls
   * `dense(3, 4)`; a custom layer may set it through `defineLayer`, so the test calls its factory
   * by name. Absent: unknown.
   */
  readonly factoryCall?: FactoryCall | undefined;
}

/**
 * A call of a layer factory, as data: `{ factory: 'dense', args: [3, 4, { bias: false }] }` is
 * `dense(3, 4, { bias: false })`. The arguments are JSON values (numbers, strings, booleans,
 * null, arrays, plain objects); keys whose value is undefined are left out.
 */
export interface FactoryCall {
  /** The factory's exported name (`dense`, `conv2d`, `swish`). */
  readonly factory: string;
  /** Its arguments, in order. */
  readonly args: readonly unknown[];
}

/** A scalar loss of a prediction against a target. */
export interface Loss {
  /** A readable name. */
  readonly name: string;
  /** The loss and the means to get ∂L/∂prediction. */
  forward(prediction: Tensor, target: Tensor): LossPass;
}

/** One loss evaluation. */
export interface LossPass {
  /** L, the loss of the whole batch as one number (its reduction, e.g. the mean, is the loss's own). */
  readonly loss: number;
  /** ∂L/∂prediction, of the prediction's shape. */
  backward(): Tensor;
}

/**
 * A layer for the verifier and the `check` command: a name, a factory that builds a
 * fresh layer, and its input features (input shape without the batch axis).
 */
export interface LayerSpec {
  /** The name reports and `gradstream check` use; unique in a registry. */
  readonly name: string;
  /** Builds a fresh layer with seeded parameters, so each call gives the same layer. */
  readonly make: () => Layer;
  /** Input shape without the batch axis, for the inputs the verifier draws. */
  readonly features: readonly number[];
}

/** A loss for the verifier: a factory and the prediction features; targets are drawn by `target`. */
export interface LossSpec {
  /** The name reports and `gradstream check` use; unique in a registry. */
  readonly name: string;
  /** Builds a fresh loss. */
  readonly make: () => Loss;
  /** Prediction shape without the batch axis, for the predictions the verifier draws. */
  readonly features: readonly number[];
  /** Draws a valid target for a prediction of `shape` from uniform numbers in [0, 1). */
  readonly target: (shape: readonly number[], uniform: () => number) => Tensor;
}
