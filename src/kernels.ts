/**
 * `gradstream/kernels`: the float64 kernels the built-in layers are made of, for writing fast
 * layers of your own. A lower-level surface than `gradstream`: names and signatures here may
 * change between minor versions, and a release note says so when they do.
 *
 * Every kernel works on plain `Float64Array`s in row-major order with its sizes passed
 * explicitly, allocates only its result, and checks nothing a caller cannot get wrong by shape.
 *
 * @packageDocumentation
 */
export { Tensor, tensor, zeros, full, zerosLike, ShapeError, formatShape, sizeOf, sameShape, assertSameShape, flatIndex, unflatIndex, type NestedNumbers } from './tensor/tensor.ts';
export { matmul, gemm, gemmJs, setGemmKernel, defaultGemm, type GemmKernel, type MatmulOptions } from './tensor/matmul.ts';
export { gemmWasm, createWasmGemm, withCrossover, wasmMinimumWork, type GemmShape } from './tensor/wasm/index.ts';
export type { GemmThreads, LinearMemory } from './tensor/wasm/gemmWasm.ts';
export { add, sub, mul, scale, addScaled, accumulateInto, dot, norm2, maxAbs, allFinite, firstNonFinite } from './tensor/elementwise.ts';
export { rowLength, rowCount, addRow, sumRows, rowDots, softmaxRows, logSoftmaxRows, argmaxRows } from './tensor/rows.ts';
export { erf, erfc, normalCdf, normalPdf } from './tensor/erf.ts';
export { outputLength, convGeometry, poolGeometry, spatialOutput, type Window2d, type ConvGeometry } from './tensor/window.ts';
export { im2col, col2im, patchLength } from './tensor/im2col.ts';
export { swapAxes } from './tensor/permute.ts';
export { rowMoments, inverseStd, normalizeRows, normalizedBackward } from './tensor/normalize.ts';
export { linearForward, linearBackward } from './tensor/linear.ts';
export { attentionForward, attentionBackward, softmaxBackwardRows, type AttentionShape } from './tensor/attention.ts';
export { createRandom, restoreRandom, Random, type RandomState } from './tensor/random.ts';
