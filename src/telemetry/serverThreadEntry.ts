/**
 * The server thread's own code (see serverThread.ts): it hosts every dashboard and metrics
 * server of the process, by id, as the training thread asks, and asks that thread for the
 * Prometheus text when one is scraped (several scrapes at once share one answer).
 */
import { parentPort } from 'node:worker_threads';
import { serveDashboard, type DashboardServerConfig } from './dashboard/dashboardHttp.ts';
import { serveMetrics, type MetricsServerConfig } from './metricsHttp.ts';
import { serveRuns, type RunsServerConfig } from './runs/runsHttp.ts';
import type { FromServerThread, ToServerThread } from './serverThreadMessages.ts';
import { messageOf } from '../util/errorText.ts';
import { lowerThreadPriority } from './threadPriority.ts';

const port = parentPort!;
// Background work: it waits for a free core rather than take the training's (see threadPriority.ts).
lowerThreadPriority();
const post = (message: FromServerThread): void => port.postMessage(message);

interface Hosted {
  append?(lines: string): void;
  close(): Promise<void>;
}
const hosted = new Map<number, Hosted>();
/** Per server, the scrapes waiting for the text the training thread was asked for. */
const waitingScrapes = new Map<number, { resolve(text: string): void; reject(error: Error): void }[]>();

function askMetrics(id: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const waiting = waitingScrapes.get(id);
    if (waiting) {
      waiting.push({ resolve, reject });
      return;
    }
    waitingScrapes.set(id, [{ resolve, reject }]);
    post({ op: 'metrics?', id });
  });
}

async function open(message: Extract<ToServerThread, { op: 'open' }>): Promise<void> {
  const { id } = message;
  try {
    const server = message.kind === 'dashboard'
      ? await serveDashboard(message.config as DashboardServerConfig, new Float64Array(message.stats), () => askMetrics(id))
      : message.kind === 'runs'
        ? await serveRuns(message.config as RunsServerConfig, new Float64Array(message.stats))
        : await serveMetrics(message.config as MetricsServerConfig, () => askMetrics(id));
    hosted.set(id, server);
    post({ op: 'listening', id, port: server.port });
  } catch (error) {
    post({ op: 'failed', id, message: messageOf(error) });
  }
}

port.on('message', (message: ToServerThread) => {
  switch (message.op) {
    case 'open':
      void open(message);
      break;
    case 'events':
      hosted.get(message.id)?.append?.(message.lines);
      break;
    case 'metrics': {
      const waiting = waitingScrapes.get(message.id) ?? [];
      waitingScrapes.delete(message.id);
      for (const scrape of waiting) {
        if (message.error === undefined) scrape.resolve(message.text ?? '');
        else scrape.reject(new Error(message.error));
      }
      break;
    }
    case 'close': {
      const server = hosted.get(message.id);
      hosted.delete(message.id);
      void (server?.close() ?? Promise.resolve()).then(() => post({ op: 'closed', id: message.id }));
      break;
    }
  }
});
