/**
 * Live gradient audits: the verifier's fast check runs on one layer at a time (round robin
 * over the graph's layer nodes) at the input that layer saw in the live batch, and the result
 * becomes an `audit` event; a failure also raises an `audit-failed` alarm. The check runs at a
 * step boundary, when no pass is in flight, on at most `maxRows` samples of the batch; it
 * restores the layer's parameters and buffers, so training continues exactly as it would have.
 * It holds training while it runs, for a time that grows with the layer's parameters more than
 * with the rows (fast mode reads and perturbs every parameter along each probe): a few ms for
 * small layers, 25–50 ms for dense(784, 128).
 *
 * Schedule: a first sweep audits every layer once, one layer at each of the first step
 * boundaries, so even a short run (or one that fails early) has checked all of its layers;
 * then one layer every `everySteps` steps, in turn. Every boundary still holds training for
 * at most one layer's check: the sweep spreads the layers over consecutive steps instead of
 * checking them all at once.
 *
 * A failed audit writes a repro bundle (src/check/repro/) when given a place for it: the layer's
 * parameters and buffers, the rows of x it was checked at, the cotangent dy (drawn here from the
 * step, so the bundle holds the very dy the check used) and the check's options. The audit and
 * alarm events carry the bundle's path as `repro`.
 */
import { Observable } from 'rxjs';
import { Tensor } from '../tensor/tensor.ts';
import type { GraphNode } from '../graph/graph.ts';
import { checkGradients } from '../check/checkGradients.ts';
import { formatReport } from '../check/report/formatReport.ts';
import { captureLayerCase, drawnCotangent } from '../check/repro/bundle.ts';
import { assertReproDirectory, bundleNote, reproFiles, type ReproFiles } from '../check/repro/reproFiles.ts';
import type { AlarmEvent, AuditEvent, EventBody } from './events.ts';
import type { TappedRun } from './layerStats.ts';
import { assertRun } from './attach.ts';
import { assertOptions } from '../util/argumentChecks.ts';

/** Options of {@link liveAudits}. */
export interface AuditOptions {
  /** After the first sweep (every layer once, one per step from the first step), audit one layer every this many steps. Default 100. */
  readonly everySteps?: number | undefined;
  /** Samples of the live batch the check uses (the first rows). Default 8. */
  readonly maxRows?: number | undefined;
  /** Random directions per tensor in the fast check. Default 2. */
  readonly probes?: number | undefined;
  /** Only these nodes (by name), in turn. Default every layer node with an input to differentiate. */
  readonly layers?: readonly string[] | undefined;
  /**
   * Write a repro bundle of each failing layer into this directory (at most one per layer, ten
   * per run), for `gradstream repro`; never inside a package's `src`. Under `watch`, bundles go
   * beside the JSONL file unless this says otherwise. Default none.
   */
  readonly reproDirectory?: string | undefined;
}

/** A run the audits can name in a bundle: a `TrainHandle` fits. */
type AuditedRun = TappedRun & { readonly runId?: string; state?(): { readonly seed: number } };

/** An audit or its alarm, before the header is stamped on. */
export type AuditBody = EventBody<AuditEvent> | EventBody<AlarmEvent>;

/** Audit events of a run, while subscribed. */
export function liveAudits(run: TappedRun, options: AuditOptions = {}): Observable<AuditBody> {
  assertRun(run, 'liveAudits');
  assertOptions(options, 'liveAudits');
  const repro = options.reproDirectory === undefined ? undefined : reproFiles(assertReproDirectory(options.reproDirectory, 'liveAudits'));
  return auditEvents(run, options, repro);
}

/**
 * {@link liveAudits} writing bundles with `repro` (which `watch` shares between the audits and
 * the guard, so that a run's bundles are counted together).
 * @internal
 */
export function auditEvents(run: AuditedRun, options: AuditOptions, repro: ReproFiles | undefined): Observable<AuditBody> {
  const everySteps = options.everySteps ?? 100;
  const maxRows = options.maxRows ?? 8;
  if (!Number.isInteger(everySteps) || everySteps < 1) throw new RangeError(`liveAudits: everySteps must be a positive integer, got ${String(everySteps)}`);
  if (!Number.isInteger(maxRows) || maxRows < 1) throw new RangeError(`liveAudits: maxRows must be a positive integer, got ${String(maxRows)}`);
  const candidates = run.graph.nodes.filter((node) => node.kind === 'layer' && node.layer && (!options.layers || options.layers.includes(node.name)));
  if (candidates.length === 0) throw new RangeError(`liveAudits: no layer node to audit${options.layers ? ` among ${options.layers.join(', ')}` : ''}`);

  return new Observable<AuditBody>((subscriber) => {
    let turn = 0; // audits so far: the first candidates.length of them are the first sweep
    let kept: { step: number; x: Tensor } | null = null;
    const due = (step: number): boolean => turn < candidates.length || step % everySteps === 0;
    const forward = run.taps.forward$.subscribe(({ tag, node, inputs }) => {
      if (tag.backward && tag.microbatch === 0 && due(tag.step) && node === candidates[turn % candidates.length]) {
        kept = { step: tag.step, x: inputs[0]! };
      }
    });
    const boundary = run.taps.step$.subscribe({
      next: ({ step }) => {
        if (!kept || kept.step !== step) return;
        const node = candidates[turn++ % candidates.length]!;
        const x = firstRows(kept.x, maxRows);
        kept = null;
        for (const body of audit({ node, x, step, probes: options.probes ?? 2, auditableLayers: candidates.length }, run, repro)) subscriber.next(body);
      },
      complete: () => subscriber.complete(),
    });
    return () => {
      forward.unsubscribe();
      boundary.unsubscribe();
    };
  });
}

/** One audit: a layer node (of `auditableLayers` in turn), the rows of its input, the step. */
interface AuditTurn {
  readonly node: GraphNode;
  readonly x: Tensor;
  readonly step: number;
  readonly probes: number;
  readonly auditableLayers: number;
}

/** Runs the fast check on one layer and returns its audit event, and an alarm when it fails (with its bundle when `repro` is given). */
function audit({ node, x, step, probes, auditableLayers }: AuditTurn, run: AuditedRun, repro: ReproFiles | undefined): AuditBody[] {
  const layer = node.layer!;
  const buffers = Object.values(layer.buffers ?? {}).map((buffer) => [buffer, buffer.data.slice()] as const);
  const buffersBefore = repro ? Object.fromEntries(Object.entries(layer.buffers ?? {}).map(([key, t]) => [key, t.clone()])) : undefined;
  // The cotangent, drawn here rather than inside the check, so that a bundle can hold it: y has x's rows and the node's features.
  const dy = drawnCotangent([x.shape[0] ?? 1, ...node.features], step);
  const context = { training: true, step };
  const check = { mode: 'fast', seed: step, probes } as const;
  const started = performance.now();
  let report;
  try {
    report = checkGradients(layer, x, { ...check, dy, context });
  } finally {
    // Layers that update running statistics in forward (batch norm) must not learn from the check's probes.
    for (const [buffer, saved] of buffers) buffer.data.set(saved);
  }
  const durationMs = performance.now() - started;
  const lines = formatReport(report).split('\n');
  const summary = report.ok ? lines[0]! : [lines[0], ...lines.slice(1).filter((line) => line.trimStart().startsWith('✗')).map((line) => line.trim())].join('; ');
  const worstRelativeError = report.worst?.relativeError ?? 0;
  const auditBody: EventBody<AuditEvent> = { type: 'audit', step, layer: node.name, ok: report.ok, worstRelativeError, summary: summary.replace(layer.name, node.name), durationMs, auditableLayers };
  if (report.ok) return [auditBody];
  const written = repro?.write(captureLayerCase({
    kind: 'audit-failed', runId: run.runId, seed: run.state?.().seed, step, node: node.name, layer, x, dy, context, check, summary: auditBody.summary, buffers: buffersBefore,
  }));
  const alarm: EventBody<AlarmEvent> = {
    type: 'alarm',
    step,
    kind: 'audit-failed',
    message: `the gradient audit of ${node.name} failed: ${auditBody.summary}${bundleNote(written)}`,
    policy: 'continue',
    layer: node.name,
  };
  if (written && 'path' in written) return [{ ...auditBody, repro: written.path }, { ...alarm, repro: written.path }];
  return [auditBody, alarm];
}

/** The first `rows` samples of a batch (a view when the batch is already that small). */
function firstRows(x: Tensor, rows: number): Tensor {
  const count = x.shape[0] ?? 1;
  if (x.rank === 0 || count <= rows) return x;
  const width = x.size / count;
  return new Tensor(x.data.slice(0, rows * width), [rows, ...x.shape.slice(1)]);
}
