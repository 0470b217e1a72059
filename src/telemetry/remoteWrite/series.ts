/**
 * The series a run pushes: the Prometheus sink's metrics (same names, same meaning), with
 * every sample at its event's time instead of the latest value only, labelled with the run:
 * `run_id`, `run_name` (when the run has a name) and `host`, beside the metric's own labels
 * (`layer`, `split`, `kind`, `quantile`). Counters count from the run's start.
 *
 * | event | series |
 * |---|---|
 * | step | `gradstream_loss`, `gradstream_step`, `gradstream_epoch`, `gradstream_learning_rate`, `gradstream_samples_per_second`, `gradstream_steps_total` |
 * | layer-stats | `gradstream_layer_gradient_norm`, `…_gradient_max`, `…_parameter_norm`, `…_update_ratio`, `…_activation_mean`, `…_activation_std`, `…_dead_ratio`, `…_saturated_ratio`; with distributions, `gradstream_layer_activation_quantile`, `…_weight_quantile`, `…_gradient_quantile` with a `quantile` label (0, 0.01, … 1), as the Prometheus sink names them |
 * | evaluation | `gradstream_evaluation_loss`, `gradstream_evaluation_accuracy_ratio` |
 * | audit | `gradstream_audits_total`, `gradstream_audit_failures_total`, `gradstream_audit_worst_relative_error` |
 * | alarm | `gradstream_alarms_total{kind}` |
 * | run-start, run-end | `gradstream_run_ended` (0, then 1) |
 */
import type { LayerStatsEvent, TelemetryEvent } from '../events.ts';
import { quantileProbabilities } from '../quantiles.ts';
import { runIdentity } from '../runIdentity.ts';

/** One sample of one series, before batching. */
export interface SeriesSample {
  /** The metric's name (`gradstream_loss`). */
  readonly name: string;
  /** Its own labels beyond the run's (`{ layer: 'dense_1' }`). */
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: number;
}

/** The run labels of each run seen, and its counters. */
interface RunState {
  readonly labels: Readonly<Record<string, string>>;
  startStep: number;
  audits: number;
  auditFailures: number;
  readonly alarms: Map<string, number>;
}

const quantileLabels = quantileProbabilities.map(String);

/**
 * Turns a stream's events into samples, run by run. `host` names the machine when a run's
 * start does not (records made before runs said where they ran).
 */
export class RunSeries {
  private readonly runs = new Map<string, RunState>();

  constructor(private readonly host: string) {}

  /** The run labels of `runId` (`run_id`, `run_name` when named, `host`), as its run-start gave them. */
  labelsOf(runId: string): Readonly<Record<string, string>> {
    return this.stateOf(runId).labels;
  }

  /** The samples of one event (none for most). */
  samplesOf(event: TelemetryEvent): SeriesSample[] {
    if (event.type === 'run-start') this.begin(event);
    const run = this.stateOf(event.runId);
    const at = event.time;
    const sample = (name: string, value: number, labels: Readonly<Record<string, string>> = {}): SeriesSample => ({ name, labels, value, timestamp: at });
    switch (event.type) {
      case 'run-start':
        return [sample('gradstream_run_ended', 0), sample('gradstream_steps_total', 0)];
      case 'step':
        return [
          sample('gradstream_loss', event.loss),
          sample('gradstream_step', event.step),
          sample('gradstream_epoch', event.epoch),
          sample('gradstream_learning_rate', event.learningRate),
          sample('gradstream_samples_per_second', event.samplesPerSecond),
          sample('gradstream_steps_total', event.step - run.startStep),
        ];
      case 'layer-stats':
        return layerSamples(event, sample);
      case 'evaluation':
        return [
          sample('gradstream_evaluation_loss', event.loss, { split: event.split }),
          ...(event.accuracy === null ? [] : [sample('gradstream_evaluation_accuracy_ratio', event.accuracy, { split: event.split })]),
        ];
      case 'audit':
        run.audits++;
        if (!event.ok) run.auditFailures++;
        return [
          sample('gradstream_audits_total', run.audits),
          sample('gradstream_audit_failures_total', run.auditFailures),
          sample('gradstream_audit_worst_relative_error', event.worstRelativeError, { layer: event.layer }),
        ];
      case 'alarm': {
        const count = (run.alarms.get(event.kind) ?? 0) + 1;
        run.alarms.set(event.kind, count);
        return [sample('gradstream_alarms_total', count, { kind: event.kind })];
      }
      case 'run-end':
        return [sample('gradstream_run_ended', 1)];
    }
  }

  private begin(event: Extract<TelemetryEvent, { type: 'run-start' }>): void {
    const known = this.runs.get(event.runId);
    if (known) {
      known.startStep = event.startStep;
      return;
    }
    const identity = runIdentity(event);
    this.runs.set(event.runId, {
      labels: { run_id: identity.runId, ...(identity.name ? { run_name: identity.name } : {}), host: identity.host ?? this.host },
      startStep: event.startStep,
      audits: 0,
      auditFailures: 0,
      alarms: new Map(),
    });
  }

  private stateOf(runId: string): RunState {
    let state = this.runs.get(runId);
    if (!state) this.runs.set(runId, (state = { labels: { run_id: runId, host: this.host }, startStep: 0, audits: 0, auditFailures: 0, alarms: new Map() }));
    return state;
  }
}

function layerSamples(event: LayerStatsEvent, sample: (name: string, value: number, labels?: Readonly<Record<string, string>>) => SeriesSample): SeriesSample[] {
  const layer = { layer: event.layer };
  const samples = [
    sample('gradstream_layer_activation_mean', event.activation.mean, layer),
    sample('gradstream_layer_activation_std', event.activation.std, layer),
    sample('gradstream_layer_dead_ratio', event.activation.zeroFraction, layer),
    sample('gradstream_layer_saturated_ratio', event.activation.saturatedFraction, layer),
  ];
  if (event.gradient) samples.push(sample('gradstream_layer_gradient_norm', event.gradient.norm, layer), sample('gradstream_layer_gradient_max', event.gradient.max, layer));
  if (event.parameterNorm !== null) samples.push(sample('gradstream_layer_parameter_norm', event.parameterNorm, layer));
  if (event.updateRatio !== null) samples.push(sample('gradstream_layer_update_ratio', event.updateRatio, layer));
  const quantiles = event.quantiles;
  if (quantiles) {
    for (const [kind, values] of [['activation', quantiles.activations], ['weight', quantiles.weights], ['gradient', quantiles.gradients]] as const) {
      values?.forEach((value, i) => samples.push(sample(`gradstream_layer_${kind}_quantile`, value, { layer: event.layer, quantile: quantileLabels[i]! })));
    }
  }
  return samples;
}
