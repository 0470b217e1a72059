/**
 * Who can reach the telemetry servers and what they answer: the Host check (DNS
 * rebinding), the headers on every answer, methods, on the dashboard and on a metrics port.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { from } from 'rxjs';
import { startDashboard } from '../../src/telemetry/dashboard/server.ts';
import { prometheusSink } from '../../src/telemetry/prometheusSink.ts';
import type { Disposable } from '../../src/telemetry/attach.ts';
import { fakeRunEvents } from './fakeRun.ts';

const open: Disposable[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.dispose()));
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request with the headers given as they are (Host included); a stream is read for 200 ms, then dropped. */
function ask(origin: string, path: string, { method = 'GET', headers = {} as Record<string, string> } = {}): Promise<Answer> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      const done = (): void => resolve({ status: response.statusCode!, headers: response.headers, body });
      response.on('end', done);
      if (String(response.headers['content-type']).startsWith('text/event-stream')) {
        setTimeout(() => {
          done();
          req.destroy();
        }, 200);
      }
    });
    req.on('error', reject);
    req.end();
  });
}

async function servers(options: { allowHosts?: string[] } = {}) {
  const events = fakeRunEvents({ steps: 5 });
  const prometheus = await prometheusSink(from(events), { port: 0, ...options });
  const dashboard = await startDashboard(from(events), { metrics: prometheus, ...options });
  open.push(dashboard, prometheus);
  const dashboardPort = new URL(dashboard.url).port;
  const metricsOrigin = prometheus.url!.replace('/metrics', '');
  return { dashboard: dashboard.url, dashboardPort, metrics: metricsOrigin, metricsPort: new URL(metricsOrigin).port };
}

describe('the Host header', () => {
  it('a name that is not this machine gets 421 on every path of both servers (DNS rebinding)', async () => {
    const { dashboard, metrics, dashboardPort, metricsPort } = await servers();
    for (const [origin, path, port] of [[dashboard, '/', dashboardPort], [dashboard, '/events', dashboardPort], [dashboard, '/metrics', dashboardPort], [dashboard, '/dashboard.js', dashboardPort], [metrics, '/metrics', metricsPort]] as const) {
      for (const host of ['evil.example', `evil.example:${port}`, `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`]) {
        const answer = await ask(origin, path, { headers: { Host: host } });
        expect(answer.status, `${path} with Host ${host}`).toBe(421);
        expect(answer.body).toContain('answers only for');
        expect(answer.body).not.toContain('gradstream_');
        expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
      }
    }
  });

  it('loopback names with the server\'s port (or none) are answered; another port is not', async () => {
    const { dashboard, metrics, dashboardPort, metricsPort } = await servers();
    for (const host of [`localhost:${dashboardPort}`, `LOCALHOST:${dashboardPort}`, `127.0.0.1:${dashboardPort}`, `[::1]:${dashboardPort}`, '127.0.0.1', 'localhost.']) {
      expect((await ask(dashboard, '/', { headers: { Host: host } })).status, host).toBe(200);
    }
    expect((await ask(metrics, '/metrics', { headers: { Host: `localhost:${metricsPort}` } })).status).toBe(200);
    expect((await ask(dashboard, '/', { headers: { Host: `127.0.0.1:${Number(dashboardPort) + 1}` } })).status).toBe(421);
    expect((await ask(metrics, '/metrics', { headers: { Host: `127.0.0.1:${dashboardPort}` } })).status).toBe(421);
  });

  it('allowHosts adds names, on both servers', async () => {
    const { dashboard, metrics, dashboardPort, metricsPort } = await servers({ allowHosts: ['trainer.lan', 'fe80::1'] });
    expect((await ask(dashboard, '/', { headers: { Host: `trainer.lan:${dashboardPort}` } })).status).toBe(200);
    expect((await ask(dashboard, '/', { headers: { Host: `[fe80::1]:${dashboardPort}` } })).status).toBe(200);
    expect((await ask(metrics, '/metrics', { headers: { Host: `Trainer.LAN:${metricsPort}` } })).status).toBe(200);
    expect((await ask(dashboard, '/', { headers: { Host: `other.lan:${dashboardPort}` } })).status).toBe(421);
  });

  it('refuses allowHosts that are not host names, with what it expected', async () => {
    await expect(startDashboard(from([]), { allowHosts: ['http://x/'] })).rejects.toThrow(/allowHosts holds "http:\/\/x\/"; expected a host name or address/);
    await expect(prometheusSink(from([]), { port: 0, allowHosts: 'x' as never })).rejects.toThrow(/allowHosts must be an array/);
    await expect(startDashboard(from([]), { maxClients: 0 })).rejects.toThrow(/maxClients must be an integer ≥ 1, got 0/);
  });
});

describe('headers and methods', () => {
  it('every answer forbids framing and sniffing; the page keeps its own policy beside frame-ancestors', async () => {
    const { dashboard, metrics } = await servers();
    const answers = await Promise.all([
      ask(dashboard, '/'), ask(dashboard, '/dashboard.js'), ask(dashboard, '/uPlot.min.css'), ask(dashboard, '/nothing'), ask(dashboard, '/events'),
      ask(dashboard, '/metrics'), ask(dashboard, '/', { method: 'POST' }), ask(metrics, '/metrics'), ask(metrics, '/'), ask(metrics, '/metrics', { method: 'DELETE' }),
    ]);
    for (const answer of answers) {
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(answers[0]!.headers['content-security-policy']).toMatch(/^default-src 'self'; .*; frame-ancestors 'none'$/);
  });

  it('methods other than GET and HEAD get 405 with Allow on both ports', async () => {
    const { dashboard, metrics } = await servers();
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      for (const [origin, path] of [[dashboard, '/'], [dashboard, '/events'], [dashboard, '/metrics'], [metrics, '/metrics'], [metrics, '/']] as const) {
        const answer = await ask(origin, path, { method });
        expect(answer.status, `${method} ${origin}${path}`).toBe(405);
        expect(answer.headers.allow).toBe('GET, HEAD');
      }
    }
    const head = await ask(metrics, '/metrics', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });
});

describe('requests Node cannot parse', () => {
  it('get 400 with the same headers as every other answer', async () => {
    const { dashboard } = await servers();
    const { port } = new URL(dashboard);
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /\u0001 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
      let received = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => { received += chunk; });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(text).toContain('X-Frame-Options: DENY\r\n');
    expect(text).toContain("Content-Security-Policy: frame-ancestors 'none'\r\n");
    expect(text).toContain('X-Content-Type-Options: nosniff\r\n');
  });
});
