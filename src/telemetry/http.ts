/** Small shared pieces of the telemetry HTTP servers: listening, closing, addresses. */
import type { Server } from 'node:http';
import { describe } from '../tensor/tensor.ts';

/** Throws unless `port` and `host` can be listened on (Node would take a port given as a string for the path of a local socket). */
export function assertAddress(port: unknown, host: unknown): void {
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) throw new RangeError(`telemetry server: port must be an integer in [0, 65535] (0 picks a free one), got ${describe(port)}`);
  if (typeof host !== 'string' || host.length === 0) throw new TypeError(`telemetry server: host must be an address such as '127.0.0.1', got ${describe(host)}`);
}

/** Starts listening; resolves once bound, rejects with the bind error (port in use…). */
export function listen(server: Server, port: number, host: string): Promise<void> {
  try {
    assertAddress(port, host);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    const fail = (error: Error): void => reject(new Error(`telemetry server: cannot listen on ${host}:${port}: ${error.message}`));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/** Closes a server and every connection it still holds (streams included). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

