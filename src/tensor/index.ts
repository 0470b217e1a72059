/** The float64 tensor core: storage, kernels and the seeded random generator. */
export * from './tensor.ts';
export * from './random.ts';
export * from './matmul.ts';
export * from './elementwise.ts';
export * from './rows.ts';
export * from './erf.ts';
export * from './window.ts';
export * from './im2col.ts';
export * from './permute.ts';
export * from './normalize.ts';
export * from './linear.ts';
export * from './attention.ts';
export * from './wasm/index.ts';
