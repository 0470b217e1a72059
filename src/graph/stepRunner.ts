/**
 * Runs steps through a wiring: launches each microbatch's sweep, computes the loss where the
 * output arrives, sends ∂L/∂output back in, and settles the step once every microbatch's
 * backward has reached every node. Nothing here updates parameters: the trainer does that
 * with the settled step, and `computeGradients` just returns it.
 */
import { Subscription } from 'rxjs';
import { ShapeError, Tensor, describe, formatShape, sameShape, unflatIndex } from '../tensor/tensor.ts';
import { allFinite, firstNonFinite } from '../tensor/elementwise.ts';
import type { ForwardContext, Loss } from '../layers/contract.ts';
import type { Batch } from '../data/dataset.ts';
import type { Message, SweepTag } from './message.ts';
import type { SweepGradients, Wiring } from './wiring.ts';
import type { MicrobatchGradients } from './accumulate.ts';
import { DataError } from './errors.ts';
import { asError, messageOf } from '../util/errorText.ts';
import { SweepTable } from './sweepTable.ts';

/** A completed microbatch, with what went non-finite in its loss, if anything. */
export interface MicrobatchRecord extends MicrobatchGradients {
  readonly batch: Batch;
  /** Names the batch in messages (`batch 3 of epoch 1`). */
  readonly where: string;
  /** The prediction the loss saw. */
  readonly prediction: Tensor;
  /** Set when the loss or its gradient is non-finite: what, and where it first appeared. */
  readonly lossFault?: string | undefined;
  /** Set when a non-finite loss began at a layer's output: that layer's case (for a repro bundle). */
  readonly forwardFault?: ForwardFault | undefined;
}

/** A layer node whose output went non-finite although its input was finite, in one sweep. */
export interface ForwardFault {
  readonly node: string;
  /** The layer's input. */
  readonly x: Tensor;
  /** Its output, holding the non-finite value. */
  readonly y: Tensor;
  readonly context: ForwardContext;
}

/** A settled step: its microbatches in launch order. */
export interface SettledStep {
  readonly step: number;
  readonly microbatches: readonly MicrobatchRecord[];
}

/** A step whose microbatches are being launched. */
export interface OpenStep {
  readonly step: number;
  /** Microbatches launched so far. */
  readonly launched: number;
  /** Sends one microbatch through the graph; `where` names it in errors (`batch 3 of epoch 1`). */
  launch(batch: Batch, where: string, context: ForwardContext): void;
  /** No more microbatches: resolves when all have finished backward; rejects on the run's first failure. */
  close(): Promise<SettledStep>;
}

interface Sweep {
  readonly step: PendingStep;
  readonly index: number;
  readonly batch: Batch;
  readonly where: string;
  loss: number;
  prediction?: Tensor | undefined;
  lossFault?: string | undefined;
  forwardFault?: ForwardFault | undefined;
}

/** What the runner keeps of a step whose microbatches are in flight; the trainer sees an {@link OpenStep} over it. */
interface PendingStep {
  readonly step: number;
  records: MicrobatchRecord[];
  launched: number;
  completed: number;
  closed: boolean;
  settle: { resolve: (s: SettledStep) => void; reject: (e: unknown) => void } | undefined;
}

/** Steps through one wiring with one loss. */
export class StepRunner {
  private nextId = 1;
  private readonly sweeps = new SweepTable<Sweep>();
  /** Steps begun and not yet settled (rarely more than one: an array, which unlike a Set allocates nothing per step). */
  private open: PendingStep[] = [];
  private readonly subscription = new Subscription();
  private failure: Error | undefined;

  /** `onFailure` hears the run's first failure, also while no step is open. */
  constructor(
    private readonly wiring: Wiring,
    private readonly loss: Loss,
    private readonly onFailure?: (error: Error) => void,
  ) {
    this.subscription.add(wiring.output$.subscribe((message) => this.guarded(this.onOutput, message)));
    this.subscription.add(
      wiring.completed$.subscribe({
        next: (sweep) => this.guarded(this.onCompleted, sweep),
        error: (error: unknown) => this.failed(asError(error)),
      }),
    );
  }

  /** Starts step `step`. */
  begin(step: number): OpenStep {
    const pending: PendingStep = { step, records: [], launched: 0, completed: 0, closed: false, settle: undefined };
    this.open.push(pending);
    return {
      step,
      get launched() {
        return pending.launched;
      },
      launch: (batch, where, context) => this.launch(pending, batch, where, context),
      close: () => this.close(pending),
    };
  }

  /** Unsubscribes from the wiring; open steps are abandoned. */
  dispose(): void {
    this.subscription.unsubscribe();
    this.sweeps.clear();
    this.open = [];
  }

  /** Sends one microbatch of `pending` through the graph (what `OpenStep.launch` does). */
  private launch(pending: PendingStep, batch: Batch, where: string, context: ForwardContext): void {
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    const index = pending.launched++;
    this.sweeps.set(id, { step: pending, index, batch, where, loss: NaN });
    this.wiring.forward({ id, step: pending.step, microbatch: index, context, backward: true }, batch.x);
  }

  /** Resolves once every microbatch of `pending` has finished backward (what `OpenStep.close` does). */
  private close(pending: PendingStep): Promise<SettledStep> {
    pending.closed = true;
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      pending.settle = { resolve, reject };
      this.settleIfDone(pending);
    });
  }

  private onOutput({ tag, value: prediction }: Message): void {
    const sweep = this.sweeps.get(tag.id);
    if (!sweep) return;
    const where = `${sweep.where}, step ${tag.step}`;
    let lossPass;
    try {
      lossPass = this.loss.forward(prediction, sweep.batch.target);
    } catch (error) {
      throw new DataError(`${where}: the loss ${this.loss.name} failed: ${messageOf(error)}`, { cause: error }); // most often a target that does not fit
    }
    sweep.loss = lossPass.loss;
    sweep.prediction = prediction;
    if (typeof lossPass.loss !== 'number' || !Number.isFinite(lossPass.loss)) {
      sweep.lossFault = this.describeLossFault(sweep, tag, lossPass.loss, where);
    }
    const dy = lossPass.backward();
    if (!(dy instanceof Tensor) || !sameShape(dy.shape, prediction.shape)) {
      const Fault = dy instanceof Tensor ? ShapeError : TypeError;
      throw new Fault(`${where}: the loss ${this.loss.name} returned ∂L/∂prediction = ${describe(dy)}; expected a tensor of the prediction's shape ${formatShape(prediction.shape)}`);
    }
    const at = sweep.lossFault || allFinite(dy.data) ? -1 : firstNonFinite(dy.data);
    if (at >= 0) {
      sweep.lossFault = `${where}: the loss ${this.loss.name} is finite but its gradient holds ${dy.data[at]} at ${formatShape(unflatIndex(dy.shape, at))}`;
    }
    this.wiring.backward(tag, dy);
  }

  private describeLossFault(sweep: Sweep, tag: SweepTag, loss: unknown, where: string): string {
    const origin = this.wiring.firstNonFiniteOutput(tag.id);
    const x = origin?.inputs[0];
    if (origin && x && origin.inputs.length === 1) sweep.forwardFault = { node: origin.node, x, y: origin.y, context: tag.context };
    const source = origin
      ? `the first non-finite activation is the output of ${origin.node} (${origin.op}) at flat index ${origin.index}`
      : 'every activation is finite, so the loss itself produced it';
    return `${where}: the loss ${this.loss.name} is ${describe(loss)}; ${source}`;
  }

  private onCompleted(done: SweepGradients): void {
    const sweep = this.sweeps.get(done.tag.id);
    if (!sweep) return;
    this.sweeps.delete(done.tag.id);
    const record: MicrobatchRecord = {
      batch: sweep.batch,
      where: sweep.where,
      samples: sweep.batch.x.shape[0]!,
      loss: sweep.loss,
      sweep: done,
      prediction: sweep.prediction!,
      lossFault: sweep.lossFault, // always present (undefined when none): one hidden class for every record
      forwardFault: sweep.forwardFault,
    };
    sweep.step.records[sweep.index] = record;
    sweep.step.completed++;
    this.settleIfDone(sweep.step);
  }

  private settleIfDone(pending: PendingStep): void {
    if (!pending.closed || !pending.settle || pending.completed < pending.launched) return;
    this.open.splice(this.open.indexOf(pending), 1);
    // The caller's OpenStep may outlive the step: through `records` or the settled promise
    // (which holds its value) it would keep the step's gradients alive, so drop both.
    const { settle, records: microbatches } = pending;
    pending.records = [];
    pending.settle = undefined;
    settle.resolve({ step: pending.step, microbatches });
  }

  private failed(error: Error): void {
    this.failure ??= error;
    for (const pending of this.open) pending.settle?.reject(this.failure);
    this.open = [];
    this.sweeps.clear();
    this.onFailure?.(this.failure);
  }

  /** Subscriber callbacks must not throw (RxJS would report the error out of band): failures go to the wiring. */
  private guarded<T>(body: (this: StepRunner, value: T) => void, value: T): void {
    try {
      body.call(this, value);
    } catch (error) {
      this.wiring.fail(asError(error));
    }
  }
}
