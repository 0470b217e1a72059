/**
 * The TensorBoard sink: a live run's events written as TensorBoard event files while it
 * trains, so that `tensorboard --logdir <logdir>` shows it as it goes. The records of a batch
 * of events (under `watch`, every `flushEveryMs`) are written in one append at the end of
 * the turn of the event loop they arrived in; exit signals and the end of the stream write
 * what waits.
 */
import type { Observable } from 'rxjs';
import { assertSource, attachSink, type SinkHandle } from '../attach.ts';
import { assertOptions } from '../../util/argumentChecks.ts';
import { messageOf } from '../../util/errorText.ts';
import type { TelemetryEvent } from '../events.ts';
import { flushBeforeExit } from '../../checkpoint/exitFlush.ts';
import { TensorBoardWriter, type TensorBoardRunFile } from './eventFileWriter.ts';

/** Options of {@link tensorboardSink}. */
export interface TensorBoardSinkOptions {
  /** Where a failure of the sink (a file that cannot be written) is reported. Default: one line on stderr. */
  readonly report?: ((message: string) => void) | undefined;
}

/** A TensorBoard sink's handle. */
export interface TensorBoardSink extends SinkHandle {
  /** The log directory. */
  readonly logdir: string;
  /** The runs written so far: each one's directory (TensorBoard's run name) and event file. */
  runs(): TensorBoardRunFile[];
  /** Writes the records that wait, now. */
  flush(): void;
}

/**
 * Writes a run's events as TensorBoard event files under `logdir`, one directory per run
 * (its name, or its id): scalars (loss, learning rate, throughput, evaluations, per-layer
 * norms, update ratios and activation figures), histograms (each layer's distributions),
 * text (audits and alarms) and the run's settings as the HParams plugin's hyperparameters.
 * Subscribes at once; a file that cannot be written detaches the sink and is reported.
 *
 * @example
 * const watching = await watch(run, { sinks: [(events$) => tensorboardSink(events$, 'logs')] });
 */
export function tensorboardSink(events$: Observable<TelemetryEvent>, logdir: string, options: TensorBoardSinkOptions = {}): TensorBoardSink {
  assertSource(events$, 'tensorboardSink');
  if (typeof logdir !== 'string' || logdir === '') throw new TypeError(`tensorboardSink: expected a log directory (a path), got ${typeof logdir === 'string' ? 'an empty string' : typeof logdir}`);
  assertOptions(options, 'tensorboardSink');
  const writer = new TensorBoardWriter(logdir);
  const report = options.report ?? ((message: string) => process.stderr.write(`${message}\n`));
  let scheduled: ReturnType<typeof setImmediate> | null = null;
  const flush = (): void => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = null;
    writer.flush();
  };
  // A write that fails outside the stream's delivery (the end of the turn) detaches the sink as one inside it would.
  const flushLater = (): void => {
    try {
      flush();
    } catch (error) {
      report(`gradstream telemetry: the tensorboard sink failed and was detached: ${messageOf(error)}`);
      void handle.dispose();
    }
  };
  const forget = flushBeforeExit(flush);
  const handle: SinkHandle = attachSink('tensorboard', events$, {
    next(event) {
      writer.write(event);
      scheduled ??= setImmediate(flushLater);
    },
    close() {
      if (scheduled) clearImmediate(scheduled);
      forget();
      writer.close();
    },
    report,
  });
  return { ...handle, logdir, runs: () => writer.runs(), flush };
}
