/**
 * gradstream: verified gradients and live training telemetry for hand-written layers.
 *
 * - tensor: float64 tensors, kernels, the seeded random generator
 * - layers: the Layer contract, built-in layers and losses, their registry
 * - check: the gradient verifier
 * - graph: the reactive dataflow runtime, trainer and optimizers
 * - telemetry: training events, statistics and sinks
 * - data: the MNIST digits and iris flowers, seeded splits and batches
 * - checkpoint: saving and resuming a run bit for bit
 * - primer: the backpropagation primer's worked examples
 */
export * from './tensor/index.ts';
export * from './layers/index.ts';
export * from './check/index.ts';
export * from './graph/index.ts';
export * from './telemetry/index.ts';
export * from './data/index.ts';
export * from './checkpoint/index.ts';
export * from './primer/index.ts';
