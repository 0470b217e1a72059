/**
 * A real Prometheus on loopback for tests (Debian's /usr/bin/prometheus): started with a
 * config of the test's, queried through its HTTP API, stopped by the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './externalProgram.ts';

export const prometheusPath = '/usr/bin/prometheus';

/** What the query API answers. */
export interface QueryAnswer {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
}

/** A PromQL query at the present instant, through the HTTP API. */
export async function query(origin: string, promql: string): Promise<QueryAnswer> {
  const response = await fetch(`${origin}/api/v1/query?query=${encodeURIComponent(promql)}`);
  return (await response.json()) as QueryAnswer;
}

/** Tries `attempt` every 250 ms until it gives a value (or `tries` run out). */
export async function until<T>(what: string, attempt: () => Promise<T | undefined>, tries = 120): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A running Prometheus. */
export interface PrometheusProcess {
  /** `http://127.0.0.1:<port>`: its API, and `/api/v1/write` when it receives remote writes. */
  readonly origin: string;
  /** What it wrote on stderr so far. */
  log(): string;
  /** Stops it and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts Prometheus with `config` (YAML lines) and its data in `folder`; `remoteWriteReceiver`
 * adds `--web.enable-remote-write-receiver`. Resolves once its API answers.
 */
export async function startPrometheus(folder: string, config: readonly string[], options: { remoteWriteReceiver?: boolean } = {}): Promise<PrometheusProcess> {
  const configPath = join(folder, 'prometheus.yml');
  writeFileSync(configPath, `${config.join('\n')}\n`);
  const port = await freePort();
  const child: ChildProcess = spawn(prometheusPath, [
    `--config.file=${configPath}`,
    `--storage.tsdb.path=${join(folder, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
    ...(options.remoteWriteReceiver ? ['--web.enable-remote-write-receiver'] : []),
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => { log += chunk.toString(); });
  const origin = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await until('Prometheus to answer', async () => ((await fetch(`${origin}/-/ready`)).ok ? true : undefined));
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}; prometheus said: ${log}`);
  }
  return { origin, log: () => log, stop };
}
