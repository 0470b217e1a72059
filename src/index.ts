/**
 * gradstream: verified gradients and live training telemetry for hand-written layers.
 *
 * - tensor: float64 tensors, kernels, the seeded random generator
 * - layers: the Layer contract, built-in layers and losses, their registry
 * - primer: the backpropagation primer's worked examples
 */
export * from './tensor/index.ts';
export * from './layers/index.ts';
export * from './primer/index.ts';
