/**
 * Who may reach a telemetry server, and how many at once: the options both servers take, in a
 * module of their own so that the published types of the dashboard and the Prometheus sink do
 * not need Node's (httpGuard.ts, which enforces them, works on Node's HTTP types).
 */

/** Who may reach a telemetry server, and how many at once. */
export interface ServerAccessOptions {
  /**
   * Names (or addresses) a request's Host header may give besides this machine's loopback
   * names and the bound address, e.g. `['trainer.lan']` for a server bound to `0.0.0.0`.
   * A port after a name is ignored: the server's own port is required. Default none.
   */
  readonly allowHosts?: readonly string[] | undefined;
  /** Clients served at once: `/events` streams on the dashboard, open connections on a metrics port. Default 32. */
  readonly maxClients?: number | undefined;
}

/** Default of {@link ServerAccessOptions.maxClients}. */
export const defaultMaxClients = 32;
