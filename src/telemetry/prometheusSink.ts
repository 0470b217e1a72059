/**
 * The Prometheus sink: the run's latest figures as a text exposition built with
 * prom-client on a registry of its own (never the process-wide default one, so two runs
 * or an application's own metrics do not collide). Served at `/metrics` of the dashboard
 * server, and on a port of its own when `port` is given: that server runs on the server
 * thread (serverThread.ts, metricsHttp.ts), which asks this thread for the text when
 * scraped. A scrape sees the latest value only: enough for liveness and alerting; the
 * per-step history is the JSONL file's job.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Observable } from 'rxjs';
import { assertSource, attachSink, type SinkHandle } from './attach.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { LayerStatsEvent, StepEvent, TelemetryEvent } from './events.ts';
import { assertAddress } from './http.ts';
import { quantileProbabilities } from './quantiles.ts';
import { assertAccessOptions } from './httpGuard.ts';
import { defaultMaxClients, type ServerAccessOptions } from './serverAccess.ts';
import { hostServer, type HostedServer } from './serverThread.ts';

/** Options of {@link prometheusSink}; `allowHosts` and `maxClients` (default 32 connections) apply to its own server. */
export interface PrometheusSinkOptions extends ServerAccessOptions {
  /** Also serve `/metrics` on this port (0 picks a free one). Default: no server of its own. */
  readonly port?: number | undefined;
  /** Address of that server. Default `'127.0.0.1'`. */
  readonly host?: string | undefined;
}

/** The Prometheus sink's handle. */
export interface PrometheusSink extends SinkHandle {
  /** The sink's own registry. */
  readonly registry: Registry;
  /** The exposition text. */
  metrics(): Promise<string>;
  /** The Content-Type of the exposition. */
  readonly contentType: string;
  /** `http://host:port/metrics` of the sink's own server, or null without one. */
  readonly url: string | null;
}

/**
 * What the step gauges show, kept as plain fields: a step event only assigns them, and
 * prom-client's gauges and counter read them when scraped.
 */
interface StepFigures {
  /** The latest step event, or null before the first. */
  latest: StepEvent | null;
  /** Highest step seen in this run (the run's start step before its first). */
  lastStep: number;
  /** Steps completed, over every run this sink has seen. */
  stepsTotal: number;
  /** How much of `stepsTotal` the counter holds already. */
  stepsCounted: number;
}

/** Every metric the sink exports, by name, and the step figures its step gauges read when scraped. */
function createTelemetryMetrics(registry: Registry) {
  const figures: StepFigures = { latest: null, lastStep: 0, stepsTotal: 0, stepsCounted: 0 };
  // Before the first step there is no loss: NaN says so, where prom-client's default 0 would read as a perfect loss.
  const stepGauge = (name: string, help: string, value: (step: StepEvent) => number, before = Number.NaN) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(figures.latest ? value(figures.latest) : before);
      },
    });
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
  const layerGauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['layer'] as const, registers: [registry] });
  const quantileGauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['layer', 'quantile'] as const, registers: [registry] });
  return {
    runInfo: new Gauge({ name: 'gradstream_run_info', help: 'Always 1; labels identify the run being trained', labelNames: ['run_id'] as const, registers: [registry] }),
    figures,
    loss: stepGauge('gradstream_loss', 'Training loss of the latest step', (step) => step.loss),
    steps: new Counter({
      name: 'gradstream_steps_total',
      help: 'Optimisation steps completed',
      registers: [registry],
      collect() {
        this.inc(figures.stepsTotal - figures.stepsCounted);
        figures.stepsCounted = figures.stepsTotal;
      },
    }),
    step: stepGauge('gradstream_step', 'Number of the latest step (continues across resumes)', (step) => step.step, 0),
    epoch: stepGauge('gradstream_epoch', 'Epoch of the latest step', (step) => step.epoch, 0),
    learningRate: stepGauge('gradstream_learning_rate', 'Learning rate of the latest step', (step) => step.learningRate),
    samplesPerSecond: stepGauge('gradstream_samples_per_second', 'Training throughput at the latest step', (step) => step.samplesPerSecond),
    gradientNorm: layerGauge('gradstream_layer_gradient_norm', 'L2 norm of the layer\'s parameter gradients'),
    gradientMax: layerGauge('gradstream_layer_gradient_max', 'Largest absolute entry of the layer\'s parameter gradients'),
    parameterNorm: layerGauge('gradstream_layer_parameter_norm', 'L2 norm of the layer\'s parameters'),
    updateRatio: layerGauge('gradstream_layer_update_ratio', 'Update norm over parameter norm at the latest sampled step'),
    activationMean: layerGauge('gradstream_layer_activation_mean', 'Mean of the layer\'s outputs'),
    activationStd: layerGauge('gradstream_layer_activation_std', 'Standard deviation of the layer\'s outputs'),
    deadRatio: layerGauge('gradstream_layer_dead_ratio', 'Fraction of the layer\'s outputs exactly zero (dead units)'),
    saturatedRatio: layerGauge('gradstream_layer_saturated_ratio', 'Fraction of sigmoid or tanh outputs at their asymptotes'),
    activationQuantile: quantileGauge('gradstream_layer_activation_quantile', 'Quantiles of the layer\'s outputs at the latest sampled step'),
    weightQuantile: quantileGauge('gradstream_layer_weight_quantile', 'Quantiles of the layer\'s parameters before the latest sampled step\'s update'),
    gradientQuantile: quantileGauge('gradstream_layer_gradient_quantile', 'Quantiles of the layer\'s parameter gradients at the latest sampled step'),
    evaluationLoss: new Gauge({ name: 'gradstream_evaluation_loss', help: 'Loss of the latest evaluation', labelNames: ['split'] as const, registers: [registry] }),
    evaluationAccuracy: new Gauge({ name: 'gradstream_evaluation_accuracy_ratio', help: 'Accuracy of the latest evaluation', labelNames: ['split'] as const, registers: [registry] }),
    audits: new Counter({ name: 'gradstream_audits_total', help: 'Live gradient audits run', registers: [registry] }),
    auditFailures: new Counter({ name: 'gradstream_audit_failures_total', help: 'Live gradient audits that failed', registers: [registry] }),
    auditError: layerGauge('gradstream_audit_worst_relative_error', 'Worst relative gradient error of the layer\'s latest audit'),
    alarms: new Counter({ name: 'gradstream_alarms_total', help: 'Alarms raised (non-finite loss or gradient, failed audit)', labelNames: ['kind'] as const, registers: [registry] }),
    runEnded: gauge('gradstream_run_ended', '1 once the run has ended, 0 while it runs'),
  };
}

type TelemetryMetrics = ReturnType<typeof createTelemetryMetrics>;

function recordLayer(metrics: TelemetryMetrics, event: LayerStatsEvent): void {
  const labels = { layer: event.layer };
  metrics.activationMean.set(labels, event.activation.mean);
  metrics.activationStd.set(labels, event.activation.std);
  metrics.deadRatio.set(labels, event.activation.zeroFraction);
  metrics.saturatedRatio.set(labels, event.activation.saturatedFraction);
  if (event.gradient) {
    metrics.gradientNorm.set(labels, event.gradient.norm);
    metrics.gradientMax.set(labels, event.gradient.max);
  }
  if (event.parameterNorm !== null) metrics.parameterNorm.set(labels, event.parameterNorm);
  if (event.updateRatio !== null) metrics.updateRatio.set(labels, event.updateRatio);
  const quantiles = event.quantiles;
  if (!quantiles) return;
  for (const [gauge, values] of [[metrics.activationQuantile, quantiles.activations], [metrics.weightQuantile, quantiles.weights], [metrics.gradientQuantile, quantiles.gradients]] as const) {
    values?.forEach((value, i) => gauge.set({ layer: event.layer, quantile: quantileLabels[i]! }, value));
  }
}

/** The `quantile` label of each of a distribution's nine values, as Prometheus's summaries write them (`0.5`, `0.99`). */
const quantileLabels = quantileProbabilities.map(String);

/** Updates the metrics for one event. */
function recordEvent(metrics: TelemetryMetrics, event: TelemetryEvent): void {
  const { figures } = metrics;
  switch (event.type) {
    case 'run-start':
      metrics.runInfo.set({ run_id: event.runId }, 1);
      metrics.runEnded.set(0);
      figures.lastStep = event.startStep;
      break;
    case 'step':
      // Only assignments: the gauges read these when scraped.
      figures.latest = event;
      if (event.step > figures.lastStep) {
        figures.stepsTotal += event.step - figures.lastStep;
        figures.lastStep = event.step;
      }
      break;
    case 'layer-stats':
      recordLayer(metrics, event);
      break;
    case 'evaluation':
      metrics.evaluationLoss.set({ split: event.split }, event.loss);
      if (event.accuracy !== null) metrics.evaluationAccuracy.set({ split: event.split }, event.accuracy);
      break;
    case 'audit':
      metrics.audits.inc();
      if (!event.ok) metrics.auditFailures.inc();
      metrics.auditError.set({ layer: event.layer }, event.worstRelativeError);
      break;
    case 'alarm':
      metrics.alarms.inc({ kind: event.kind });
      break;
    case 'run-end':
      metrics.runEnded.set(1);
      break;
  }
}

/** Attaches a Prometheus exposition of a run's events; subscribes at once, resolves once its own server (if any) listens. */
export async function prometheusSink(events$: Observable<TelemetryEvent>, options: PrometheusSinkOptions = {}): Promise<PrometheusSink> {
  assertSource(events$, 'prometheusSink');
  assertOptions(options, 'prometheusSink');
  assertAccessOptions(options, 'prometheusSink');
  if (options.port !== undefined) assertAddress(options.port, options.host ?? '127.0.0.1');
  const registry = new Registry();
  const metrics = createTelemetryMetrics(registry);
  // Subscribed before the first await, so a hot run started in the same tick loses no event.
  const handle = attachSink('prometheus', events$, {
    next: (event) => recordEvent(metrics, event),
  });
  let server: HostedServer | null = null;
  const host = options.host ?? '127.0.0.1';
  try {
    if (options.port !== undefined) {
      server = await hostServer({
        kind: 'metrics',
        config: { port: options.port, host, allowHosts: [...(options.allowHosts ?? [])], maxClients: options.maxClients ?? defaultMaxClients, contentType: registry.contentType },
        statsSlots: 1,
        metrics: () => registry.metrics(),
      });
    }
  } catch (error) {
    await handle.dispose();
    throw error;
  }
  return {
    registry,
    metrics: () => registry.metrics(),
    contentType: registry.contentType,
    url: server ? `http://${host.includes(':') ? `[${host}]` : host}:${server.port}/metrics` : null,
    finished: handle.finished,
    // The exposition stays readable after the run ends, until the sink is disposed.
    dispose: async () => {
      await handle.dispose();
      await server?.close();
    },
  };
}
