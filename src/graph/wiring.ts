/**
 * The wiring of one run: a LiveNode per graph node, one subscription per edge, and the
 * collector that reports a sweep once its backward has reached every node. The wiring, not
 * the layers, owns subscriptions, errors and teardown (the way RxJS's `operate` helper does
 * for operators): a node's failure errors `completed$`, and `dispose()` unsubscribes every
 * edge and drops every held pass.
 *
 *     input$ ──▶ [input] ──y──▶ [dense_1] ──y──▶ [relu_1] ──y──▶ … ──▶ output$ ──▶ loss
 *                   ▲   ◀──dx──     │     ◀──dx──                    ◀── dy ──┘
 *                   └──────── done(dParams) ──▶ completed$ ──▶ optimizer
 */
import { Subject, Subscription, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import type { Tensor } from '../tensor/tensor.ts';
import { firstNonFinite } from '../tensor/elementwise.ts';
import type { Graph } from './graph.ts';
import type { Message, SweepTag } from './message.ts';
import { LiveNode, type NodeDone, type NodeRun, type NonFiniteGradient } from './node.ts';
import { createTapSubjects, type TapSubjects } from './taps.ts';
import { SweepTable } from './sweepTable.ts';
import { gradientPlan } from './gradientPlan.ts';

/**
 * An operator applied to every edge (forward, backward, and the output to the loss). The
 * default applies none. Tests use it to schedule messages on `asyncScheduler` or delay them
 * at random, to show that results do not depend on the order messages arrive in.
 */
export type EdgeOperator = MonoTypeOperatorFunction<Message>;

/** Options of {@link wire}. */
export interface WiringOptions {
  /** An operator on every edge (see {@link EdgeOperator}). Default none. */
  readonly edge?: EdgeOperator | undefined;
  /** Where nodes publish their taps. Default: fresh Subjects nobody observes. */
  readonly taps?: TapSubjects | undefined;
  /**
   * Whether ∂L/∂x of the graph's input is computed (`SweepGradients.dx`). When false, the
   * layers it feeds are told `{ dx: false }` and skip it, and so do branches with no parameter
   * upstream (see `gradientPlan`). Default true.
   */
  readonly inputGradient?: boolean | undefined;
}

/** A sweep whose backward has reached every node: each node's parameter gradients, by node index. */
export interface SweepGradients {
  /** The sweep whose backward completed. */
  readonly tag: SweepTag;
  /** `dParams[i]` holds node i's parameter gradients by parameter name (`{}` for nodes without parameters). */
  readonly dParams: readonly Readonly<Record<string, Tensor>>[];
  /** ∂L/∂x of the network's input; absent when the wiring was made with `inputGradient: false` (and no backward tap was observed). */
  readonly dx?: Tensor | undefined;
  /** The first node (in backward order) whose gradients turned non-finite from a finite dy. */
  readonly nonFinite?: NonFiniteGradient | undefined;
}

/** A running graph. */
export interface Wiring {
  /** The graph this wiring runs. */
  readonly graph: Graph;
  /** Sends a sweep's input batch into the graph. */
  forward(tag: SweepTag, x: Tensor): void;
  /** The output node's activations, one per sweep. */
  readonly output$: Observable<Message>;
  /** Sends ∂L/∂output of a sweep into the output node. */
  backward(tag: SweepTag, dy: Tensor): void;
  /** Sweeps whose backward is complete; errors with the first failure of any node. */
  readonly completed$: Observable<SweepGradients>;
  /** Fails the run: nodes drop every later message and `completed$` errors. */
  fail(error: Error): void;
  /**
   * Gives a completed sweep's parameter gradients back to their nodes, as spares the next
   * backward of each may write into (`GradientsWanted.spare`). Only for gradients no one
   * reads any more: the trainer calls it once the step's update has been applied.
   */
  recycle(sweep: SweepGradients): void;
  /** Forward passes held over all nodes (0 between steps). */
  inFlight(): number;
  /** The first node, in topological order, whose held output for a sweep is non-finite, and where. */
  firstNonFiniteOutput(id: number):
    | {
        /** The node's unique name (`dense_2`). */
        node: string;
        /** What it runs: the layer's or the merge's name. */
        op: string;
        /** Flat row-major index of the first non-finite value in the node's output. */
        index: number;
        /** The node's inputs in that sweep (all finite: every node before it had finite outputs). */
        inputs: readonly Tensor[];
        /** The node's output. */
        y: Tensor;
      }
    | undefined;
  /** Unsubscribes every edge, completes every stream and drops every held pass. Idempotent. */
  dispose(): void;
}

interface Collecting {
  remaining: number;
  readonly dParams: Readonly<Record<string, Tensor>>[];
  dx?: Tensor | undefined;
  nonFinite?: NonFiniteGradient | undefined;
}

/** Wires a graph for one run. */
export function wire(graph: Graph, options: WiringOptions = {}): Wiring {
  const edge = options.edge;
  const via = (source: Observable<Message>) => (edge ? source.pipe(edge) : source);
  const input$ = new Subject<Message>();
  const loss$ = new Subject<Message>();
  const completed$ = new Subject<SweepGradients>();
  const subscriptions = new Subscription();
  const collecting = new SweepTable<Collecting>();
  let failure: Error | undefined;

  const run: NodeRun = {
    taps: options.taps ?? createTapSubjects(),
    plan: gradientPlan(graph, options.inputGradient ?? true),
    get failed() {
      return failure !== undefined;
    },
    fail,
    done: (report) => collect(report),
  };
  const nodes = graph.nodes.map((node) => new LiveNode(node, run, node === graph.output));

  subscriptions.add(via(input$).subscribe((message) => nodes[0]!.receiveInput(0, message)));
  for (const live of nodes) {
    for (const [slot, producer] of live.node.inputs.entries()) {
      subscriptions.add(via(nodes[producer.index]!.y$).subscribe((message) => live.receiveInput(slot, message)));
    }
    for (const [edgeIndex, consumer] of live.node.consumers.entries()) {
      subscriptions.add(via(nodes[consumer.node.index]!.dx$[consumer.slot]!).subscribe((message) => live.receiveGradient(edgeIndex, message)));
    }
  }
  const outputNode = nodes[nodes.length - 1]!;
  subscriptions.add(via(loss$).subscribe((message) => outputNode.receiveGradient(outputNode.gradientEdges - 1, message)));

  function collect(report: NodeDone): void {
    const id = report.tag.id;
    let sweep = collecting.get(id);
    if (!sweep) {
      sweep = { remaining: nodes.length, dParams: new Array(nodes.length) };
      collecting.set(id, sweep);
    }
    sweep.dParams[report.node.index] = report.dParams;
    if (report.dx) sweep.dx = report.dx;
    if (report.nonFinite && !sweep.nonFinite) sweep.nonFinite = report.nonFinite;
    if (--sweep.remaining > 0) return;
    collecting.delete(id);
    // Built whole in one literal of fixed keys (dx and nonFinite present even when undefined): one hidden class for every sweep.
    const done: SweepGradients = { tag: report.tag, dParams: sweep.dParams, dx: sweep.dx, nonFinite: sweep.nonFinite };
    completed$.next(done);
  }

  function fail(error: Error): void {
    if (failure) return;
    failure = error;
    for (const live of nodes) live.clear();
    collecting.clear();
    completed$.error(error);
  }

  let disposed = false;
  return {
    graph,
    forward: (tag, x) => input$.next({ tag, value: x }),
    output$: via(outputNode.y$),
    backward: (tag, dy) => loss$.next({ tag, value: dy }),
    completed$: completed$.asObservable(),
    fail,
    recycle: (sweep) => nodes.forEach((live, index) => live.recycle(sweep.dParams[index])),
    inFlight: () => nodes.reduce((sum, live) => sum + live.inFlight, 0),
    firstNonFiniteOutput(id) {
      for (const live of nodes) {
        const y = live.heldOutput(id);
        const index = y ? firstNonFinite(y.data) : -1;
        if (index >= 0) return { node: live.node.name, op: live.node.op, index, inputs: live.heldInputs(id) ?? [], y: y! };
      }
      return undefined;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      subscriptions.unsubscribe();
      for (const live of nodes) {
        live.clear();
        live.y$.complete();
        live.dx$.forEach((subject) => subject.complete());
      }
      collecting.clear();
      input$.complete();
      loss$.complete();
      if (!failure) completed$.complete();
    },
  };
}
