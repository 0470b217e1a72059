/**
 * TensorBoard event files: one directory per run under a log directory (what TensorBoard
 * shows as runs), in it files named `events.out.tfevents.<seconds>.<host>.<pid>.<n>`, each
 * starting with a `brain.Event:2` record, then the run's Event records. Records are framed
 * (`records.ts`) as they come and written together on `flush()`, in one synchronous append:
 * a crash leaves whole records and at most one torn at the end, which TensorBoard's reader
 * leaves out.
 *
 * An event file is always a new file, created exclusively (O_EXCL, which never follows a
 * symbolic link): its name is predictable (a run's start time, the host, the pid), so in a
 * log directory others can write, a link planted under that name would otherwise have the
 * records appended to whatever file it leads to. A name taken already is passed over for the
 * next number.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { TelemetryEvent } from '../events.ts';
import { runIdentity } from '../runIdentity.ts';
import { encodeEventMessage, type EventMessage } from './messages.ts';
import { frameRecord } from './records.ts';
import { eventMessagesOf, fileVersion } from './summaries.ts';

/** Files opened by this process, so that two opened in the same second get different names. */
let filesOpened = 0;

/** One event file being written. */
class EventFile {
  private pending: Buffer[] = [];
  /** Tags whose metadata this file holds already. */
  readonly tagged = new Set<string>();
  /** Records written or waiting, the first (the file version) included. */
  records = 0;

  constructor(readonly path: string, private readonly descriptor: number, wallTime: number) {
    this.add({ wall_time: wallTime, file_version: fileVersion, source_metadata: { writer: 'gradstream' } });
  }

  add(message: EventMessage): void {
    this.pending.push(frameRecord(encodeEventMessage(message)));
    this.records++;
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    let written = 0;
    while (written < bytes.length) written += writeSync(this.descriptor, bytes, written);
  }

  close(): void {
    this.flush();
    closeSync(this.descriptor);
  }
}

/** Where one run's records went. */
export interface TensorBoardRunFile {
  /** The run's id. */
  readonly runId: string;
  /** Its directory under the log directory: TensorBoard's run name. */
  readonly directory: string;
  /** The event file. */
  readonly path: string;
  /** Records in it, the file-version record included. */
  readonly records: number;
}

/**
 * Writes the events of one or more runs (one after another, as in a file of several runs)
 * into TensorBoard event files under `logdir`: a run's directory is its name (`train`'s
 * `name`), or its id when it has none, with anything but letters, digits, `.`, `_` and `-`
 * replaced by `_`. A resumed run (its `run-start` again, with the same id) goes on in the
 * same file. Events before any `run-start` go to a directory named after their run id.
 */
export class TensorBoardWriter {
  private readonly files = new Map<string, EventFile>();
  private readonly directories = new Map<string, string>();
  private readonly host = hostname();

  /** @param logdir the log directory (created when missing) */
  constructor(readonly logdir: string) {}

  /** Adds one event's records (written on {@link flush}). */
  write(event: TelemetryEvent): void {
    const file = this.fileFor(event);
    for (const message of eventMessagesOf(event, file.tagged)) file.add(message);
  }

  /** Writes what waits, in one append per file. */
  flush(): void {
    for (const file of this.files.values()) file.flush();
  }

  /** Writes what waits and closes every file. */
  close(): void {
    for (const file of this.files.values()) file.close();
    this.files.clear();
  }

  /** The runs written so far, in the order they began. */
  runs(): TensorBoardRunFile[] {
    return [...this.files].map(([runId, file]) => ({ runId, directory: this.directories.get(runId)!, path: file.path, records: file.records }));
  }

  private fileFor(event: TelemetryEvent): EventFile {
    const open = this.files.get(event.runId);
    if (open) return open;
    const name = event.type === 'run-start' ? (runIdentity(event).name ?? event.runId) : event.runId;
    const directory = join(this.logdir, safeName(name));
    mkdirSync(directory, { recursive: true });
    const seconds = Math.floor(event.time / 1000);
    const { path, descriptor } = createEventFile(directory, `events.out.tfevents.${seconds}.${safeName(this.host)}.${process.pid}.`);
    const file = new EventFile(path, descriptor, event.time / 1000);
    this.files.set(event.runId, file);
    this.directories.set(event.runId, directory);
    return file;
  }
}

/** Names tried for one event file before giving up: each taken one was made by another writer, or planted. */
const maxNameAttempts = 1000;

/** Creates a new event file `<prefix><n>` in `directory`, with n from this process's count of files opened; a name taken already is passed over. */
function createEventFile(directory: string, prefix: string): { path: string; descriptor: number } {
  for (let attempt = 0; attempt < maxNameAttempts; attempt++) {
    const path = join(directory, `${prefix}${filesOpened++}`);
    try {
      return { path, descriptor: openSync(path, 'ax') };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`TensorBoard: cannot create an event file in ${directory}: ${maxNameAttempts} names ${prefix}<n> were taken already; expected a log directory where this process's file names are free`);
}

/** A name made safe as one path segment: letters, digits, `.`, `_` and `-`, never `.` or `..` alone. */
function safeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === '' || /^\.+$/.test(safe) ? `_${safe}` : safe;
}
