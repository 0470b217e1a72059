/**
 * gradstream's portable entry: everything that runs in any JavaScript engine, Node and browsers
 * alike. Bundlers pick it through the `browser` export condition; in Node, `gradstream` adds the
 * parts that need Node (terminal, files, HTTP servers, checkpoints on disk, the data sets) on top
 * of it.
 *
 * The list is drawn on purpose: what a layer author, a verifier user or a training script calls.
 * Kernels for writing fast layers live behind `gradstream/kernels`.
 *
 * @packageDocumentation
 */

// Tensors: storage, constructors, the kernels a layer's math needs, the seeded generator.
export { Tensor, tensor, zeros, full, zerosLike, ShapeError, formatShape, type NestedNumbers } from './tensor/tensor.ts';
export { Random, createRandom, restoreRandom, type RandomState } from './tensor/random.ts';
export { matmul, type MatmulOptions } from './tensor/matmul.ts';
export { add, sub, mul, scale, addScaled, dot } from './tensor/elementwise.ts';
export { addRow, sumRows, softmaxRows, logSoftmaxRows, argmaxRows } from './tensor/rows.ts';

// The Layer and Loss contracts, and how to define one.
export type { ForwardContext, Gradients, GradientsWanted, WantedGradients, Pass, Tangents, Layer, Loss, LossPass, LayerSpec, LossSpec, FactoryCall } from './layers/contract.ts';
export { defineLayer, defineLoss, fittingSpare, type LayerDefinition, type LossDefinition, type Params, type CompleteTangents, type LayerNameOptions } from './layers/defineLayer.ts';
export { builtinLayers, builtinLosses, findLayer, findLoss, type LayerEntry, type LossEntry } from './layers/registry.ts';

// Built-in layers and losses (PyTorch's conventions).
export { dense, type DenseOptions } from './layers/dense.ts';
export { sigmoid } from './layers/sigmoid.ts';
export { tanh } from './layers/tanh.ts';
export { relu } from './layers/relu.ts';
export { leakyRelu } from './layers/leakyRelu.ts';
export { softmax } from './layers/softmax.ts';
export { logSoftmax } from './layers/logSoftmax.ts';
export { layerNorm, type LayerNormOptions } from './layers/layerNorm.ts';
export { batchNorm, type BatchNormOptions } from './layers/batchNorm.ts';
export { dropout, type DropoutOptions } from './layers/dropout.ts';
export { gelu, type GeluOptions } from './layers/gelu.ts';
export { conv2d, type Conv2dOptions, type Size2d } from './layers/conv2d.ts';
export { maxPool2d, type MaxPool2dOptions } from './layers/maxPool2d.ts';
export { avgPool2d, type AvgPool2dOptions } from './layers/avgPool2d.ts';
export { flatten } from './layers/flatten.ts';
export { selfAttention, type SelfAttentionOptions } from './layers/selfAttention.ts';
export { embedding, type EmbeddingOptions } from './layers/embedding.ts';
export { mse } from './layers/mse.ts';
export { halfSquaredError } from './layers/halfSquaredError.ts';
export { softmaxCrossEntropy } from './layers/softmaxCrossEntropy.ts';

// The gradient verifier: one point, fast-check properties, reports.
export { checkGradients, type CheckOptions } from './check/checkGradients.ts';
export type { LayerSource } from './check/parallel/layerSource.ts';
export type { ThreadsOutcome } from './check/parallel/splitCoordinates.ts';
export type { ThreadsSummary } from './check/parallel/threadsSummary.ts';
export { checkLossGradients, type CheckLossOptions } from './check/checkLossGradients.ts';
export type { GradientReport, GradientComparison, GradientMode, Kink, KinkExplanation, CheckName, CheckResult, Evaluations, CheckEvaluations, TieGroupSite } from './check/report/report.ts';
export { formatReport } from './check/report/formatReport.ts';
export { verifyLayer, type VerifyLayerOptions, type VerifyLayerResult } from './check/property/verifyLayer.ts';
export { verifyLoss, type VerifyLossOptions, type VerifyLossResult } from './check/property/verifyLoss.ts';
export { verifyOptimizer, formatDescentResult, type DescentCase, type DescentReport, type VerifyOptimizerOptions, type VerifyOptimizerResult } from './check/property/verifyOptimizer.ts';
export { formatVerifyResult, type PropertyVerdict, type VerifyResult, type VerifyStats } from './check/property/runProperty.ts';
export { expectLayerGradients, expectLossGradients, GradientCheckError } from './check/property/expectGradients.ts';
export { layerCase, type LayerCase, type LayerShapes, type LayerCaseOptions } from './check/arbitraries/layerCase.ts';
export { lossCase, type LossCase, type LossCaseOptions } from './check/arbitraries/lossCase.ts';
export { gradientValues, type BatchSize, type ValueOptions } from './check/arbitraries/values.ts';

// The dataflow runtime: graphs, training, evaluation, optimizers.
export { graph, sequential, type GraphBuilder, type GraphOptions, type NodeOptions, type NodeRef, type SequentialOptions } from './graph/builder.ts';
export type { Graph, GraphNode, GraphParameter, ConsumerEdge, NodeKind } from './graph/graph.ts';
export { addMerge, concatMerge, type Merge, type MergeInput } from './graph/merges.ts';
export { wire, type Wiring, type WiringOptions, type EdgeOperator, type SweepGradients } from './graph/wiring.ts';
export type { SweepTag, Message } from './graph/message.ts';
export type { ForwardTap, BackwardTap, UpdateTap, StepBoundary, FaultTap, Taps, BorrowedTaps } from './graph/taps.ts';
export { train, type TrainHandle } from './graph/trainer.ts';
export type { TrainOptions, TrainResult, TrainerState, GuardPolicy } from './graph/trainOptions.ts';
export type { JsonValue } from './graph/runConfig.ts';
export type { EvaluationRecord } from './graph/evaluationRecord.ts';
export { evaluate, predict, type EvaluateOptions, type Evaluation } from './graph/evaluate.ts';
export { computeGradients, type GradientOptions, type StepGradients } from './graph/gradients.ts';
export type { BatchSource } from './graph/data.ts';
export { LayerError, DataError, NonFiniteError, type Phase } from './graph/errors.ts';
export { sgd, type SgdOptions } from './optim/sgd.ts';
export { adam, type AdamOptions } from './optim/adam.ts';
export { rmsprop, type RmspropOptions } from './optim/rmsprop.ts';
export {
  defineOptimizer,
  type OptimizerDefinition, type OptimizerFactory, type ParameterUpdate, type SettingSpec, type NumberSetting, type FlagSetting, type SettingsOf, type OptionsOf, type SlotKind,
} from './optim/defineOptimizer.ts';
export { builtinOptimizers, findOptimizer, type OptimizerEntry, type OptimizerVariant } from './optim/registry.ts';
export type { Optimizer, OptimizerState, SlotValue } from './optim/optimizer.ts';
export type { StateExpectations } from './optim/stateLayout.ts';
export type { StateProblem } from './optim/stateProblem.ts';

// Telemetry that needs no Node: the event schema, its codec, the statistics and audit streams.
export {
  telemetrySchemaVersion, telemetryEventTypes,
  type TelemetryEvent, type EventHeader, type EventBody, type RunStartEvent, type TrainingSummary, type RunEnvironment, type GraphNodeSummary, type StepEvent,
  type LayerStatsEvent, type LayerQuantiles, type EvaluationEvent, type AuditEvent, type AlarmEvent, type RunEndEvent,
} from './telemetry/events.ts';
export { encodeEvent, decodeEvent, TelemetryFormatError } from './telemetry/codec.ts';
export { activationStatistics, updateRatio, type ActivationStatistics, type Saturation } from './telemetry/statistics.ts';
export { quantileProbabilities, quantilesInPlace } from './telemetry/quantiles.ts';
export { layerStats$, type LayerStatsOptions, type LayerStatsBody, type TappedRun } from './telemetry/layerStats.ts';
export { liveAudits, type AuditOptions, type AuditBody } from './telemetry/audits.ts';
export { attachSink, disposeAll, type Disposable, type SinkHandle, type SinkParts } from './telemetry/attach.ts';
export { bufferUntilTick, type BufferUntilTickOptions } from './telemetry/operators/bufferUntilTick.ts';

// Data in memory: seeded splits and batches.
export { subset, stratifiedSplit, oneHot, epochBatches, trainingBatches, type ClassificationDataset, type Batch } from './data/dataset.ts';
export { standardize } from './data/standardize.ts';

// The backpropagation primer's worked examples.
export { simplestSteps, formatSimplestTable, primerSimplestSetup, type SimplestSetup, type SimplestRow } from './primer/simplest.ts';
export { deeperGradients, deeperLayers, primerDeeperSetup, type DeeperSetup, type DeeperGradients } from './primer/deeper.ts';
export { widerGradients, primerWiderSetup, type WiderSetup, type WiderGradients } from './primer/wider.ts';
export { primerWalkthrough } from './primer/walkthrough.ts';
