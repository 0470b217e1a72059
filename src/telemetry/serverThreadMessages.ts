/** The messages between the training thread and the server thread (see serverThread.ts). */

/** The servers the thread hosts: a run's dashboard, a Prometheus port, the runs dashboard (which reads files). */
export type ServerKind = 'dashboard' | 'metrics' | 'runs';

/** From the training thread. */
export type ToServerThread =
  /** Start a server; `stats` is shared memory its figures are written to. */
  | { readonly op: 'open'; readonly id: number; readonly kind: ServerKind; readonly config: object; readonly stats: SharedArrayBuffer }
  /** Events for a dashboard, one JSON line each, newline-separated. */
  | { readonly op: 'events'; readonly id: number; readonly lines: string }
  /** The Prometheus text asked for, or why there is none. */
  | { readonly op: 'metrics'; readonly id: number; readonly text?: string; readonly error?: string }
  | { readonly op: 'close'; readonly id: number };

/** From the server thread. */
export type FromServerThread =
  | { readonly op: 'listening'; readonly id: number; readonly port: number }
  | { readonly op: 'failed'; readonly id: number; readonly message: string }
  /** A scrape waits for the Prometheus text. */
  | { readonly op: 'metrics?'; readonly id: number }
  | { readonly op: 'closed'; readonly id: number };
