/** The float64 tensor core: storage, kernels and the seeded random generator. */
export * from './tensor.ts';
export * from './random.ts';
export * from './matmul.ts';
export * from './elementwise.ts';
export * from './rows.ts';
