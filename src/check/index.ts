/** The gradient verifier: finite differences, reports, fast-check properties. */
export * from './report.ts';
export { checkGradients, fullModeLimit, type CheckOptions } from './checkGradients.ts';
export { formatReport, formatComparison, formatKink } from './formatReport.ts';
export { cubeRootEpsilon, stepFor, estimateDerivative, type DerivativeEstimate } from './finiteDifference.ts';
export { verifyLayer, type VerifyLayerOptions, type VerifyLayerResult } from './verifyLayer.ts';
export { formatVerifyResult, type VerifyResult, type VerifyStats } from './runProperty.ts';
export type { LayerCase } from './arbitraries/layerCase.ts';
export { gradientValues, type BatchSize, type ValueOptions } from './arbitraries/values.ts';
export { layerCase } from './arbitraries/layerCase.ts';
export { checkLossGradients, type CheckLossOptions } from './checkLossGradients.ts';
export { verifyLoss, type VerifyLossOptions, type VerifyLossResult } from './verifyLoss.ts';
export type { LossCase } from './arbitraries/lossCase.ts';
export { lossCase } from './arbitraries/lossCase.ts';
export { expectLayerGradients, expectLossGradients, GradientCheckError } from './expectGradients.ts';
export { builtinSpecs, findSpecs, isLayerSpec, isLossSpec, verifySpec, formatSpecTable, formatFailures, type FoundSpec, type SpecOutcome, type SpecRunOptions } from './verifySpecs.ts';
export { verifyOptimizer, checkDescent, formatDescentResult, type DescentCase, type DescentReport, type VerifyOptimizerOptions, type VerifyOptimizerResult } from './verifyOptimizer.ts';
