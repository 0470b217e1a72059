/**
 * What travels along the graph's edges. A forward message carries an activation, a backward
 * message a gradient; both are immutable values tagged with the sweep they belong to, so
 * messages of different steps may interleave on any edge without racing.
 */
import type { ForwardContext } from '../layers/contract.ts';
import { Tensor } from '../tensor/tensor.ts';

/** Identifies one sweep: one microbatch of one step, forward and (when training) backward. */
export interface SweepTag {
  /** Unique within a run; keys every per-node map. */
  readonly id: number;
  /** The optimisation step the sweep contributes to (1-based while training; 0 in evaluate and predict). */
  readonly step: number;
  /** Index of the microbatch within its step, from 0. */
  readonly microbatch: number;
  /** What each layer's forward receives. */
  readonly context: ForwardContext;
  /** Whether a backward follows; when false no node keeps the forward pass. */
  readonly backward: boolean;
}

/** An activation (forward) or a gradient (backward) on one edge for one sweep. */
export interface Message {
  /** The sweep the value belongs to. */
  readonly tag: SweepTag;
  /** The activation or gradient; never modified once sent. */
  readonly value: Tensor;
}

/**
 * The backward message to a node whose gradient nothing needs (see `gradientPlan`): it tells
 * the node that its sweep's backward has come, so that it drops its pass and reports, without
 * running a backward of its own. One shared empty tensor, compared by identity.
 */
export const noGradient: Tensor = new Tensor(new Float64Array(0), [0]);
