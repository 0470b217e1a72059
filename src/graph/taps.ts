/**
 * Taps: read-only views of what flows through a run, for statistics, audits and debugging.
 * A tap message is built only while its Subject has a subscriber (`observed`), so an
 * unobserved tap costs one property read per node and sweep.
 *
 * Tap messages are delivered synchronously, inside the sweep: a listener must not modify
 * the tensors it receives, and should hand heavy work off (sample, or `observeOn`) rather
 * than do it in the callback.
 */
import { Subject, type Observable } from 'rxjs';
import type { Tensor } from '../tensor/tensor.ts';
import type { GraphNode, GraphParameter } from './graph.ts';
import type { SweepTag } from './message.ts';
import type { ForwardContext } from '../layers/contract.ts';

/** A node finished its forward for a sweep. For a layer node `inputs[0]` is the layer's x. */
export interface ForwardTap {
  /** The sweep (step, microbatch, context). */
  readonly tag: SweepTag;
  /** The node that ran. */
  readonly node: GraphNode;
  /** What the node received, in slot order. */
  readonly inputs: readonly Tensor[];
  /** The node's output. */
  readonly y: Tensor;
}

/** A node finished its backward for a sweep: dy (summed over its consumers) and what it returned. */
export interface BackwardTap {
  /** The sweep (step, microbatch, context). */
  readonly tag: SweepTag;
  /** The node that ran. */
  readonly node: GraphNode;
  /** ∂L/∂y of the node, summed over its consumers. */
  readonly dy: Tensor;
  /** One gradient per input; for a layer node `dInputs[0]` is dx. */
  readonly dInputs: readonly Tensor[];
  /** The layer's parameter gradients for this sweep (`{}` for merges and parameter-free layers). */
  readonly dParams: Readonly<Record<string, Tensor>>;
}

/** The optimizer updated one parameter. */
export interface UpdateTap {
  /** The step whose update this is (1-based). */
  readonly step: number;
  /** The updated parameter, with its key and the nodes that hold it. */
  readonly parameter: GraphParameter;
  /** The step's gradient (summed over microbatches and nodes sharing the parameter). */
  readonly gradient: Tensor;
  /** θ_after − θ_before, in an array the run writes again at its next sampled step: copy it to keep it past the callback. */
  readonly delta: Tensor;
  /** The parameter itself, after the update: live, so copy it to keep it past the callback. */
  readonly value: Tensor;
}

/**
 * A step boundary: the update is applied and no sweep is in flight. A listener may run a
 * check on a layer here (on an x it kept from `forward$`); it must restore any parameter it
 * perturbs before returning.
 */
export interface StepBoundary {
  /** The step just completed (1-based). */
  readonly step: number;
  /** The epoch its batches came from (1-based). */
  readonly epoch: number;
  /** The step's loss: its batch's, or the sample-weighted mean over its microbatches. */
  readonly loss: number;
  /** Samples in the step (over all its microbatches). */
  readonly samples: number;
}

/**
 * The trainer's guard found where a NaN or ±Infinity began: a layer whose backward turned a
 * finite dy non-finite, or whose forward turned a finite x non-finite (making the loss so); the
 * case that did it, just before the step's `alarm` event (whatever the guard's policy).
 */
export interface FaultTap {
  /** The alarm's kind: `non-finite-gradient` (backward) or `non-finite-loss` (forward). */
  readonly kind: 'non-finite-gradient' | 'non-finite-loss';
  /** The step whose update the guard held back. */
  readonly step: number;
  /** The node whose layer produced the non-finite value. */
  readonly node: GraphNode;
  /** The layer's input in the faulty sweep. */
  readonly x: Tensor;
  /** The gradient its backward received; for a forward fault, a cotangent drawn from the step. */
  readonly dy: Tensor;
  /** The context its forward got. */
  readonly context: ForwardContext;
  /** The alarm's message: which gradient, which entry, which value. */
  readonly message: string;
  /** The repro bundle the trainer wrote (its `reproDirectory` option), when it wrote one. */
  readonly repro?: string | undefined;
}

/** The taps of a run. */
export interface Taps {
  /** Every node's forward, for every sweep. */
  readonly forward$: Observable<ForwardTap>;
  /** Every node's backward, for every training sweep. */
  readonly backward$: Observable<BackwardTap>;
  /** Every parameter's update, once per step. */
  readonly update$: Observable<UpdateTap>;
  /** Every step boundary, after the update. */
  readonly step$: Observable<StepBoundary>;
  /** Every layer the guard finds a NaN or ±Infinity beginning at, before its alarm. */
  readonly fault$: Observable<FaultTap>;
  /**
   * The same forward, backward and update messages, for listeners that read the tensors only
   * while called and keep none of them (statistics that copy what they need). A step whose
   * messages went only to such listeners still hands its tensors back as spares, which a
   * listener on `forward$`, `backward$` or `update$` (which may keep them) costs the step.
   */
  readonly borrowed: BorrowedTaps;
}

/** See {@link Taps.borrowed}: each message's tensors may be read only during the call, and are written again by later steps. */
export interface BorrowedTaps {
  /** Every node's forward, for every sweep; `y` and `inputs` are valid only during the call. */
  readonly forward$: Observable<ForwardTap>;
  /** Every node's backward, for every training sweep; the tensors are valid only during the call. */
  readonly backward$: Observable<BackwardTap>;
  /** Every parameter's update, once per step; the tensors are valid only during the call. */
  readonly update$: Observable<UpdateTap>;
}

/**
 * A Subject that counts the messages it delivered to listeners that may keep them (given while
 * observed). The trainer compares the counts of the taps that carry tensors before and after a
 * step: a step none went out in holds no tensor a listener may keep, so its tensors can be
 * handed back as spares. Listeners of {@link CountingSubject.borrowers} read each message only
 * while called, so what they receive is not counted; `observed` is true while either has one.
 */
export class CountingSubject<T> extends Subject<T> {
  /** Messages delivered to at least one listener that may keep them, so far. */
  delivered = 0;
  /** The same messages, for listeners that keep nothing past the call. */
  readonly borrowers = new Subject<T>();

  override get observed(): boolean {
    return super.observed || this.borrowers.observed;
  }

  override next(value: T): void {
    if (super.observed) {
      this.delivered++;
      super.next(value);
    }
    this.borrowers.next(value);
  }

  override error(error: unknown): void {
    super.error(error);
    this.borrowers.error(error);
  }

  override complete(): void {
    super.complete();
    this.borrowers.complete();
  }
}

/** The Subjects behind {@link Taps}, owned by the run that emits into them. */
export interface TapSubjects {
  readonly forward$: CountingSubject<ForwardTap>;
  readonly backward$: CountingSubject<BackwardTap>;
  readonly update$: CountingSubject<UpdateTap>;
  readonly step$: Subject<StepBoundary>;
  readonly fault$: Subject<FaultTap>;
}

/** Fresh tap Subjects. */
export function createTapSubjects(): TapSubjects {
  return { forward$: new CountingSubject(), backward$: new CountingSubject(), update$: new CountingSubject(), step$: new Subject(), fault$: new Subject() };
}

/** The read-only side of tap Subjects. */
export function tapsOf(subjects: TapSubjects): Taps {
  return Object.freeze({
    forward$: subjects.forward$.asObservable(),
    backward$: subjects.backward$.asObservable(),
    update$: subjects.update$.asObservable(),
    step$: subjects.step$.asObservable(),
    fault$: subjects.fault$.asObservable(),
    borrowed: Object.freeze({
      forward$: subjects.forward$.borrowers.asObservable(),
      backward$: subjects.backward$.borrowers.asObservable(),
      update$: subjects.update$.borrowers.asObservable(),
    }),
  });
}

/** Completes every tap, so that listeners can flush and their subscriptions close. */
export function completeTaps(subjects: TapSubjects): void {
  subjects.forward$.complete();
  subjects.backward$.complete();
  subjects.update$.complete();
  subjects.step$.complete();
  subjects.fault$.complete();
}
