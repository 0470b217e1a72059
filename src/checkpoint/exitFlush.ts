/**
 * Synchronous work that must run before the process goes: at exit and on SIGINT, SIGTERM
 * and SIGHUP. One set of process listeners serves every open sink and lock (no listener
 * pile-up, no MaxListeners warning). When a signal arrives, the flushes run; when nothing
 * else in the process handles the signal, the releases run too (lock files are deleted)
 * and the signal is raised again, so the process still ends the way it would have (Ctrl-C
 * still stops it, with the usual status). A program that handles the signal itself keeps
 * its locks until it ends.
 */

const exitSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const flushes = new Set<() => void>();
const releases = new Set<() => void>();

const runEach = (tasks: ReadonlySet<() => void>): void => {
  for (const task of tasks) {
    try {
      task();
    } catch {
      // A failing task must not keep the others from running while the process ends.
    }
  }
};

// Flushes first: a file is written before the lock that guards it goes.
const onExit = (): void => {
  runEach(flushes);
  runEach(releases);
};

const onSignal = (signal: NodeJS.Signals): void => {
  runEach(flushes);
  const othersHandle = process.listenerCount(signal) > 1;
  if (othersHandle) return;
  runEach(releases);
  uninstall();
  process.kill(process.pid, signal);
};

let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const signal of exitSignals) process.on(signal, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', onExit);
  for (const signal of exitSignals) process.off(signal, onSignal);
}

function register(tasks: Set<() => void>, task: () => void): () => void {
  install();
  tasks.add(task);
  return () => {
    if (!tasks.delete(task)) return;
    if (flushes.size === 0 && releases.size === 0) uninstall();
  };
}

/** Registers a synchronous flush to run at exit and on exit signals; returns its removal. */
export function flushBeforeExit(flush: () => void): () => void {
  return register(flushes, flush);
}

/**
 * Registers a synchronous release (deleting a lock file) to run at exit, and on an exit
 * signal that ends the process (one nothing else handles), after the flushes; returns its
 * removal.
 */
export function releaseAtExit(release: () => void): () => void {
  return register(releases, release);
}
