/**
 * Waiting for a condition in tests that depend on other threads, processes or sockets. A fixed
 * sleep or a fixed number of short polls is a guess at how fast the machine is: on a loaded
 * two-core machine a low-priority server thread can take seconds for what takes milliseconds
 * alone. Polling with a generous overall deadline waits only as long as needed, and still fails,
 * naming what never happened, when the condition is never met.
 */

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many ms. Default 30,000 (half the suite's per-test timeout). */
  readonly timeoutMs?: number;
  /** Check again after this many ms. Default 20. */
  readonly everyMs?: number;
}

/**
 * Resolves once `condition()` holds; checks it every `everyMs` (default 20) and throws
 * `<what>: not reached within <timeoutMs> ms` after `timeoutMs` (default 30,000).
 */
export async function waitFor(condition: () => boolean, what: string, options: WaitForOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const everyMs = options.everyMs ?? 20;
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
