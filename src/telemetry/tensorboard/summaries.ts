/**
 * What each telemetry event becomes in a TensorBoard event file: a list of Event messages
 * (none for most events, one for a step, one per sampled layer).
 *
 * | gradstream event | TensorBoard |
 * |---|---|
 * | run-start | the HParams plugin's session start: the run's settings (`flatSettings`) as hyperparameters |
 * | step | scalars `loss/train`, `learning_rate`, `samples_per_second` |
 * | layer-stats | scalars `gradient_norm/<layer>`, `update_ratio/<layer>`, `parameter_norm/<layer>`, `activation_std/<layer>`, `dead_fraction/<layer>`, `saturated_fraction/<layer>`; histograms `activations/<layer>`, `weights/<layer>`, `gradients/<layer>` from the quantiles |
 * | evaluation | scalars `loss/<split>`, `accuracy/<split>` |
 * | audit | scalar `audit_relative_error/<layer>`; text `audits` |
 * | alarm | text `alarms` |
 * | run-end | the HParams plugin's session end, with the run's status |
 *
 * Scalars are float32 (`simple_value`), as TensorBoard stores them; histograms keep float64.
 */
import type { AlarmEvent, AuditEvent, LayerStatsEvent, RunEndEvent, RunStartEvent, TelemetryEvent } from '../events.ts';
import { quantileProbabilities } from '../quantiles.ts';
import { flatSettings, runIdentity } from '../runIdentity.ts';
import { encodeHParamsPluginData, type EventMessage, type HistogramMessage, type SummaryValue } from './messages.ts';

/** The version string every event file begins with. */
export const fileVersion = 'brain.Event:2';

/** SummaryMetadata's data class of tensor series (the text and HParams plugins' records). */
const tensorDataClass = 2;
const stringType = 7;
const floatType = 1;

/** The HParams plugin's session status (its api.proto). */
const sessionStatus: Readonly<Record<RunEndEvent['reason'], number>> = { completed: 1, error: 2, alarm: 2, stopped: 0 };

const textEncoder = new TextEncoder();

/**
 * The Event messages of one telemetry event. `tagged` holds the tags whose first value in
 * the current file carried its plugin metadata; a text value adds its tag there, so later
 * values of the tag leave the metadata out, as TensorFlow's writers do.
 */
export function eventMessagesOf(event: TelemetryEvent, tagged: Set<string>): EventMessage[] {
  const wall_time = event.time / 1000;
  const at = (step: number, value: SummaryValue[]): EventMessage[] => (value.length === 0 ? [] : [{ wall_time, step, summary: { value } }]);
  switch (event.type) {
    case 'run-start':
      return at(event.startStep, [sessionStart(event)]);
    case 'step':
      return at(event.step, [scalar('loss/train', event.loss), scalar('learning_rate', event.learningRate), scalar('samples_per_second', event.samplesPerSecond)]);
    case 'layer-stats':
      return at(event.step, layerValues(event));
    case 'evaluation':
      return at(event.step, [scalar(`loss/${event.split}`, event.loss), ...(event.accuracy === null ? [] : [scalar(`accuracy/${event.split}`, event.accuracy)])]);
    case 'audit':
      return at(event.step, [scalar(`audit_relative_error/${event.layer}`, event.worstRelativeError), text('audits', auditLine(event), tagged)]);
    case 'alarm':
      return at(event.step, [text('alarms', alarmLine(event), tagged)]);
    case 'run-end':
      return at(event.step, [sessionEnd(event)]);
  }
}

function scalar(tag: string, value: number): SummaryValue {
  return { tag, simple_value: value };
}

function layerValues(event: LayerStatsEvent): SummaryValue[] {
  const { layer, activation } = event;
  const values = [
    scalar(`activation_std/${layer}`, activation.std),
    scalar(`dead_fraction/${layer}`, activation.zeroFraction),
    scalar(`saturated_fraction/${layer}`, activation.saturatedFraction),
  ];
  if (event.gradient) values.push(scalar(`gradient_norm/${layer}`, event.gradient.norm));
  if (event.parameterNorm !== null) values.push(scalar(`parameter_norm/${layer}`, event.parameterNorm));
  if (event.updateRatio !== null) values.push(scalar(`update_ratio/${layer}`, event.updateRatio));
  for (const kind of ['activations', 'weights', 'gradients'] as const) {
    const quantiles = event.quantiles?.[kind];
    const histo = quantiles ? histogramOfQuantiles(quantiles) : null;
    if (histo) values.push({ tag: `${kind}/${layer}`, histo });
  }
  return values;
}

/**
 * A histogram whose buckets lie between consecutive quantiles, each holding the fraction of
 * the values between them (1%, 9%, 15%, 25%, 25%, 15%, 9%, 1%): TensorBoard spreads each
 * bucket's count evenly over its width, so its distribution chart shows these quantiles.
 * Quantiles that coincide (a ReLU's zeros) merge their buckets: the fraction of a bucket of
 * no width joins the next one of some width (the last, the one before). All values equal:
 * one bucket a unit wide around them, as TensorFlow's histograms make it. Null when a
 * quantile is not finite (NaN or ±Infinity: no buckets can hold them). `num` is 1 (the
 * counts are fractions); `sum` and `sum_squares`, which quantiles do not give, are 0.
 */
export function histogramOfQuantiles(quantiles: readonly number[]): HistogramMessage | null {
  if (!quantiles.every(Number.isFinite)) return null;
  const min = quantiles[0]!;
  const max = quantiles[quantiles.length - 1]!;
  if (min === max) return { min: min - 0.5, max: max + 0.5, num: 1, sum: 0, sum_squares: 0, bucket_limit: [max + 0.5], bucket: [1] };
  const limits: number[] = [];
  const counts: number[] = [];
  let pending = 0;
  for (let i = 1; i < quantiles.length; i++) {
    pending += quantileProbabilities[i]! - quantileProbabilities[i - 1]!;
    const left = limits.length === 0 ? min : limits[limits.length - 1]!;
    if (quantiles[i]! > left) {
      limits.push(quantiles[i]!);
      counts.push(pending);
      pending = 0;
    }
  }
  counts[counts.length - 1]! += pending;
  return { min, max, num: 1, sum: 0, sum_squares: 0, bucket_limit: limits, bucket: counts };
}

function text(tag: string, line: string, tagged: Set<string>): SummaryValue {
  const first = !tagged.has(tag);
  tagged.add(tag);
  return {
    tag,
    ...(first ? { metadata: { plugin_data: { plugin_name: 'text' }, data_class: tensorDataClass } } : {}),
    tensor: { dtype: stringType, tensor_shape: {}, string_val: [textEncoder.encode(line)] },
  };
}

function auditLine(event: AuditEvent): string {
  return `step ${event.step} · ${event.layer} · ${event.ok ? 'ok' : '**FAILED**'} · worst relative error ${event.worstRelativeError} · ${event.summary}`;
}

function alarmLine(event: AlarmEvent): string {
  return `step ${event.step} · **${event.kind}**${event.layer ? ` in ${event.layer}` : ''} · ${event.message} · policy: ${event.policy}`;
}

/** A value of the HParams plugin: its metadata holds the record, its tensor is empty (a float32 vector of length 0, the plugin's own null tensor). */
function hparamsValue(tag: string, content: Uint8Array): SummaryValue {
  return {
    tag,
    metadata: { plugin_data: { plugin_name: 'hparams', content }, data_class: tensorDataClass },
    tensor: { dtype: floatType, tensor_shape: { dim: [{ size: 0 }] } },
  };
}

function sessionStart(event: RunStartEvent): SummaryValue {
  const hparams: Record<string, { number_value?: number; string_value?: string; bool_value?: boolean }> = {};
  for (const [key, value] of flatSettings(event)) {
    hparams[key] = typeof value === 'number' ? { number_value: value } : typeof value === 'string' ? { string_value: value } : { bool_value: value };
  }
  const identity = runIdentity(event);
  return hparamsValue('_hparams_/session_start_info', encodeHParamsPluginData({
    version: 0,
    session_start_info: { hparams, group_name: identity.name ?? identity.runId, start_time_secs: event.time / 1000 },
  }));
}

function sessionEnd(event: RunEndEvent): SummaryValue {
  return hparamsValue('_hparams_/session_end_info', encodeHParamsPluginData({
    version: 0,
    session_end_info: { status: sessionStatus[event.reason], end_time_secs: event.time / 1000 },
  }));
}
