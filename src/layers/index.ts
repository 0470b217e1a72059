/** Layers, losses, the Layer contract and the registry. */
export * from './contract.ts';
export * from './defineLayer.ts';
export * from './registry.ts';
export { dense, type DenseOptions } from './dense.ts';
export { sigmoid, logistic } from './sigmoid.ts';
export { tanh } from './tanh.ts';
export { relu } from './relu.ts';
export { leakyRelu } from './leakyRelu.ts';
export { softmax } from './softmax.ts';
export { logSoftmax } from './logSoftmax.ts';
export { mse } from './mse.ts';
export { halfSquaredError } from './halfSquaredError.ts';
export { softmaxCrossEntropy } from './softmaxCrossEntropy.ts';
