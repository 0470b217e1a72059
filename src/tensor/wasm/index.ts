/**
 * The WebAssembly SIMD matrix multiply, assembled from source at load time, and the
 * choice between it and the JavaScript kernel.
 */
import type { GemmKernel } from '../matmul.ts';
import { createWasmGemm, withCrossover } from './gemmWasm.ts';

export { createWasmGemm, withCrossover, defaultGemmShape } from './gemmWasm.ts';
export type { GemmShape } from './gemmModule.ts';

/**
 * The WebAssembly SIMD gemm at every size (no crossover), or undefined when the engine
 * has no WebAssembly SIMD. Results are bit-for-bit those of `gemmJs`.
 */
export const gemmWasm: GemmKernel | undefined = createWasmGemm();

/**
 * Products of fewer multiply-adds (m·n·k) than this stay in JavaScript. Measured on x64
 * with Node 20: at 8×8×8 the WebAssembly kernel already wins (0.7 µs against 1.0 µs), at
 * 2×2×1000 and 12×12×12 the two are level, and copying in and out costs about 0.7 µs.
 */
export const wasmMinimumWork = 4096;

/** `gemmWasm` from {@link wasmMinimumWork} multiply-adds up, `fallback` below or without WebAssembly SIMD. */
export function preferredGemm(fallback: GemmKernel): GemmKernel {
  return gemmWasm ? withCrossover(gemmWasm, fallback, wasmMinimumWork) : fallback;
}
