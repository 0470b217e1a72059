/**
 * The Prometheus sink's own `/metrics` server, as it runs on the server thread (see
 * serverThread.ts): it asks the training thread for the exposition when scraped. At most
 * `maxClients` connections at once; every request passes httpGuard.ts first (Host, method,
 * headers, open connections).
 */
import { closeServer, listen } from './http.ts';
import { answerPlain, guardedServer, hostCheck, type GuardPolicy } from './httpGuard.ts';

/** Everything the metrics server needs, as plain data (it crosses to the server thread). */
export interface MetricsServerConfig {
  readonly port: number;
  readonly host: string;
  readonly allowHosts: readonly string[];
  readonly maxClients: number;
  readonly contentType: string;
}

/** A metrics server that runs. */
export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function serveMetrics(config: MetricsServerConfig, metrics: () => Promise<string>): Promise<MetricsServer> {
  const policy: GuardPolicy = { hostRefusal: null, maxConnections: config.maxClients };
  const server = guardedServer(policy, (request, response) => {
    if ((request.url ?? '').split('?', 1)[0] !== '/metrics') {
      answerPlain(response, 404, 'not found');
      return;
    }
    metrics().then(
      (text) => response.writeHead(200, { 'Content-Type': config.contentType, 'Cache-Control': 'no-store' }).end(request.method === 'HEAD' ? undefined : text),
      (error: unknown) => answerPlain(response, 500, `metrics failed: ${String(error)}`),
    );
  });
  await listen(server, config.port, config.host);
  const bound = server.address() as { address: string; port: number };
  policy.hostRefusal = hostCheck(bound.address, bound.port, config.allowHosts);
  return { port: bound.port, close: () => closeServer(server) };
}
