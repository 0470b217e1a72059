/**
 * The trainer: reads batches, runs each step's microbatches through the graph's nodes, and
 * applies one optimizer update per step.
 *
 * The invariant that makes streaming training equal to the chain rule done by hand: a step's
 * update is applied only when no forward pass at all awaits its backward (every microbatch of
 * the step has finished its backward, and the next step's first batch is not sent in until
 * the update is done). So every pass of a step sees the same parameters, and no pass ever
 * runs its backward against parameters changed after its forward.
 */
import { Subject, type Observable } from 'rxjs';
import { createRandom, restoreRandom, type Random } from '../tensor/random.ts';
import { describe } from '../tensor/tensor.ts';
import { createEventStamper, type EventBody, type TelemetryEvent, type TrainingSummary } from '../telemetry/events.ts';
import { runEnvironment } from './runEnvironment.ts';
import { assertEvaluationRecord, type EvaluationRecord } from './evaluationRecord.ts';
import type { Graph } from './graph.ts';
import { wire, type Wiring } from './wiring.ts';
import { StepRunner, type OpenStep, type SettledStep } from './stepRunner.ts';
import { assertBatch, assertBatchSource, closeIterator, openEpoch, type BatchSource } from './data.ts';
import { completeTaps, createTapSubjects, tapsOf, type TapSubjects, type Taps } from './taps.ts';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions, type TrainResult, type TrainerState } from './trainOptions.ts';
import { applyStep, type AppliedStep, type LayerFault } from './update.ts';
import { evaluate } from './evaluate.ts';
import { DataError, NonFiniteError } from './errors.ts';
import { messageOf } from '../util/errorText.ts';
import type { Optimizer } from '../optim/optimizer.ts';
import { optimizerExpectations, resumeProblem } from './resumeCheck.ts';
import { problemText, within } from '../optim/stateProblem.ts';
import type { Batch } from '../data/dataset.ts';
import { captureLayerCase } from '../check/repro/bundle.ts';
import { bundleNote, reproFiles, type ReproFiles, type ReproWrite } from '../check/repro/reproFiles.ts';

/** A macrotask: `setImmediate` where the engine has it (Node), else a zero-delay timer (browsers). */
const nextTurn: (resolve: () => void) => void = typeof setImmediate === 'function' ? (resolve) => setImmediate(resolve) : (resolve) => setTimeout(resolve, 0);

/** A running training. */
export interface TrainHandle {
  /**
   * The run's telemetry events (run-start, step, evaluation, alarm, run-end), stamped with
   * consecutive `seq`. Hot: the run starts on the next microtask, so subscribing right after
   * `train` returns sees every event from run-start on. Completes after run-end, also when the
   * run fails. Delivered synchronously between steps: keep listeners light, or move their work
   * off with `observeOn` or sampling.
   */
  readonly telemetry$: Observable<TelemetryEvent>;
  /** Settles when the run ends: resolves when it completes or is stopped, rejects when it fails (a layer error, bad data, or a guard stop). */
  readonly result: Promise<TrainResult>;
  /** Ends the run cleanly between steps; an unfinished step's microbatches are dropped. */
  stop(): void;
  /** Per-node forward and backward taps, per-parameter update taps, and step boundaries. */
  readonly taps: Taps;
  /** The graph being trained; its parameters change in place with every step. */
  readonly graph: Graph;
  /** The optimizer the run steps with (from the options). */
  readonly optimizer: Optimizer;
  /** The run's id, as in every telemetry event: `runId` from the options, else the resumed run's, else a fresh `run-…`. */
  readonly runId: string;
  /** Where the run stood at its last step boundary (call it between steps, e.g. from `taps.step$`). */
  state(): TrainerState;
  /**
   * Sends an evaluation the caller made itself (a test split scored from `taps.step$`, say) as
   * an `evaluation` event of the run, at its last completed step and epoch (or `epoch` when
   * given), to every sink: the JSONL record, the dashboard, Prometheus. Call it while the run
   * goes on: from run-start to the end of its last step (after `result` settles the stream
   * is closed, and this throws). Evaluations the `validation` option asks for are sent by the
   * trainer itself.
   */
  recordEvaluation(evaluation: EvaluationRecord): void;
}

const trainingGraphs = new WeakSet<Graph>();
/** The run behind each handle `train` returned, for {@link hasRunStarted}. */
const runsOfHandles = new WeakMap<TrainHandle, TrainingRun>();

/**
 * Whether the run behind `handle` has sent its run-start (it does on the microtask after
 * `train` returns); undefined for an object `train` did not return. Sinks that record the run
 * whole (a JSONL file) use it to refuse a late start instead of writing a record without its
 * beginning.
 */
export function hasRunStarted(handle: TrainHandle): boolean | undefined {
  return runsOfHandles.get(handle)?.started;
}
const yieldEveryMs = 50;

/**
 * Trains `graph` on `data`: one step per batch (or per `microbatches` batches), for `epochs`
 * passes, updating the parameters in place.
 *
 * @example
 * const run = train(net, batches, { loss: softmaxCrossEntropy(), optimizer: sgd(0.1), epochs: 3 });
 * run.telemetry$.subscribe((e) => e.type === 'step' && console.log(e.step, e.loss));
 * const { loss } = await run.result;
 */
export function train(graph: Graph, data: BatchSource, options: TrainOptions): TrainHandle {
  if (typeof graph?.summaryRows !== 'function') throw new TypeError(`train: expected a built graph (from graph() or sequential()), got ${describe(graph)}`);
  assertBatchSource(data, 'train');
  const resolved = resolveTrainOptions(options);
  if (resolved.shuffle && !Array.isArray(data)) throw new TypeError('train: shuffle needs the data as an array of batches');
  if (trainingGraphs.has(graph)) throw new Error('train: this graph is already training; wait for that run to end (two runs would update the same parameters)');
  if (resolved.resume) loadResumedOptimizer(graph, data, resolved, resolved.resume);
  trainingGraphs.add(graph);
  const run = new TrainingRun(graph, data, resolved);
  const result = run.start().finally(() => trainingGraphs.delete(graph));
  result.catch(() => undefined); // failures also reach telemetry's run-end: never an unhandled rejection
  const handle: TrainHandle = {
    telemetry$: run.telemetry$.asObservable(),
    result,
    stop: () => run.stop(),
    taps: tapsOf(run.taps),
    graph,
    optimizer: resolved.optimizer,
    runId: run.runId,
    state: () => run.state(),
    recordEvaluation: (evaluation) => run.recordEvaluation(evaluation),
  };
  runsOfHandles.set(handle, run);
  return handle;
}

/**
 * Checks a resumed state against this run (optimizer, data; see resumeCheck.ts) and loads its
 * optimizer state, before anything else changes.
 */
function loadResumedOptimizer(graph: Graph, data: BatchSource, options: ResolvedTrainOptions, resume: TrainerState): void {
  const run = { graph, optimizer: options.optimizer, data, microbatches: options.microbatches, guard: options.guard };
  const problem = resumeProblem(resume, run);
  if (problem) throw new RangeError(`train: ${problemText(within('resume', problem)!)}`);
  options.optimizer.loadState(resume.optimizer, optimizerExpectations(resume, run));
}

/** Where the run stood at its last step boundary (without the optimizer, which is read on demand). */
interface Boundary {
  readonly step: number;
  readonly epoch: number;
  readonly batchesIntoEpoch: number;
  readonly random: ReturnType<Random['state']>;
}

class TrainingRun {
  readonly telemetry$ = new Subject<TelemetryEvent>();
  readonly taps: TapSubjects = createTapSubjects();
  /** Messages the forward, backward and update taps had delivered when the last step was settled. */
  private tapMessages = 0;
  readonly runId: string;
  private readonly wiring: Wiring;
  private readonly runner: StepRunner;
  /** Where the guard's repro bundles go (the `reproDirectory` option), if anywhere. */
  private readonly repro: ReproFiles | undefined;
  private readonly random: Random;
  private readonly stamp: ReturnType<typeof createEventStamper>;
  private boundary: Boundary;
  private skip: number;
  private ending: 'completed' | 'stopped' | undefined;
  /** Settles the wait for the next batch early, on stop() or a failure. */
  private interrupt: { resolve: (value: 'stopped') => void; reject: (error: Error) => void } | undefined;
  private steps = 0;
  private lastLoss = NaN;
  private startTime = 0;
  private lastBoundaryTime = 0;
  private lastYield = 0;
  private nextSeq: number;
  /** Set once run-end is on its way: nothing more may be emitted. */
  private ended = false;

  constructor(
    private readonly graph: Graph,
    private readonly data: BatchSource,
    private readonly options: ResolvedTrainOptions,
  ) {
    const resume = options.resume;
    this.runId = options.runId ?? resume?.runId ?? `run-${globalThis.crypto.randomUUID()}`;
    this.random = resume ? restoreRandom(resume.random) : createRandom(options.seed);
    this.boundary = { step: resume?.step ?? 0, epoch: resume?.epoch ?? 1, batchesIntoEpoch: resume?.batchesIntoEpoch ?? 0, random: this.random.state() };
    this.skip = this.boundary.batchesIntoEpoch;
    this.nextSeq = resume?.nextSeq ?? 0;
    this.stamp = createEventStamper(this.runId, this.nextSeq);
    // Training reads no ∂L/∂x of the input: the layers it feeds skip computing it.
    this.wiring = wire(graph, { taps: this.taps, inputGradient: false, ...(options.edge ? { edge: options.edge } : {}) });
    this.runner = new StepRunner(this.wiring, options.loss, (error) => this.interrupt?.reject(error));
    this.repro = options.reproDirectory === undefined ? undefined : reproFiles(options.reproDirectory);
  }

  stop(): void {
    this.ending ??= 'stopped';
    this.interrupt?.resolve('stopped');
  }

  /** Whether run-start has been sent. */
  get started(): boolean {
    return this.startTime !== 0;
  }

  state(): TrainerState {
    return {
      runId: this.runId,
      seed: this.options.seed,
      step: this.boundary.step,
      epoch: this.boundary.epoch,
      batchesIntoEpoch: this.boundary.batchesIntoEpoch,
      random: this.boundary.random,
      optimizer: this.options.optimizer.state(),
      nextSeq: this.nextSeq,
    };
  }

  private emit(body: EventBody): void {
    this.nextSeq++;
    this.telemetry$.next(this.stamp(body) as TelemetryEvent);
  }

  async start(): Promise<TrainResult> {
    await Promise.resolve(); // let the caller subscribe to the handle first
    this.startTime = this.lastBoundaryTime = this.lastYield = performance.now();
    this.emit({
      type: 'run-start', name: this.options.name ?? null, config: this.options.config ?? {}, training: this.training(), environment: runEnvironment(),
      seed: this.options.seed, graph: this.graph.summaryRows(), startStep: this.boundary.step,
    });
    let failure: unknown;
    try {
      await this.epochs();
    } catch (error) {
      failure = error;
    } finally {
      this.runner.dispose();
      this.wiring.dispose();
      completeTaps(this.taps);
    }
    const durationSeconds = (performance.now() - this.startTime) / 1000;
    const reason = failure === undefined ? (this.ending ?? 'completed') : failure instanceof NonFiniteError ? 'alarm' : 'error';
    this.ended = true;
    this.emit({ type: 'run-end', step: this.boundary.step, reason, durationSeconds, ...(failure !== undefined ? { error: messageOf(failure) } : {}) });
    this.telemetry$.complete();
    if (failure !== undefined) throw failure;
    return { reason: this.ending === 'stopped' ? 'stopped' : 'completed', step: this.boundary.step, steps: this.steps, epoch: this.boundary.epoch, loss: this.lastLoss, durationSeconds };
  }

  /** What the trainer knows of its own settings, for run-start. */
  private training(): TrainingSummary {
    const { loss, optimizer, epochs, microbatches, guard, shuffle, maxSteps } = this.options;
    // An array's first batch says the batch size; a stream's batches are not known before they come.
    const first: unknown = Array.isArray(this.data) ? this.data[0] : undefined;
    const rows = (first as { x?: { shape?: readonly number[] } } | undefined)?.x?.shape?.[0];
    return {
      loss: loss.name,
      optimizer: { name: optimizer.name, ...optimizer.hyperparameters },
      epochs: Number.isFinite(epochs) ? epochs : 'Infinity',
      microbatches,
      guard,
      shuffle,
      maxSteps: maxSteps ?? null,
      parameters: this.graph.parameterCount,
      batchSize: typeof rows === 'number' ? rows : null,
    };
  }

  /** An evaluation made by the caller, as an event at the last completed step (see {@link TrainHandle.recordEvaluation}). */
  recordEvaluation(evaluation: EvaluationRecord): void {
    assertEvaluationRecord(evaluation);
    if (this.ended) {
      throw new Error(`recordEvaluation: the run ${this.runId} has ended (its run-end event was sent); record evaluations while it trains, for instance from taps.step$`);
    }
    if (this.startTime === 0) throw new Error(`recordEvaluation: the run ${this.runId} has not started yet (its run-start comes on the next microtask); record evaluations while it trains, for instance from taps.step$`);
    const { split, loss, accuracy = null, epoch = this.boundary.epoch } = evaluation;
    this.emit({ type: 'evaluation', step: this.boundary.step, epoch, split, loss, accuracy });
  }

  private async epochs(): Promise<void> {
    const reachedMax = () => this.options.maxSteps !== undefined && this.boundary.step >= this.options.maxSteps;
    if (reachedMax()) this.ending ??= 'completed';
    for (let epoch = this.boundary.epoch; epoch <= this.options.epochs && !this.ending; epoch++) {
      const epochRandom = this.random.state();
      const read = await this.epoch(epoch, epochRandom, reachedMax);
      if (this.ending === 'stopped') return;
      if (read === 0) {
        const hint = epoch > 1 ? '; a generator object, an async iterable or a hot stream can be read only once: pass an array, a fresh iterable or a cold Observable for several epochs' : '';
        throw new DataError(`train: the data yielded no batches in epoch ${epoch}${hint}`);
      }
      // maxSteps reached inside the epoch: the run's position stays in it, so a resumed run finishes (and validates) it.
      if (this.ending) return;
      await this.validate(epoch);
      if (epoch < this.options.epochs) this.boundary = { step: this.boundary.step, epoch: epoch + 1, batchesIntoEpoch: 0, random: this.random.state() };
    }
  }

  /** Runs one epoch; returns the number of batches the data yielded (skipped ones included). */
  private async epoch(epoch: number, epochRandom: Boundary['random'], reachedMax: () => boolean): Promise<number> {
    const iterator = openEpoch(this.data, this.options.shuffle ? this.random : undefined, this.options.maxQueuedBatches);
    const skip = this.skip;
    this.skip = 0;
    let read = 0;
    let open: OpenStep | undefined;
    const finish = async (step: OpenStep) => {
      await this.finishStep(step, { epoch, batchesIntoEpoch: read, random: epochRandom });
      if (reachedMax()) this.ending ??= 'completed';
    };
    try {
      while (!this.ending) {
        const next = await this.nextBatch(iterator);
        if (next === 'stopped' || next.done) break;
        read++;
        if (read <= skip) continue;
        const where = `batch ${read} of epoch ${epoch}`;
        assertBatch(this.graph, next.value, `train: ${where}`, false); // finiteness is checked where a fault shows (see update.ts)
        open ??= this.runner.begin(this.boundary.step + 1);
        open.launch(next.value, where, { training: true, step: open.step });
        if (open.launched === this.options.microbatches) {
          const full = open;
          open = undefined;
          await finish(full);
        }
      }
      if (open && !this.ending) await finish(open);
    } finally {
      closeIterator(iterator);
    }
    if (read < skip && !this.ending) {
      // Known only now for a source that is not an array: the resumed position lies past the epoch's end.
      throw new DataError(`train: resume.batchesIntoEpoch is ${skip}, but epoch ${epoch} of the data yielded ${read} batches; resume the run (${this.runId} at step ${this.boundary.step}) with the data it was saved with`);
    }
    return read;
  }

  /**
   * The next batch, or 'stopped' when stop() comes first; rejects when the run fails while
   * waiting. (Not Promise.race against a long-lived promise: each race would leave a reaction,
   * and with it a batch, on that promise for the rest of the run.)
   */
  private nextBatch(iterator: AsyncIterator<Batch>): Promise<IteratorResult<Batch> | 'stopped'> {
    return new Promise<IteratorResult<Batch> | 'stopped'>((resolve, reject) => {
      this.interrupt = { resolve, reject };
      iterator.next().then(resolve, reject);
    }).finally(() => (this.interrupt = undefined));
  }

  private async finishStep(open: OpenStep, position: Omit<Boundary, 'step'>): Promise<void> {
    const settled = await open.close();
    const applied = applyStep({
      graph: this.graph,
      wiring: this.wiring,
      optimizer: this.options.optimizer,
      taps: this.taps,
      settled,
    });
    if (applied.alarm) this.raise(applied, settled.step);
    else this.recycleGradients(settled);
    this.steps++;
    this.lastLoss = applied.loss;
    this.boundary = { step: settled.step, ...position };
    this.emitStep(applied, position.epoch);
    const pause = this.yieldDue();
    if (pause) await pause;
  }

  /**
   * Hands the step's parameter gradients back to their nodes once the update has read them,
   * with each layer's y and dx, as spares the next forward and backward may write into (see
   * `GradientsWanted.spare`, `ForwardContext.spare`): a fresh dW of dense(784, 128) costs more in
   * page faults than the gemm that fills it. Not for a step in which a forward, backward or
   * update tap delivered a message, whose listeners may hold its tensors (those are never
   * handed back, so nothing writes into them later); listeners of the borrowed taps
   * (`taps.borrowed`, which `layerStats$` reads) keep nothing, and cost no step its spares.
   */
  private recycleGradients(settled: SettledStep): void {
    const { forward$, backward$, update$ } = this.taps;
    const messages = forward$.delivered + backward$.delivered + update$.delivered;
    const exposed = messages !== this.tapMessages;
    this.tapMessages = messages;
    if (exposed) return;
    for (const microbatch of settled.microbatches) this.wiring.recycle(microbatch.sweep);
  }

  private raise(applied: AppliedStep, step: number): void {
    const { alarm } = applied;
    if (!alarm) return;
    const written = alarm.fault ? this.reportFault(alarm.fault, step) : undefined;
    const repro = written && 'path' in written ? written.path : undefined;
    const message = `${alarm.message}${bundleNote(written)}`;
    this.emit({ type: 'alarm', step, kind: alarm.kind, message, policy: this.options.guard, ...(alarm.node ? { layer: alarm.node } : {}), ...(repro ? { repro } : {}) });
    if (this.options.guard === 'stop') {
      const bundle = repro ? `; repro bundle: ${repro} (gradstream repro ${repro})` : '';
      throw new NonFiniteError(`train: ${message}${bundle} (guard 'stop' ended the run; guard 'continue' skips such steps)`, step, alarm.node);
    }
  }

  /**
   * A layer's fault: its bundle, written when the run has a `reproDirectory`, and the fault tap
   * (`watch` writes the bundle beside its JSONL file from there). The update was held back, so
   * the layer's parameters are still those of the faulty pass.
   */
  private reportFault(fault: LayerFault, step: number): ReproWrite | undefined {
    const node = this.graph.nodes.find((candidate) => candidate.name === fault.node);
    if (!node?.layer) return undefined;
    const written = this.repro?.write(captureLayerCase({
      kind: fault.kind, runId: this.runId, seed: this.options.seed, step, node: node.name, layer: node.layer, x: fault.x, dy: fault.dy, context: fault.context, summary: fault.message,
    }));
    const tap = this.taps.fault$;
    if (tap.observed) tap.next({ kind: fault.kind, step, node, x: fault.x, dy: fault.dy, context: fault.context, message: fault.message, ...(written && 'path' in written ? { repro: written.path } : {}) });
    return written;
  }

  private emitStep(applied: AppliedStep, epoch: number): void {
    const now = performance.now();
    const seconds = Math.max((now - this.lastBoundaryTime) / 1000, 1e-9);
    this.lastBoundaryTime = now;
    const step = this.boundary.step;
    this.emit({
      type: 'step',
      step,
      epoch,
      loss: applied.loss,
      learningRate: this.options.optimizer.learningRate,
      samplesPerSecond: applied.samples / seconds,
      wallTime: (now - this.startTime) / 1000,
    });
    if (this.taps.step$.observed) this.taps.step$.next({ step, epoch, loss: applied.loss, samples: applied.samples });
  }

  private async validate(epoch: number): Promise<void> {
    if (!this.options.validation) return;
    const result = await evaluate(this.graph, this.options.validation, { loss: this.options.loss, step: this.boundary.step });
    this.emit({ type: 'evaluation', step: this.boundary.step, epoch, split: 'validation', loss: result.loss, accuracy: result.accuracy ?? null });
  }

  /**
   * A turn of the event loop every 50 ms or so, to await between steps: it lets timers, I/O
   * and `stop()` in (a turn also runs pending GC tasks, so not after every step). Undefined
   * when none is due, so that a step pays no promise for it.
   */
  private yieldDue(): Promise<void> | undefined {
    if (performance.now() - this.lastYield < yieldEveryMs) return undefined;
    return new Promise<void>(nextTurn).then(() => {
      this.lastYield = performance.now();
    });
  }
}
