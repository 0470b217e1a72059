/**
 * Synchronous flushes that must run before the process goes: at exit and on SIGINT,
 * SIGTERM and SIGHUP. One set of process listeners serves every open sink (no listener
 * pile-up, no MaxListeners warning). When a signal arrives and nothing else in the
 * process handles it, the flushes run and the signal is raised again, so the process
 * still ends the way it would have (Ctrl-C still stops it, with the usual status).
 */

const exitSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const flushes = new Set<() => void>();

const runAll = (): void => {
  for (const flush of flushes) {
    try {
      flush();
    } catch {
      // A failing flush must not keep the others from running while the process ends.
    }
  }
};

const onSignal = (signal: NodeJS.Signals): void => {
  runAll();
  const othersHandle = process.listenerCount(signal) > 1;
  if (othersHandle) return;
  uninstall();
  process.kill(process.pid, signal);
};

function install(): void {
  process.on('exit', runAll);
  for (const signal of exitSignals) process.on(signal, onSignal);
}

function uninstall(): void {
  process.off('exit', runAll);
  for (const signal of exitSignals) process.off(signal, onSignal);
}

/** Registers a synchronous flush to run at exit and on exit signals; returns its removal. */
export function flushBeforeExit(flush: () => void): () => void {
  if (flushes.size === 0) install();
  flushes.add(flush);
  return () => {
    if (!flushes.delete(flush)) return;
    if (flushes.size === 0) uninstall();
  };
}
