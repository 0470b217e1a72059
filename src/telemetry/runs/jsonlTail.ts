/**
 * Following a JSONL record as it grows: the bytes written since the last read go through the
 * reader's checks (jsonlReader.ts's {@link JsonlEventParser}: each line decoded, its fields and
 * its place in the run checked), leniently, so a bad line is reported and passed over rather
 * than ending the reading. A line is judged once its newline has come: the unfinished end of a
 * file still being written waits for the rest.
 *
 * When to read: `fs.watch` on the file says at once that it changed, and {@link JsonlTail.poll},
 * which the owner calls on a timer, looks at its size too (a watch can miss changes: network
 * file systems, a file replaced by rename, inotify's limits). Reads go chunk by chunk, one at a
 * time, so memory holds one chunk and at most one unfinished line whatever the file's size.
 *
 * A file that shrinks, or whose inode changes, was replaced (`--overwrite`, a run cut back to
 * its checkpoint): the tail says so (`onReset`) and reads the new content from its start.
 *
 * A file found in a directory tree is confined to it (`within`): each time it is opened, its
 * real path must lie inside the tree and be the file opened, so that a file replaced later by
 * a symbolic link to somewhere else (`~/.ssh/…`) is not read (see runFiles.ts).
 */
import { constants, watch, type FSWatcher } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { isInside } from './runFiles.ts';
import { JsonlEventParser, type JsonlProblem } from '../jsonlReader.ts';
import type { TelemetryEvent } from '../events.ts';

/** What a {@link JsonlTail} reports. */
export interface JsonlTailListener {
  /** Each valid event, in file order. */
  onEvent(event: TelemetryEvent): void;
  /** Each problem of a line (its events are left out). */
  onProblem(problem: JsonlProblem): void;
  /** The file was replaced or cut back: what was read of it no longer holds; it is read again from its start. */
  onReset(): void;
  /** The file is gone, or cannot be read (the reason); the tail looks again at the next poll. */
  onMissing(reason: string): void;
}

const chunkBytes = 256 * 1024;

/** One followed file. */
export class JsonlTail {
  private parser: JsonlEventParser;
  private offset = 0;
  private inode = -1;
  private reading: Promise<void> | null = null;
  private again = false;
  private watcher: FSWatcher | null = null;
  private closed = false;
  private missing = false;
  /** When the file last changed (ms since the epoch), as of the last look. */
  modified = 0;

  /**
   * @param path the file
   * @param listener what is told of it
   * @param within the real path of the directory tree the file must stay inside, or null (default) for a file named itself
   */
  constructor(readonly path: string, private readonly listener: JsonlTailListener, private readonly within: string | null = null) {
    this.parser = this.newParser();
    try {
      this.watcher = watch(path, { persistent: false }, () => this.poll());
      this.watcher.on('error', () => this.unwatch());
    } catch {
      this.watcher = null; // polling alone, then
    }
  }

  /** Bytes read so far. */
  get bytesRead(): number {
    return this.offset;
  }

  /** Whether the file could not be read at the last look. */
  get isMissing(): boolean {
    return this.missing;
  }

  /** Looks at the file and reads what was added since; resolves once read (a read in progress is followed by another). */
  poll(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = this.readNew().finally(() => {
      this.reading = null;
      if (this.again && !this.closed) {
        this.again = false;
        void this.poll();
      }
    });
    return this.reading;
  }

  /** Stops following the file. */
  close(): void {
    this.closed = true;
    this.unwatch();
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = null;
  }

  private newParser(): JsonlEventParser {
    return new JsonlEventParser(this.path, (event) => this.listener.onEvent(event), {
      lenient: true,
      multipleRuns: true,
      onProblem: (problem) => this.listener.onProblem(problem),
    });
  }

  private async readNew(): Promise<void> {
    let handle;
    try {
      // Before anything is read or reset: a record swapped for a link out of its tree keeps what was read of it.
      if (this.within !== null && !isInside(await realpath(this.path), this.within)) throw this.outside();
      const found = await stat(this.path);
      if (!found.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
      this.modified = found.mtimeMs;
      if (this.inode !== -1 && (found.ino !== this.inode || found.size < this.offset)) {
        this.inode = -1;
        this.offset = 0;
        this.parser = this.newParser();
        this.listener.onReset();
      }
      if (found.size === this.offset && this.inode !== -1) return;
      // Non-blocking, and checked on the opened file: a FIFO swapped in after the stat would block a plain open forever.
      handle = await open(this.path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
      const opened = await handle.stat();
      if (!opened.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
      if (this.inode !== -1 && opened.ino !== this.inode) return; // swapped between stat and open: the next poll resets
      if (this.within !== null) await this.assertConfined(opened.dev, opened.ino);
      this.inode = opened.ino;
      if (this.missing) this.missing = false;
      if (this.watcher === null && !this.closed) this.rewatch();
      const buffer = Buffer.allocUnsafe(chunkBytes);
      for (;;) {
        if (this.closed) return;
        const { bytesRead } = await handle.read(buffer, 0, chunkBytes, this.offset);
        if (bytesRead === 0) return;
        this.offset += bytesRead;
        this.parser.push(buffer, bytesRead);
      }
    } catch (error) {
      if (this.closed) return;
      const code = (error as NodeJS.ErrnoException).code;
      if (!this.missing) {
        this.missing = true;
        this.listener.onMissing(code === 'ENOENT' ? 'the file is gone' : code === 'ENOTFILE' ? 'it is no longer a regular file' : code === 'EOUTSIDE' ? (error as Error).message : `it cannot be read (${code ?? (error as Error).message})`);
      }
    } finally {
      await handle?.close();
    }
  }

  /**
   * Throws (code EOUTSIDE) unless the path, links resolved, lies inside `within` and is the
   * file opened (device and inode): the path is resolved after the open, so a link swapped in
   * between shows as another file.
   */
  private async assertConfined(device: number, inode: number): Promise<void> {
    const real = await realpath(this.path);
    const found = isInside(real, this.within!) ? await stat(real) : null;
    if (found === null || found.dev !== device || found.ino !== inode) throw this.outside();
  }

  private outside(): Error {
    return Object.assign(new Error(`it now leads outside ${this.within} (a symbolic link), so it is not read`), { code: 'EOUTSIDE' });
  }

  /** A watch lost with its file (deleted, replaced) is set again once the file is back. */
  private rewatch(): void {
    try {
      this.watcher = watch(this.path, { persistent: false }, () => this.poll());
      this.watcher.on('error', () => this.unwatch());
    } catch {
      this.watcher = null;
    }
  }
}
