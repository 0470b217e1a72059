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
  readonly step: number;
  readonly phase: Phase;
}

/**
 * A layer threw, or broke the Layer contract (a gradient of the wrong shape, a missing or
 * extra parameter gradient). The message reads `dense_2 (dense), backward at step 7: …`.
 */
export class LayerError extends Error {
  override readonly name = 'LayerError';
  readonly node: string;
  readonly layer: string;
  readonly step: number;
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
  override readonly name = 'DataError';
}

/** A non-finite loss or gradient under `guard: 'stop'`; the message names the step and, for a gradient, the layer that produced it. */
export class NonFiniteError extends Error {
  override readonly name = 'NonFiniteError';
  constructor(
    message: string,
    readonly step: number,
    readonly node?: string,
  ) {
    super(message);
  }
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
