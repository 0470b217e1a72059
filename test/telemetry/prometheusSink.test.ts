import { describe, expect, it } from 'vitest';
import { from } from 'rxjs';
import { register } from 'prom-client';
import { prometheusSink } from '../../src/telemetry/prometheusSink.ts';
import { fakeRunEvents } from './fakeRun.ts';
import { parseExposition, type Sample } from './exposition.ts';

const valueOf = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('prometheusSink', () => {
  it('exposes the run under conventional names that parse, on a registry of its own', async () => {
    const events = fakeRunEvents({ steps: 40, failingAuditSteps: [20], alarmSteps: [33] });
    const sink = await prometheusSink(from(events));
    await sink.finished;
    const { types, samples } = parseExposition(await sink.metrics());
    expect(types.get('gradstream_loss')).toBe('gauge');
    expect(types.get('gradstream_steps_total')).toBe('counter');
    for (const [name, type] of types) {
      expect(name).toMatch(/^gradstream_[a-z_]+$/);
      if (type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
    }
    expect(valueOf(samples, 'gradstream_loss')).toBeCloseTo(2 / Math.sqrt(40), 12);
    expect(valueOf(samples, 'gradstream_steps_total')).toBe(40);
    expect(valueOf(samples, 'gradstream_learning_rate')).toBe(0.1);
    expect(valueOf(samples, 'gradstream_samples_per_second')).toBe(1040);
    expect(valueOf(samples, 'gradstream_layer_gradient_norm', { layer: 'dense1' })).toBeCloseTo(1 / 40, 12);
    expect(valueOf(samples, 'gradstream_layer_gradient_norm', { layer: 'relu1' })).toBeUndefined();
    expect(valueOf(samples, 'gradstream_layer_update_ratio', { layer: 'dense2' })).toBeCloseTo(1e-3 / Math.sqrt(40), 12);
    expect(valueOf(samples, 'gradstream_layer_dead_ratio', { layer: 'relu1' })).toBe(0.25);
    // The latest sample's distributions, one series per quantile (the fake run's quantiles at step 40).
    const lastStats = events.filter((event) => event.type === 'layer-stats' && event.layer === 'dense1').at(-1)!;
    const quantiles = (lastStats as Extract<typeof lastStats, { type: 'layer-stats' }>).quantiles!;
    expect(['0', '0.01', '0.1', '0.25', '0.5', '0.75', '0.9', '0.99', '1'].map((quantile) => valueOf(samples, 'gradstream_layer_weight_quantile', { layer: 'dense1', quantile }))).toEqual(quantiles.weights);
    const relu = events.filter((event) => event.type === 'layer-stats' && event.layer === 'relu1').at(-1)! as Extract<(typeof events)[number], { type: 'layer-stats' }>;
    expect(valueOf(samples, 'gradstream_layer_activation_quantile', { layer: 'relu1', quantile: '0.99' })).toBe(relu.quantiles!.activations[7]);
    expect(valueOf(samples, 'gradstream_layer_gradient_quantile', { layer: 'relu1', quantile: '0.5' })).toBeUndefined();
    expect(valueOf(samples, 'gradstream_audits_total')).toBe(4);
    expect(valueOf(samples, 'gradstream_audit_failures_total')).toBe(1);
    expect(valueOf(samples, 'gradstream_alarms_total', { kind: 'non-finite-loss' })).toBe(1);
    expect(valueOf(samples, 'gradstream_evaluation_accuracy_ratio', { split: 'test' })).toBe(40 / 60);
    expect(valueOf(samples, 'gradstream_run_info', { run_id: 'fake-run' })).toBe(1);
    expect(valueOf(samples, 'gradstream_run_ended')).toBe(1);
    expect(await register.metrics()).not.toContain('gradstream_');
    await sink.dispose();
  });

  it('counts only the steps of this run when it resumes, and shows a NaN loss as NaN', async () => {
    const events = fakeRunEvents({ steps: 10, startStep: 100, alarmSteps: [110] });
    const sink = await prometheusSink(from(events));
    const { samples } = parseExposition(await sink.metrics());
    expect(valueOf(samples, 'gradstream_steps_total')).toBe(10);
    expect(valueOf(samples, 'gradstream_step')).toBe(110);
    expect(valueOf(samples, 'gradstream_loss')).toBeNaN();
    await sink.dispose();
  });

  it('serves /metrics on a port of its own when asked, and nothing else', async () => {
    const sink = await prometheusSink(from(fakeRunEvents({ steps: 3 })), { port: 0 });
    expect(sink.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await fetch(sink.url!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(parseExposition(await response.text()).types.get('gradstream_loss')).toBe('gauge');
    expect((await fetch(sink.url!.replace('/metrics', '/'))).status).toBe(404);
    await sink.dispose();
    await expect(fetch(sink.url!)).rejects.toThrow();
  });
});
