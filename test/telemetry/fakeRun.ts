/**
 * A fake training run for telemetry tests: the events a real run emits (start, steps with
 * a falling loss, per-layer statistics, evaluations, audits, end), stamped with
 * consecutive seqs, without any training behind them.
 */
import { Observable } from 'rxjs';
import { createEventStamper, type EventBody, type TelemetryEvent } from '../../src/telemetry/events.ts';

export interface FakeRunOptions {
  readonly steps: number;
  readonly runId?: string;
  readonly layers?: readonly string[];
  readonly stepsPerEpoch?: number;
  /** Layer statistics every this many steps. Default 5. */
  readonly statsEvery?: number;
  /** An audit every this many steps (round robin over layers); 0 for none. Default 10. */
  readonly auditEvery?: number;
  /** What audit events say in `auditableLayers`: default the number of layers; null leaves it out, as a recorded run may. */
  readonly auditableLayers?: number | null;
  /** Steps whose audit fails. */
  readonly failingAuditSteps?: readonly number[];
  /** Steps with a non-finite loss and an alarm. */
  readonly alarmSteps?: readonly number[];
  readonly firstSeq?: number;
  readonly startStep?: number;
  readonly seed?: number;
  /** Layer statistics carry their distributions (`quantiles`), as a run's do by default. Default true. */
  readonly quantiles?: boolean;
}

/** Nine quantiles spread around `centre`, narrowing as the steps go by (probabilities of `quantileProbabilities`). */
const spread = (centre: number, step: number): number[] => [-3, -2.3, -1.3, -0.7, 0, 0.7, 1.3, 2.3, 3].map((z) => centre + z / Math.sqrt(step));

/** The run's events as an array, in order. */
export function fakeRunEvents(options: FakeRunOptions): TelemetryEvent[] {
  const runId = options.runId ?? 'fake-run';
  const layers = options.layers ?? ['dense1', 'relu1', 'dense2'];
  const stepsPerEpoch = options.stepsPerEpoch ?? 20;
  const statsEvery = options.statsEvery ?? 5;
  const auditEvery = options.auditEvery ?? 10;
  const startStep = options.startStep ?? 0;
  const stamp = createEventStamper(runId, options.firstSeq ?? 0, () => 1_700_000_000_000);
  const events: TelemetryEvent[] = [];
  const push = (body: EventBody): void => {
    events.push(stamp(body) as TelemetryEvent);
  };
  push({
    type: 'run-start',
    config: { optimizer: 'sgd', learningRate: 0.1 },
    seed: options.seed ?? 1,
    graph: layers.map((name, i) => ({ name, layer: name.replace(/\d+$/, ''), inputs: i === 0 ? ['input'] : [layers[i - 1]!], outputShape: [4], parameters: name.startsWith('dense') ? 20 : 0 })),
    startStep,
    totalSteps: startStep + options.steps,
  });
  let audits = 0;
  for (let step = startStep + 1; step <= startStep + options.steps; step++) {
    const epoch = Math.floor((step - 1) / stepsPerEpoch);
    const alarm = options.alarmSteps?.includes(step) ?? false;
    const loss = alarm ? Number.NaN : 2 / Math.sqrt(step);
    push({ type: 'step', step, epoch, loss, learningRate: 0.1, samplesPerSecond: 1000 + step, wallTime: step / 100 });
    if (alarm) push({ type: 'alarm', step, kind: 'non-finite-loss', message: `loss is NaN at step ${step}`, policy: 'continue' });
    if (step % statsEvery === 0) {
      for (const layer of layers) {
        const hasParams = layer.startsWith('dense');
        push({
          type: 'layer-stats', step, layer,
          activation: { mean: 0.1, std: 1 / step, min: -1, max: 1, zeroFraction: layer.startsWith('relu') ? 0.25 : 0, saturatedFraction: 0 },
          gradient: hasParams ? { norm: 1 / step, max: 0.5 / step } : null,
          parameterNorm: hasParams ? 3 : null,
          updateRatio: hasParams ? 1e-3 / Math.sqrt(step) : null,
          ...(options.quantiles === false ? {} : {
            quantiles: { activations: spread(0.1, step), weights: hasParams ? spread(0, step) : null, gradients: hasParams ? spread(0, step * 100) : null },
          }),
        });
      }
    }
    if (auditEvery > 0 && step % auditEvery === 0) {
      const layer = layers[audits++ % layers.length]!;
      const ok = !(options.failingAuditSteps?.includes(step) ?? false);
      const auditableLayers = options.auditableLayers === undefined ? layers.length : options.auditableLayers;
      push({
        type: 'audit', step, layer, ok, worstRelativeError: ok ? 1e-9 : 0.3, summary: ok ? `${layer}: gradients agree` : `${layer}: dW off by 30%`,
        ...(auditableLayers === null ? {} : { auditableLayers }),
      });
    }
    if (step % stepsPerEpoch === 0) push({ type: 'evaluation', step, epoch, split: 'test', loss: 2.2 / Math.sqrt(step), accuracy: Math.min(0.99, step / (step + 20)) });
  }
  push({ type: 'run-end', step: startStep + options.steps, reason: 'completed', durationSeconds: options.steps / 100 });
  return events;
}

/**
 * The same events emitted live: `perTick` events per turn of the event loop (every
 * `intervalMs` when given), like a training loop that yields between steps.
 */
export function fakeRun$(options: FakeRunOptions & { readonly perTick?: number; readonly intervalMs?: number }): Observable<TelemetryEvent> {
  const events = fakeRunEvents(options);
  const perTick = options.perTick ?? 10;
  return new Observable<TelemetryEvent>((subscriber) => {
    let index = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const tick = (): void => {
      for (let i = 0; i < perTick && index < events.length; i++) subscriber.next(events[index++]!);
      if (index < events.length) timer = setTimeout(tick, options.intervalMs ?? 0);
      else subscriber.complete();
    };
    timer = setTimeout(tick, 0);
    return () => {
      if (timer) clearTimeout(timer);
    };
  });
}
