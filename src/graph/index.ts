/**
 * The reactive dataflow runtime: graphs of layer nodes, activations forward and gradients
 * backward as tagged messages, the trainer, optimizers, evaluation and prediction.
 */
export { graph, sequential, type GraphBuilder, type GraphOptions, type NodeOptions, type NodeRef } from './builder.ts';
export type { Graph, GraphNode, GraphParameter, ConsumerEdge, NodeKind } from './graph.ts';
export { addMerge, concatMerge, type Merge, type MergeInput } from './merges.ts';
export type { SweepTag, Message } from './message.ts';
export { wire, type Wiring, type WiringOptions, type EdgeOperator, type SweepGradients } from './wiring.ts';
export type { ForwardTap, BackwardTap, UpdateTap, StepBoundary, Taps } from './taps.ts';
export { train, type TrainHandle } from './trainer.ts';
export type { TrainOptions, TrainResult, TrainerState, GuardPolicy } from './trainOptions.ts';
export { evaluate, predict, type EvaluateOptions, type Evaluation } from './evaluate.ts';
export { computeGradients, type GradientOptions, type StepGradients } from './gradients.ts';
export type { BatchSource } from './data.ts';
export { LayerError, DataError, NonFiniteError, type Phase } from './errors.ts';
export { sgd, type SgdOptions } from './optimizers/sgd.ts';
export { adam, type AdamOptions } from './optimizers/adam.ts';
export type { Optimizer, OptimizerState, SlotValue } from './optimizers/optimizer.ts';
