/**
 * What every telemetry server checks before it answers, so that only its user can reach it:
 *
 * - the Host header must name this machine (localhost, 127.0.0.1, [::1], the bound address,
 *   or a name given in `allowHosts`), with the server's own port if it has one. A web page the
 *   user visits can point a name of its own at 127.0.0.1 (DNS rebinding) and then read the
 *   server as same-origin; the browser still sends that name as Host, so it is refused (421);
 * - only GET and HEAD (405 with `Allow` otherwise);
 * - every answer forbids framing (`X-Frame-Options: DENY`, CSP `frame-ancestors 'none'`) and
 *   content sniffing (`X-Content-Type-Options: nosniff`);
 * - past a number of open connections, a request is told 503 and its connection closed.
 *
 * Timeouts are short, for a server on this machine: a request's headers must arrive within
 * 10 s, an idle keep-alive connection is closed after 5 s, and the server checks them every
 * second (Node's default of 30 s would let a half-sent request hold a connection that long).
 * A connection that sends nothing at all is closed after 10 s too: Node's header timeout
 * starts with the first byte, so such connections were held for ever, and a few hundred of
 * them (one local process, or a browser's unused preconnections) filled the limit and shut the
 * user out.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import { defaultMaxClients, type ServerAccessOptions } from './serverAccess.ts';
import { describe } from '../tensor/tensor.ts';
import { integerAtLeast } from '../util/argumentChecks.ts';


/** Headers on every answer of every telemetry server. */
const securityHeaders: Readonly<Record<string, string>> = {
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** A page's own Content-Security-Policy with `frame-ancestors 'none'` added (unless it says frame-ancestors already). */
export function withFrameAncestors(policy: string): string {
  return /(^|;)\s*frame-ancestors\s/i.test(policy) ? policy : `${policy.replace(/[;\s]+$/, '')}; frame-ancestors 'none'`;
}

/** A connection that has sent no request this long after it opened is closed, ms (as the header timeout). */
const firstRequestTimeoutMs = 10_000;

const hostPattern = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(:\d{1,5})?$/i;
const plainText = { 'Content-Type': 'text/plain; charset=utf-8' };

/** Checks the access options of a telemetry server; `where` names the function in errors. */
export function assertAccessOptions(options: ServerAccessOptions, where: string): void {
  const { allowHosts, maxClients } = options;
  if (allowHosts !== undefined) {
    if (!Array.isArray(allowHosts)) throw new TypeError(`${where}: allowHosts must be an array of host names, got ${describe(allowHosts)}`);
    for (const host of allowHosts) {
      if (typeof host !== 'string' || !hostPattern.test(bracketed(host))) {
        throw new TypeError(`${where}: allowHosts holds ${describe(host)}; expected a host name or address such as 'trainer.lan', '192.168.1.5' or '[fe80::1]'`);
      }
    }
  }
  if (maxClients !== undefined) integerAtLeast(maxClients, 1, where, 'maxClients');
}

/** An IPv6 address without brackets gets them, as a Host header writes it. */
function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') && host.split(':').length > 2 ? `[${host}]` : host;
}

/** A host as compared: lower case, bracketed if IPv6, without a port or a final dot. */
function hostName(host: string): string {
  const match = hostPattern.exec(bracketed(host.trim()));
  return match ? match[1]!.toLowerCase().replace(/\.$/, '') : '';
}

/**
 * The Host check of a server bound to `address:port`: returns null for a Host it answers,
 * else the reason it refuses. A server bound to every interface (`0.0.0.0`, `::`) also
 * answers this machine's own interface addresses: an address typed in the bar is no
 * rebinding, which needs a name.
 */
export function hostCheck(address: string, port: number, allowHosts: readonly string[] = []): (host: string | undefined) => string | null {
  const names = new Set(['localhost', '127.0.0.1', '[::1]', hostName(address), ...allowHosts.map(hostName)]);
  if (address === '0.0.0.0' || address === '::') {
    for (const entries of Object.values(networkInterfaces())) for (const entry of entries ?? []) names.add(hostName(entry.address));
  }
  names.delete('');
  const listed = [...names].slice(0, 6).join(', ');
  return (host) => {
    if (host === undefined || host === '') return 'the request has no Host header';
    const match = hostPattern.exec(host.trim());
    const name = match ? match[1]!.toLowerCase().replace(/\.$/, '') : '';
    const hostPort = match?.[2] === undefined ? null : Number(match[2].slice(1));
    if (names.has(name) && (hostPort === null || hostPort === port)) return null;
    return `this server answers only for ${listed} on port ${port}, not for Host ${JSON.stringify(host.slice(0, 100))}; start it with allowHosts (--allow-host NAME) to add a name`;
  };
}

/** What {@link guardedServer} needs to know once the server listens. */
export interface GuardPolicy {
  /** The Host check; null until the server listens. */
  hostRefusal: ((host: string | undefined) => string | null) | null;
  /** Open connections beyond which a request is told 503 and its connection closed. */
  readonly maxConnections: number;
}

/** How long an error answer may take to be written before its connection is closed anyway, ms. */
const answerFlushMs = 2_000;

/**
 * An HTTP server whose handler sees only GET and HEAD requests that name this machine, on a
 * connection within the limit; every answer carries {@link securityHeaders}. Also counts
 * its open connections (`openConnections()`), for the limit and for tests.
 */
export function guardedServer(policy: GuardPolicy, handler: RequestListener): Server & { openConnections(): number } {
  let open = 0;
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 10_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 }, (request, response) => {
    for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
    const refusal = refuse(request, policy, open);
    if (refusal) {
      response.writeHead(refusal.status, { ...plainText, ...refusal.headers }).end(`${refusal.reason}\n`);
      return;
    }
    handler(request, response);
  });
  // Twice the limit and some: past it Node closes new connections at once, before reading anything.
  server.maxConnections = policy.maxConnections * 2 + 64;
  // A request Node cannot parse, or whose headers came too slowly, is answered here rather than
  // by Node's bare default, so that it carries the same headers as every other answer.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (socket.writable && !socket.writableEnded) {
      const [status, reason] = error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request'];
      const headers = Object.entries({ ...securityHeaders, ...plainText, Connection: 'close' }).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      // Closed once the answer is written, not when the client closes its side: a client that
      // never reads would otherwise hold the connection half-open for ever (its end never comes).
      const closing = setTimeout(() => socket.destroy(), answerFlushMs);
      closing.unref();
      socket.end(`HTTP/1.1 ${status} ${reason}\r\n${headers}\r\n${reason.toLowerCase()}\n`, () => {
        clearTimeout(closing);
        socket.destroy();
      });
      return;
    }
    socket.destroy();
  });
  const silent = new WeakMap<object, ReturnType<typeof setTimeout>>();
  server.on('connection', (socket) => {
    open++;
    // One that has sent part of a request is left to the header timeout, which answers 408.
    const timer = setTimeout(() => socket.bytesRead === 0 && socket.destroy(), firstRequestTimeoutMs);
    timer.unref();
    silent.set(socket, timer);
    socket.once('close', () => {
      open--;
      clearTimeout(timer);
    });
  });
  // Any request, even one refused, or bytes Node could not parse (answered by clientError): the connection is no longer silent.
  const spoke = (socket: object): void => {
    clearTimeout(silent.get(socket));
    silent.delete(socket);
  };
  server.prependListener('request', (request) => spoke(request.socket));
  server.prependListener('clientError', (_error, socket) => spoke(socket));
  return Object.assign(server, { openConnections: () => open });
}

function refuse(request: IncomingMessage, policy: GuardPolicy, open: number): { status: number; reason: string; headers?: Record<string, string> } | null {
  const hostRefusal = policy.hostRefusal ? policy.hostRefusal(request.headers.host) : 'the server is not listening yet';
  if (hostRefusal) return { status: 421, reason: hostRefusal, headers: { Connection: 'close' } };
  if (request.method !== 'GET' && request.method !== 'HEAD') return { status: 405, reason: `method ${request.method} not allowed: GET or HEAD`, headers: { Allow: 'GET, HEAD' } };
  if (open > policy.maxConnections) {
    return { status: 503, reason: `too many connections: this server keeps at most ${policy.maxConnections} open; try again shortly`, headers: { 'Retry-After': '5', Connection: 'close' } };
  }
  return null;
}

/** A plain-text answer (errors, refusals): the status, the reason, and headers to add. */
export function answerPlain(response: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { ...plainText, ...headers }).end(`${reason}\n`);
}
