/**
 * `gradstream tour`, what `npm start` runs: the primer step by step through the streaming
 * runtime, the primer's own mistakes caught by the verifier, every built-in layer verified,
 * and MNIST training watched live in the terminal and in the browser.
 */
import { UsageError, type Command } from '../command.ts';
import { quoted } from '../printable.ts';
import { hostList, positiveInteger } from '../valueTypes.ts';
import { readArguments, type OptionTable, type OptionValues } from '../options.ts';
import { formatUsage } from '../usage.ts';
import { builtinSpecs, formatFailures, formatSpecTable, verifySpec } from '../../check/property/verifySpecs.ts';
import { startRunDashboard, serveUntilInterrupted, type RunDashboard } from '../../telemetry/serve.ts';
import { messageOf } from '../../util/errorText.ts';
import { simplest } from '../../scenarios/simplest.ts';
import { deeper } from '../../scenarios/deeper.ts';
import { wider } from '../../scenarios/wider.ts';
import { primerTypos } from '../../scenarios/primerTypos.ts';
import { trainMnist } from '../../scenarios/mnist.ts';
import { requireMnistPackage } from '../../data/mnist.ts';
import type { ScenarioContext } from '../../scenarios/scenario.ts';

/** Property runs per built-in in the tour's verification table, and the seed that makes it reproducible. */
const tourRuns = { full: 60, quick: 10 };
const tourSeed = 2024;

const options = {
  quick: { kind: 'flag', description: 'the short version: fewer verification cases, one epoch of MNIST on 2,000 digits' },
  serve: { kind: 'flag', description: 'keep the dashboard up after the run, until Ctrl-C' },
  'no-dashboard': { kind: 'flag', description: 'train MNIST without the live dashboard' },
  'allow-host': { kind: 'value', type: hostList, repeatable: true, description: 'names the dashboard also answers as Host, besides localhost, 127.0.0.1 and [::1] (repeatable, or comma-separated; default none)' },
  'max-clients': { kind: 'value', type: positiveInteger, description: 'dashboard streams served at once (default 32)' },
} as const satisfies OptionTable;

const usage = formatUsage({ synopsis: ['tour [options]'], options });

export const tourCommand: Command<OptionValues<typeof options>> = {
  name: 'tour',
  summary: 'the guided tour that `npm start` runs (--serve keeps the dashboard up afterwards)',
  usage: () => usage,
  parse(args) {
    const { positionals, values } = readArguments('tour', options, args);
    if (positionals.length > 0) throw new UsageError(`tour: takes no arguments, got ${positionals.map(quoted).join(' ')}`);
    if (values.serve && values['no-dashboard']) throw new UsageError('tour: --serve keeps the dashboard up, which --no-dashboard turns off: give one of them');
    return values;
  },
  async execute(options, { stdout }) {
    // Installed from npm, the optional digits may be missing: say so now, not after three parts.
    requireMnistPackage('its last part, MNIST watched live,');
    const quick = options.quick === true;
    const print = (text: string) => stdout.write(text + '\n');
    const heading = (text: string) => print(`\n${'═'.repeat(text.length)}\n${text}\n${'═'.repeat(text.length)}\n`);
    const interrupt = new AbortController();
    const onSigint = () => interrupt.abort();
    process.once('SIGINT', onSigint);
    const context = (seed: number): ScenarioContext => ({ print, quick, seed, options: {}, signal: interrupt.signal });

    try {
      heading('1. The backpropagation primer, step by step, through the streaming runtime');
      await simplest.run(context(simplest.defaultSeed));
      print('');
      await deeper.run(context(deeper.defaultSeed));
      print('');
      await wider.run(context(wider.defaultSeed));

      heading("2. The primer's own mistakes, caught by the verifier");
      await primerTypos.run(context(primerTypos.defaultSeed));

      heading('3. Every built-in layer and loss, verified against finite differences');
      const runs = quick ? tourRuns.quick : tourRuns.full;
      print(`${runs} fast-check cases each (seed ${tourSeed}): shapes, values, kinks and ties drawn, every gradient compared.\n`);
      const outcomes = builtinSpecs().map((found) => verifySpec(found, { numRuns: runs, seed: tourSeed }));
      print(formatSpecTable(outcomes));
      const failures = formatFailures(outcomes);
      if (failures) print('\n' + failures);

      heading('4. MNIST, watched live');
      // The dashboard starts beside the run (its server thread may take a few seconds to load on
      // a busy machine); it is awaited after training too, so that it is always printed and closed.
      let dashboardStarting: Promise<RunDashboard | undefined> = Promise.resolve(undefined);
      const outcome = await trainMnist({
        seed: 0,
        epochs: quick ? 1 : 12,
        print,
        signal: interrupt.signal,
        ...(quick ? { trainLimit: 2000 } : {}),
        onStart: (run) => {
          if (options['no-dashboard']) return;
          const access = { ...(options['allow-host'] ? { allowHosts: options['allow-host'].flat() } : {}), ...(options['max-clients'] ? { maxClients: options['max-clients'] } : {}) };
          dashboardStarting = startRunDashboard(run, { console: false, audits: { everySteps: 100 }, ...access }).then(
            (started) => {
              print(`  live dashboard: ${started.url}  (loss, accuracy, per-layer gradients, audits; Prometheus at ${started.url}metrics)\n`);
              return started;
            },
            (error: unknown) => {
              print(`  the live dashboard could not start: ${messageOf(error)}; training goes on without it\n`);
              return undefined;
            },
          );
        },
      });
      const dashboard = await dashboardStarting;
      print(`\nThe tour is over: ${(100 * outcome.accuracy).toFixed(2)}% of held-out digits right.`);
      if (dashboard) {
        if (options.serve && !interrupt.signal.aborted) await serveUntilInterrupted(dashboard.watch, stdout);
        else {
          await dashboard.watch.dispose();
          print('(run `npm start -- --serve` to keep the dashboard up after the run)');
        }
      }
    } finally {
      process.off('SIGINT', onSigint);
    }
    return interrupt.signal.aborted ? 130 : 0;
  },
};
