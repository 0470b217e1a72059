/**
 * The dashboard's clients for the telemetry section, in a process of their own as a browser
 * and a Prometheus server would be: an SSE client on `/events` and a scraper of `/metrics`
 * every second. Each line on stdin, `<dashboard url> <live|slow|stall>`, moves the clients to
 * that dashboard (one run after another); an empty line disconnects them.
 *
 *     node bench/telemetryClient.mjs
 *
 * `live` reads the stream as fast as it comes (a browser on a good link); `slow` reads 16 KiB
 * a second (a page on a slow link); `stall` connects and never reads. A line
 * `<dashboard url> burst <readers> <stalled>` adds that many `/events` clients at once, beside
 * the current ones (the burst of the connection table). It also receives remote writes: its
 * first line says where (`receiver <url>`). At the end of stdin it prints one line of JSON:
 * bytes read, scrapes made, remote writes received.
 */
import { createServer, request } from 'node:http';
import { createInterface } from 'node:readline';

const slowBytesPerSecond = 16 * 1024;
const scrapeMs = 1000;
const stats = { bytes: 0, scrapes: 0, failures: 0, burstBytes: 0, burstStatus: {}, remoteWrites: 0, remoteWriteBytes: 0 };

// A remote-write receiver, as a Prometheus would be: it answers 204 and counts what it got.
const receiver = createServer((incoming, response) => {
  incoming.on('data', (chunk) => { stats.remoteWriteBytes += chunk.length; });
  incoming.on('end', () => {
    stats.remoteWrites++;
    response.writeHead(204).end();
  });
});
receiver.listen(0, '127.0.0.1', () => console.log(`receiver http://127.0.0.1:${receiver.address().port}/api/v1/write`));
let current = null;

function follow(url, reader) {
  const timers = [];
  const events = request(new URL('events', url), { headers: { Accept: 'text/event-stream' } }, (response) => {
    if (reader === 'live') {
      response.on('data', (chunk) => { stats.bytes += chunk.length; });
      return;
    }
    // A slow link: at most slowBytesPerSecond leave the socket each second; the rest waits in it.
    response.pause();
    if (reader === 'stall') return;
    timers.push(setInterval(() => {
      let taken = 0;
      let chunk;
      while (taken < slowBytesPerSecond && (chunk = response.read()) !== null) taken += chunk.length;
      stats.bytes += taken;
    }, 1000));
  });
  events.on('error', () => undefined);
  events.end();
  timers.push(setInterval(() => {
    const scrape = request(new URL('metrics', url), (response) => {
      response.resume();
      response.on('end', () => { stats.scrapes++; });
    });
    scrape.on('error', () => { stats.failures++; });
    scrape.end();
  }, scrapeMs));
  return () => {
    for (const timer of timers) clearInterval(timer);
    events.destroy();
  };
}

/**
 * A connection burst: `readers` pages that read everything and `stalled` clients that never
 * read connect to `/events` at once; each is counted by the status it got (0: refused at
 * connect). They stay until the next line.
 */
function burst(url, readers, stalled) {
  const requests = [];
  const open = (reads) => {
    const events = request(new URL('events', url), { headers: { Accept: 'text/event-stream' } }, (response) => {
      stats.burstStatus[response.statusCode] = (stats.burstStatus[response.statusCode] ?? 0) + 1;
      if (reads) response.on('data', (chunk) => { stats.burstBytes += chunk.length; });
      else response.pause();
    });
    events.on('error', () => { stats.burstStatus[0] = (stats.burstStatus[0] ?? 0) + 1; });
    events.end();
    requests.push(events);
  };
  for (let i = 0; i < readers; i++) open(true);
  for (let i = 0; i < stalled; i++) open(false);
  return () => {
    for (const events of requests) events.destroy();
  };
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [url, reader = 'live', readers, stalled] = line.trim().split(/\s+/);
  if (reader === 'burst') {
    const leave = burst(url, Number(readers), Number(stalled));
    const previous = current;
    current = () => { previous?.(); leave(); };
    return;
  }
  current?.();
  current = url ? follow(url, reader) : null;
});
lines.on('close', () => {
  current?.();
  console.log(JSON.stringify(stats));
  process.exit(0);
});
