/**
 * The telemetry servers run on a thread of their own, one per process, started with the
 * first server and idle (not holding the process open) once none is left:
 *
 *     training thread                          server thread
 *     run → watch → dashboard sink ──lines──▶  history, /events streams, page, Host checks
 *                   prometheus sink ◀─ask───   /metrics (dashboard's, or a port of its own)
 *     startRunsDashboard ──paths──────────▶  the runs dashboard: reads and follows the files itself
 *
 * Why a thread: what clients cost is paid where they are served. On the training thread,
 * 150 pages connecting at once (each sent the run so far) and 200 that never read cut a
 * run of the benchmark MLP from about 800 steps/s to 44 and 20 for 13–18 s: accepting,
 * encoding and writing took the thread the steps need. Limits alone (32 clients) still
 * left each connecting page's catch-up, megabytes of frames, on that thread. Here the
 * training thread only posts each batch of events (already encoded for the JSONL file, or
 * encoded once) every `flushEveryMs`, and answers a scrape with prom-client's text (several
 * scrapes at once share one answer); see the benchmark's "connection burst" table for
 * what the same bursts cost now.
 *
 * Figures the dashboard reports synchronously (clients, history size) are written by the
 * server thread into shared memory, so reading them costs no message.
 */
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromServerThread, ServerKind, ToServerThread } from './serverThreadMessages.ts';

/** What the training thread keeps of a hosted server. */
export interface HostedServer {
  /** The port it listens on. */
  readonly port: number;
  /** Figures the server thread writes (layout by kind of server). */
  readonly stats: Float64Array;
  /** Sends events to a dashboard, one JSON line each. */
  send(lines: readonly string[]): void;
  /** Stops the server and closes its connections. */
  close(): Promise<void>;
}

/** What starting a hosted server needs. */
export interface HostedServerSpec {
  readonly kind: ServerKind;
  /** Plain data: it is copied to the server thread. */
  readonly config: object;
  /** Float64 slots of shared figures. */
  readonly statsSlots: number;
  /** Answers a scrape of `/metrics`. */
  readonly metrics: () => Promise<string>;
}

interface Pending {
  resolve(port: number): void;
  reject(error: Error): void;
}

let thread: { worker: Worker; pending: Map<number, Pending>; closing: Map<number, () => void>; metrics: Map<number, () => Promise<string>> } | null = null;
let nextId = 1;

/**
 * The worker's entry, beside this file: compiled JavaScript in the package; from the
 * TypeScript sources (tests, `tsx`) it is loaded through tsx's loader, as the rest is.
 */
function startWorker(): Worker {
  const extension = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./serverThreadEntry${extension}`, import.meta.url).href;
  if (extension !== '.ts') return new Worker(new URL(entry));
  const tsx = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/esm')), 'api', 'index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true });
}

function serverThread(): NonNullable<typeof thread> {
  if (thread) return thread;
  const worker = startWorker();
  const current = { worker, pending: new Map<number, Pending>(), closing: new Map<number, () => void>(), metrics: new Map<number, () => Promise<string>>() };
  worker.on('message', (message: FromServerThread) => {
    switch (message.op) {
      case 'listening':
        current.pending.get(message.id)?.resolve(message.port);
        current.pending.delete(message.id);
        break;
      case 'failed':
        current.pending.get(message.id)?.reject(new Error(message.message));
        current.pending.delete(message.id);
        current.metrics.delete(message.id);
        idleIfUnused(current);
        break;
      case 'metrics?': {
        const answer = (reply: ToServerThread): void => worker.postMessage(reply);
        const metrics = current.metrics.get(message.id);
        if (!metrics) break;
        metrics().then(
          (text) => answer({ op: 'metrics', id: message.id, text }),
          (error: unknown) => answer({ op: 'metrics', id: message.id, error: String(error) }),
        );
        break;
      }
      case 'closed': {
        const closed = current.closing.get(message.id);
        current.closing.delete(message.id);
        closed?.();
        break;
      }
    }
  });
  const fail = (error: Error): void => {
    if (thread === current) thread = null;
    for (const pending of current.pending.values()) pending.reject(new Error(`telemetry server thread failed: ${error.message}`));
    current.pending.clear();
    const closing = [...current.closing.values()];
    current.closing.clear();
    for (const closed of closing) closed();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`it exited with code ${code}`)));
  thread = current;
  return current;
}

/** The thread keeps the process alive only while it serves something. */
function idleIfUnused(current: NonNullable<typeof thread>): void {
  if (current.metrics.size === 0 && current.pending.size === 0 && current.closing.size === 0) current.worker.unref();
}

/** Starts a server on the server thread; resolves once it listens, rejects with the reason it cannot. */
export async function hostServer(spec: HostedServerSpec): Promise<HostedServer> {
  const current = serverThread();
  const id = nextId++;
  const shared = new SharedArrayBuffer(8 * spec.statsSlots);
  current.worker.ref();
  current.metrics.set(id, spec.metrics);
  const listening = new Promise<number>((resolve, reject) => current.pending.set(id, { resolve, reject }));
  current.worker.postMessage({ op: 'open', id, kind: spec.kind, config: spec.config, stats: shared } satisfies ToServerThread);
  const port = await listening;
  let closing: Promise<void> | null = null;
  return {
    port,
    stats: new Float64Array(shared),
    send(lines) {
      if (closing === null && lines.length > 0) current.worker.postMessage({ op: 'events', id, lines: lines.join('\n') } satisfies ToServerThread);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        current.closing.set(id, () => {
          current.metrics.delete(id);
          idleIfUnused(current);
          resolve();
        });
        current.worker.postMessage({ op: 'close', id } satisfies ToServerThread);
      });
      return closing;
    },
  };
}
