/**
 * A real Prometheus on loopback scrapes a running training run's /metrics every second;
 * its HTTP API then answers with the loss series.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watch, type Watch } from '../../src/telemetry/watch.ts';
import type { TrainHandle } from '../../src/graph/trainer.ts';
import { assertProgram, freePort, requireProgram } from './externalProgram.ts';
import { pacedRun } from './tinyRun.ts';
import { query, until } from './prometheusProcess.ts';

const prometheusPath = '/usr/bin/prometheus';
const folder = mkdtempSync(join(tmpdir(), 'gradstream-prometheus-'));
let prometheus: ChildProcess | undefined;
let run: TrainHandle | undefined;
let watching: Watch | undefined;

afterAll(async () => {
  run?.stop();
  await run?.result.catch(() => undefined);
  await watching?.dispose();
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
    prometheus.kill('SIGTERM');
    await exited;
  }
  rmSync(folder, { recursive: true, force: true });
});

describe('Prometheus scraping a live run', () => {
  it.runIf(requireProgram(prometheusPath, 'Prometheus'))('stores the loss series that /metrics exposes', async () => {
    assertProgram(prometheusPath, 'apt-get install -y --no-install-recommends prometheus');
    run = pacedRun(100_000, 10, { runId: 'scraped-run' });
    watching = await watch(run, { console: false, prometheus: { port: 0 }, layerStats: { everyMs: 200 } });
    const target = new URL(watching.prometheus!.url!);
    const webPort = await freePort();
    const config = join(folder, 'prometheus.yml');
    writeFileSync(config, [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: gradstream',
      `    static_configs: [{ targets: ['${target.host}'] }]`,
      '',
    ].join('\n'));
    prometheus = spawn(prometheusPath, [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(folder, 'data')}`,
      `--web.listen-address=127.0.0.1:${webPort}`,
      '--log.level=warn',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    prometheus.stderr!.on('data', (chunk: Buffer) => { log += chunk.toString(); });
    const origin = `http://127.0.0.1:${webPort}`;

    // Three scrapes of a run in progress: finite losses (NaN before the first step), and a step counter that grew.
    const series = await until('three scraped loss samples', async () => {
      const answer = await query(origin, 'gradstream_loss{job="gradstream"}[1m]');
      const values = answer.data.result[0]?.values?.filter(([, value]) => Number.isFinite(Number(value)));
      return values && values.length >= 3 ? values : undefined;
    }).catch((error: Error) => { throw new Error(`${error.message}; prometheus said: ${log}`); });
    expect(series.every(([, value]) => Number(value) > 0)).toBe(true);
    const counted = (await query(origin, 'gradstream_steps_total[1m]')).data.result[0]!.values!;
    expect(Number(counted.at(-1)![1])).toBeGreaterThan(Number(counted[0]![1]));

    const instant = await query(origin, 'gradstream_loss');
    expect(instant.status).toBe('success');
    expect(instant.data.result).toHaveLength(1);
    expect(instant.data.result[0]!.metric).toMatchObject({ __name__: 'gradstream_loss', job: 'gradstream' });
    const steps = await query(origin, 'gradstream_steps_total');
    expect(Number(steps.data.result[0]!.value![1])).toBeGreaterThan(0);
    const layers = await query(origin, 'gradstream_layer_gradient_norm');
    expect(layers.data.result.map((r) => r.metric.layer).sort()).toEqual(['dense_1', 'dense_2']);
    expect(run.state().step).toBeGreaterThan(0);
  });
});
