/**
 * Waiting for Ctrl-C: how `--serve` modes keep a dashboard up after a run until the person
 * watching is done with it.
 */

/** Resolves with the signal's name on the first SIGINT or SIGTERM; its listeners are removed then. */
export function untilInterrupted(): Promise<'SIGINT' | 'SIGTERM'> {
  return new Promise((resolve) => {
    const signals = ['SIGINT', 'SIGTERM'] as const;
    const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
      for (const name of signals) process.off(name, onSignal);
      resolve(signal);
    };
    for (const name of signals) process.on(name, onSignal);
  });
}
