/**
 * Temporaries kept between calls. A layer's forward or backward often fills a large array that
 * it reads before it returns and never hands out (conv2d's gemm result before it is reordered
 * channels first, dy reordered for the weight gradient, the patch gradients before col2im).
 * Allocating such an array afresh each step costs more than the work on it: the system zeroes
 * and maps its pages on first touch (several MB a step for a small CNN at batch 64). These
 * arrays are reused instead. Their contents at each call are whatever the last call left, so a
 * caller overwrites every value it reads; they must never escape the call (never a y, a dx, a
 * gradient or a saved value), which keeps a pass's results independent of later calls.
 */
export class ScratchArrays {
  private readonly arrays = new Map<string, Float64Array>();

  /** An array of exactly `length` values for `purpose`, reused from the last call that asked (grown when too short). */
  take(purpose: string, length: number): Float64Array {
    let array = this.arrays.get(purpose);
    if (!array || array.length < length) {
      array = new Float64Array(length);
      this.arrays.set(purpose, array);
    }
    return array.length === length ? array : array.subarray(0, length);
  }
}
