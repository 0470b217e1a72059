/**
 * The runtime's errors. Each names where it happened (node, layer, step, batch) and what was
 * expected, so a failing run can be read without a debugger.
 */

/** Which half of a sweep failed. */
export type Phase = 'forward' | 'backward';

/** Where a {@link LayerError} happened. */
export interface LayerErrorSite {
  /** The node's unique name in its graph (`dense_2`). */
  readonly node: string;
  /** The layer's own name (`dense`), or the merge (`add`, `concat`). */
  readonly layer: string;
  /** The step the failing sweep belonged to (1-based while training; 0 in evaluate and predict). */
  readonly step: number;
  /** Which half of the sweep failed. */
  readonly phase: Phase;
}

/**
 * A layer threw, or broke the Layer contract (a gradient of the wrong shape, a missing or
 * extra parameter gradient). The message reads `dense_2 (dense), backward at step 7: …`.
 */
export class LayerError extends Error {
  /** Always `'LayerError'`: what stack traces and `String(error)` show before the message. */
  override readonly name = 'LayerError';
  /** The node's unique name in its graph (`dense_2`). */
  readonly node: string;
  /** The layer's own name (`dense`), or the merge (`add`, `concat`). */
  readonly layer: string;
  /** The step the failing sweep belonged to (1-based while training; 0 in evaluate and predict). */
  readonly step: number;
  /** Which half of the sweep failed. */
  readonly phase: Phase;

  constructor(site: LayerErrorSite, detail: string, options?: { cause?: unknown }) {
    super(`${site.node} (${site.layer}), ${site.phase} at step ${site.step}: ${detail}`, options);
    this.node = site.node;
    this.layer = site.layer;
    this.step = site.step;
    this.phase = site.phase;
  }
}

/** A batch that does not fit the graph or its loss, or holds non-finite values; the message names the batch and epoch. */
export class DataError extends Error {
  /** Always `'DataError'`: what stack traces and `String(error)` show before the message. */
  override readonly name = 'DataError';
}

/** A non-finite loss or gradient under `guard: 'stop'`; the message names the step and, for a gradient, the layer that produced it. */
export class NonFiniteError extends Error {
  /** Always `'NonFiniteError'`: what stack traces and `String(error)` show before the message. */
  override readonly name = 'NonFiniteError';
  constructor(
    message: string,
    /** The step whose loss or gradient was non-finite. */
    readonly step: number,
    /** The node whose gradient turned non-finite; absent for a non-finite loss. */
    readonly node?: string,
  ) {
    super(message);
  }
}
