/** Small shared pieces of the telemetry HTTP servers: listening, closing, addresses. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts listening; resolves once bound, rejects with the bind error (port in use…). */
export function listen(server: Server, port: number, host: string): Promise<void> {
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

/** `http://host:port` of a listening server; IPv6 addresses in brackets. */
export function serverOrigin(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
