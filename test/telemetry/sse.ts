/** A minimal Server-Sent Events client over node:http for tests: raw paths, explicit headers, frame by frame. */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';

export interface SseFrame {
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
}

export interface SseConnection {
  readonly response: IncomingMessage;
  readonly frames: SseFrame[];
  /** Resolves once `predicate` holds for the frames received so far. */
  until(predicate: (frames: SseFrame[]) => boolean): Promise<void>;
  /** Drops the connection from the client side, as a closed tab or a lost network does. */
  destroy(): void;
  readonly request: ClientRequest;
}

/** Opens `/events` (or `path`) with optional headers and parses frames as they arrive. */
export function openSse(origin: string, { path = '/events', headers = {} as Record<string, string>, paused = false } = {}): Promise<SseConnection> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers: { Accept: 'text/event-stream', ...headers } }, (response) => {
      const frames: SseFrame[] = [];
      const waiters: { predicate: (frames: SseFrame[]) => boolean; resolve: () => void }[] = [];
      let buffer = '';
      const check = (): void => {
        for (const waiter of [...waiters]) {
          if (waiter.predicate(frames)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | null = null;
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) frames.push({ id, event, data: data.join('\n') });
        }
        check();
      });
      if (paused) response.pause();
      resolve({
        response,
        frames,
        request: req,
        until: (predicate) => new Promise<void>((done, fail) => {
          if (predicate(frames)) return done();
          waiters.push({ predicate, resolve: done });
          response.once('close', () => (predicate(frames) ? done() : fail(new Error(`the stream closed after ${frames.length} frames`))));
        }),
        destroy: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends a GET with a raw, unnormalised path and resolves to the status and body. */
export function rawGet(origin: string, path: string, method = 'GET'): Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode!, body, headers: response.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}
