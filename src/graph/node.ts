/**
 * A node at run time. It consumes activation messages, keeps each sweep's forward pass until
 * that sweep's gradient arrives, sums the gradients of its consumers (fan-out), runs the
 * backward and sends dx upstream. The layer holds only its math; everything here is plumbing,
 * and every fault becomes an error naming the node, its layer and the step.
 */
import { Subject } from 'rxjs';
import type { Tensor } from '../tensor/tensor.ts';
import { accumulateInto } from '../tensor/elementwise.ts';
import type { ForwardContext, GradientsWanted, Pass } from '../layers/contract.ts';
import type { GraphNode } from './graph.ts';
import { noGradient, type Message, type SweepTag } from './message.ts';
import type { GradientPlan } from './gradientPlan.ts';
import type { TapSubjects } from './taps.ts';
import { LayerError, type Phase } from './errors.ts';
import { messageOf } from '../util/errorText.ts';
import { backwardFault, forwardFault, nonFiniteFault } from './contractChecks.ts';
import { SweepTable } from './sweepTable.ts';

/** What a node reports when its backward for a sweep is done. */
export interface NodeDone {
  readonly tag: SweepTag;
  readonly node: GraphNode;
  readonly dParams: Readonly<Record<string, Tensor>>;
  /** Set when the node's gradients are non-finite although its dy was finite. */
  readonly nonFinite?: NonFiniteGradient | undefined;
  /** For the input node: ∂L/∂x of the network's input, when it was wanted. */
  readonly dx?: Tensor | undefined;
}

/** A layer whose backward turned a finite dy into a non-finite gradient, with the case that did it (for a repro bundle). */
export interface NonFiniteGradient {
  readonly node: string;
  readonly message: string;
  /** The layer's input in that sweep. */
  readonly x: Tensor;
  /** The gradient its backward received (summed over its consumers). */
  readonly dy: Tensor;
  /** The context its forward got. */
  readonly context: ForwardContext;
}

/** What the wiring provides to its nodes. */
export interface NodeRun {
  readonly taps: TapSubjects;
  /** Which nodes' gradients are needed, by node index. */
  readonly plan: GradientPlan;
  /** True once the run has failed: nodes drop every later message. */
  readonly failed: boolean;
  fail(error: Error): void;
  done(report: NodeDone): void;
}

/** What a node keeps between a sweep's forward and its backward. */
interface Held {
  readonly inputs: readonly Tensor[];
  readonly y: Tensor;
  readonly pass?: Pass | undefined;
}

/** Messages of one sweep arriving on several edges (merge inputs, fan-out gradients). */
interface Arrivals {
  readonly values: (Tensor | undefined)[];
  count: number;
}

const noParams: Readonly<Record<string, Tensor>> = Object.freeze({});
const dxNotWanted: GradientsWanted = Object.freeze({ dx: false });

/** One node of a running graph. */
export class LiveNode {
  /** The node's outputs, one message per sweep. */
  readonly y$ = new Subject<Message>();
  /** Gradients for each input slot, one message per sweep. */
  readonly dx$: readonly Subject<Message>[];
  /** Consumer edges, plus the loss for the output node. */
  readonly gradientEdges: number;
  private readonly held = new SweepTable<Held>();
  private readonly inputArrivals = new SweepTable<Arrivals>();
  private readonly gradientArrivals = new SweepTable<Arrivals>();
  /** The layer's parameter names, read once: backward's result is checked against them every sweep. */
  private readonly parameterNames: readonly string[];
  /** Per input slot: whether the producer's gradient is needed (else the slot is sent `noGradient`). */
  private readonly slotWanted: readonly boolean[];
  /** Whether dx is checked for non-finite values: only when a parameter lies upstream. */
  private readonly checkDx: boolean;
  /** Parameter gradients handed back by `recycle`, for the next backward to write into. */
  private spare: Readonly<Record<string, Tensor>> | undefined;
  /** The layer's y and dx handed back by `recycle`, for its next forward and backward to write into. */
  private spareY: Tensor | undefined;
  private spareDx: Tensor | undefined;
  /** The y and dx of the latest backward, which `recycle` hands back once the step is applied. */
  private lastY: Tensor | undefined;
  private lastDx: Tensor | undefined;

  constructor(
    readonly node: GraphNode,
    private readonly run: NodeRun,
    isOutput: boolean,
  ) {
    this.dx$ = node.inputs.map(() => new Subject<Message>());
    this.gradientEdges = node.consumers.length + (isOutput ? 1 : 0);
    this.parameterNames = node.layer ? Object.keys(node.layer.params) : [];
    this.slotWanted = node.inputs.map((producer) => run.plan[producer.index]!);
    this.checkDx = node.inputs[0] !== undefined && node.inputs[0].kind !== 'input' && this.slotWanted[0]!;
  }

  /** Forward passes held, awaiting their gradient. */
  get inFlight(): number {
    return this.held.size;
  }

  /** The output of a sweep still held, for locating where a non-finite value first appeared. */
  heldOutput(id: number): Tensor | undefined {
    return this.held.get(id)?.y;
  }

  /** The inputs of a sweep still held (for the repro bundle of a layer whose output went non-finite). */
  heldInputs(id: number): readonly Tensor[] | undefined {
    return this.held.get(id)?.inputs;
  }

  /** An activation arrives on input `slot`. */
  receiveInput(slot: number, message: Message): void {
    if (this.run.failed) return;
    const arity = Math.max(1, this.node.inputs.length);
    const inputs = arity === 1 ? [message.value] : this.gather(this.inputArrivals, slot, message, arity, 'an input');
    if (inputs) this.forward(message.tag, inputs);
  }

  /** A gradient arrives from consumer edge `slot` (the loss is the last edge of the output node). */
  receiveGradient(slot: number, message: Message): void {
    if (this.run.failed) return;
    const parts = this.gradientEdges === 1 ? [message.value] : this.gather(this.gradientArrivals, slot, message, this.gradientEdges, 'a gradient');
    if (parts) this.backward(message.tag, sumInOrder(parts));
  }

  /**
   * Keeps `dParams`, gradients this node's backward returned that no one reads any more, and the
   * y and dx of its latest backward's pass, as spares for its next forward and backward.
   */
  recycle(dParams: Readonly<Record<string, Tensor>> | undefined): void {
    if (dParams && dParams !== noParams && this.parameterNames.length > 0) this.spare = dParams;
    this.spareY = this.lastY;
    this.spareDx = this.lastDx;
    this.lastY = this.lastDx = undefined;
  }

  /** Drops everything held (after a failure or at teardown). */
  clear(): void {
    this.spare = this.spareY = this.spareDx = this.lastY = this.lastDx = undefined;
    this.held.clear();
    this.inputArrivals.clear();
    this.gradientArrivals.clear();
  }

  private forward(tag: SweepTag, inputs: readonly Tensor[]): void {
    let y: Tensor;
    let pass: Pass | undefined;
    try {
      ({ y, pass } = this.computeForward(tag, inputs));
    } catch (error) {
      this.run.fail(this.error(tag, 'forward', error));
      return;
    }
    if (tag.backward) this.held.set(tag.id, pass ? { inputs, y, pass } : { inputs, y });
    const tap = this.run.taps.forward$;
    if (tap.observed) tap.next({ tag, node: this.node, inputs, y });
    this.y$.next({ tag, value: y });
  }

  private computeForward(tag: SweepTag, inputs: readonly Tensor[]): { y: Tensor; pass?: Pass } {
    const { layer, merge } = this.node;
    if (merge) return { y: merge.forward(inputs) };
    if (!layer) return { y: inputs[0]! };
    const spare = this.spareY;
    this.spareY = undefined; // a spare serves one call
    const pass = layer.forward(inputs[0]!, spare ? { ...tag.context, spare } : tag.context);
    const fault = forwardFault(pass?.y, inputs[0]!, this.node.features);
    if (fault) throw this.error(tag, 'forward', fault);
    return { y: pass.y, pass };
  }

  private backward(tag: SweepTag, dy: Tensor): void {
    const held = this.held.get(tag.id);
    if (!held) {
      this.run.fail(this.error(tag, 'backward', `a gradient arrived for sweep ${tag.id}, which has no forward pass waiting (it ran without backward, or its gradient came twice)`));
      return;
    }
    this.held.delete(tag.id);
    if (dy === noGradient) return this.skipBackward(tag);
    let dInputs: readonly Tensor[];
    let dParams = noParams;
    let nonFinite: NonFiniteGradient | undefined;
    try {
      ({ dInputs, dParams, nonFinite } = this.computeBackward(tag, held, dy));
    } catch (error) {
      this.run.fail(this.error(tag, 'backward', error));
      return;
    }
    const tap = this.run.taps.backward$;
    if (tap.observed) tap.next({ tag, node: this.node, dy, dInputs, dParams });
    // Built field by field: an object spread here costs V8 a fresh hidden class per sweep.
    const report: NodeDone = this.node.kind === 'input' ? { tag, node: this.node, dParams, dx: dy } : nonFinite ? { tag, node: this.node, dParams, nonFinite } : { tag, node: this.node, dParams };
    this.run.done(report);
    for (let slot = 0; slot < dInputs.length && !this.run.failed; slot++) this.dx$[slot]!.next({ tag, value: dInputs[slot]! });
  }

  /** A node no parameter depends on: nothing to compute, the sweep's end passed on upstream. */
  private skipBackward(tag: SweepTag): void {
    this.run.done({ tag, node: this.node, dParams: noParams });
    for (let slot = 0; slot < this.dx$.length && !this.run.failed; slot++) this.dx$[slot]!.next({ tag, value: noGradient });
  }

  private computeBackward(tag: SweepTag, held: Held, dy: Tensor): { dInputs: readonly Tensor[]; dParams: Readonly<Record<string, Tensor>>; nonFinite?: NonFiniteGradient } {
    const { layer, merge } = this.node;
    // While the backward tap is observed every gradient is computed, so that it sees them all.
    const everything = this.run.taps.backward$.observed;
    if (merge) return { dInputs: this.unwanted(merge.backward(dy, held.inputs), everything), dParams: noParams };
    if (!layer) return { dInputs: [], dParams: noParams };
    const wantDx = everything || this.slotWanted[0]!;
    const wanted = this.takeSpares(wantDx);
    const gradients = wanted ? held.pass!.backward(dy, wanted) : held.pass!.backward(dy);
    const fault = backwardFault(layer, held.inputs[0]!, gradients, this.parameterNames, wantDx);
    if (fault) throw this.error(tag, 'backward', fault);
    this.keepForRecycling(held, dy, wantDx ? gradients.dx : undefined);
    const nonFinite = nonFiniteFault(dy, gradients, this.checkDx);
    const result = { dInputs: [wantDx ? gradients.dx! : noGradient], dParams: gradients.dParams };
    if (!nonFinite) return result;
    const message = `${this.node.name} (${this.node.op}), backward at step ${tag.step}: ${nonFinite}`;
    return { ...result, nonFinite: { node: this.node.name, message, x: held.inputs[0]!, dy, context: tag.context } };
  }

  /** The hint for a layer's backward: dx wanted or not, and the spares `recycle` handed back (each serves one call). */
  private takeSpares(wantDx: boolean): GradientsWanted | undefined {
    const spare = this.spare;
    const spareDx = wantDx ? this.spareDx : undefined;
    this.spare = this.spareDx = undefined;
    if (!spare && !spareDx) return wantDx ? undefined : dxNotWanted;
    return { dx: wantDx, ...(spare ? { spare } : {}), ...(spareDx ? { spareDx } : {}) };
  }

  /**
   * The pass's y and dx, to hand back as spares once the step is applied, unless they share
   * memory with what they were computed from (a layer that returns x as y, or dy as dx): a
   * spare is written over, and must be the layer's own.
   */
  private keepForRecycling(held: Held, dy: Tensor, dx: Tensor | undefined): void {
    const x = held.inputs[0]!.data.buffer;
    const y = held.y.data.buffer;
    this.lastY = y !== x ? held.y : undefined;
    this.lastDx = dx && dx.data.buffer !== dy.data.buffer && dx.data.buffer !== x && dx.data.buffer !== y ? dx : undefined;
  }

  /** A merge's input gradients, with `noGradient` on the slots whose producer needs none. */
  private unwanted(dInputs: readonly Tensor[], everything: boolean): readonly Tensor[] {
    return everything ? dInputs : dInputs.map((dx, slot) => (this.slotWanted[slot] ? dx : noGradient));
  }

  /** Collects one sweep's messages over `arity` edges; returns them in slot order once all arrived. */
  private gather(waiting: SweepTable<Arrivals>, slot: number, message: Message, arity: number, what: string): Tensor[] | undefined {
    const id = message.tag.id;
    let arrivals = waiting.get(id);
    if (!arrivals) {
      arrivals = { values: new Array<Tensor | undefined>(arity), count: 0 };
      waiting.set(id, arrivals);
    }
    if (arrivals.values[slot] !== undefined) {
      this.run.fail(this.error(message.tag, what === 'an input' ? 'forward' : 'backward', `${what} arrived twice on edge ${slot} for sweep ${id}`));
      return undefined;
    }
    arrivals.values[slot] = message.value;
    if (++arrivals.count < arity) return undefined;
    waiting.delete(id);
    return arrivals.values as Tensor[];
  }

  private error(tag: SweepTag, phase: Phase, cause: unknown): Error {
    if (cause instanceof LayerError) return cause;
    const site = { node: this.node.name, layer: this.node.op, step: tag.step, phase };
    return typeof cause === 'string' ? new LayerError(site, cause) : new LayerError(site, `the layer threw: ${messageOf(cause)}`, { cause });
  }
}

/**
 * The sum of gradients in edge order, so that the result never depends on arrival order. A
 * node whose gradient nothing needs receives `noGradient` on every edge, and the sum is that.
 */
function sumInOrder(parts: readonly Tensor[]): Tensor {
  if (parts.length === 1) return parts[0]!;
  if (parts.includes(noGradient)) return noGradient;
  const [first, ...rest] = parts;
  const out = first!.clone();
  for (const part of rest) accumulateInto(out.data, part.data);
  return out;
}
