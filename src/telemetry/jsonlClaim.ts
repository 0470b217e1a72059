/**
 * Deciding what a run may do with the JSONL file it is given, before it writes a byte. The
 * file is the run's record: nothing writes over it or mixes another run into it unless
 * asked to.
 *
 *     missing or empty                  → a new record
 *     this run's events, and a position → cut back to the position (a resumed checkpoint's)
 *     this run's events, no position    → continued after its last whole line
 *     another run's events              → refused ('append' adds after them, 'overwrite' replaces them)
 *     anything else (a note, binary)    → refused ('overwrite' replaces it)
 *     a directory, a device, a pipe     → refused, always
 *     a symbolic link                   → refused, always
 *
 * A record is written only at its own path, never through a link: a link planted where a
 * run's file goes (`f.jsonl → ~/.bashrc`) would otherwise have `'overwrite'` replace the file
 * it leads to, and a link to nothing would create a file wherever it points. The opening for
 * writing does not follow links either (jsonlRecorder.ts), so one swapped in after this
 * check is refused there.
 *
 * A file shorter than the position, or one whose line at the position is not the event the
 * checkpoint recorded, is refused: its record was lost or replaced.
 */
import { appendFileSync, closeSync, lstatSync, readlinkSync, readSync, statSync, truncateSync, type Stats } from 'node:fs';
import { decodeEvent, TelemetryFormatError } from './codec.ts';
import { jsonlEnd, type JsonlEnd, type JsonlPosition } from './jsonlFile.ts';
import { JsonlFileError, type JsonlRefusal } from './jsonlErrors.ts';
import { fileKind, openRegularFileSync } from '../util/fileKind.ts';

/**
 * What to do with a file that already holds something other than this run's record:
 * `'continue'` refuses it, `'append'` adds this run after another run's events (a file of
 * several runs; still refusing what is not telemetry), `'overwrite'` replaces whatever is
 * there.
 */
export type ExistingJsonl = 'continue' | 'append' | 'overwrite';

/** Options of {@link claimJsonlFile}. */
export interface JsonlClaimOptions {
  /** Default `'continue'`. */
  readonly existing?: ExistingJsonl | undefined;
  /** The run to be recorded, when it is known (a resumed run's): a file ending with its events is continued. Default unknown: a new run. */
  readonly runId?: string | undefined;
  /** Where a checkpoint of this run says the file stood: the file is cut back to it. Default none. */
  readonly position?: JsonlPosition | undefined;
}

/** What the file holds once claimed, and where writing goes on. */
export interface JsonlClaim {
  /** Where the next line goes (the file's size). */
  readonly bytes: number;
  /** Seq of the last event of this run the file holds; −1 when it holds none. */
  readonly lastSeq: number;
  /** Whether the file already holds this run's events (through `lastSeq`). */
  readonly continues: boolean;
  /**
   * When the run continues a file without a checkpoint position: the step of its last event,
   * so that steps a resumed run computes again are left out. Null otherwise (a new record,
   * or one cut back to the checkpoint, after which every event is new).
   */
  readonly resumedAtStep: number | null;
  /** What was changed, in words (a cut-off tail, a replaced file). */
  readonly notes: readonly string[];
}

/** Advice for each refusal, in the library's words. */
const advice: Readonly<Record<JsonlRefusal, string>> = {
  'not-a-file': 'expected the path of a JSONL file',
  'not-telemetry': "refusing to write over it: choose another path, or pass existing: 'overwrite' to replace it",
  'other-run': "refusing to mix two runs in one file: choose another path, resume that run (its runId and checkpoint), or pass existing: 'append' to add this run after it, or 'overwrite' to replace it",
  'record-lost': "the record was lost: restore the file, choose another path, or pass existing: 'overwrite' to start it anew from the checkpoint (what came before stays lost)",
  'not-the-checkpoints': "it was replaced or edited after the checkpoint was saved: restore it, choose another path, or pass existing: 'overwrite' to start it anew",
};

const refuse = (path: string, reason: JsonlRefusal, found: string): JsonlFileError => new JsonlFileError(path, reason, found, advice[reason]);

const fresh = (notes: string[] = []): JsonlClaim => ({ bytes: 0, lastSeq: -1, continues: false, resumedAtStep: null, notes });

/**
 * Checks `path` against the table above and prepares it: cuts it back to the position or
 * to its last whole line, or empties it when overwriting. Throws a {@link JsonlFileError}
 * (before changing anything) when the file is refused. With `apply` false, only checks:
 * the claim says what would be done, and the file is left as it is. The caller holds the
 * file's lock.
 */
export function claimJsonlFile(path: string, options: JsonlClaimOptions = {}, apply = true): JsonlClaim {
  const file = apply ? changes : unchanged;
  const existing = options.existing ?? 'continue';
  const position = options.position;
  if (lstatOrNull(path)?.isSymbolicLink()) {
    throw refuse(path, 'not-a-file', `is a symbolic link to ${linkTarget(path)}, and a record is written only at its own path, never through a link (which could lead anywhere)`);
  }
  const stats = statOrNull(path);
  if (stats && !stats.isFile()) throw refuse(path, 'not-a-file', `is ${fileKind(stats)}`);
  if (!stats || stats.size === 0) {
    if (position && position.bytes > 0 && existing !== 'overwrite') {
      throw refuse(path, 'record-lost', `is ${stats ? 'empty' : 'missing'}, but ${recordedAt(position)}`);
    }
    return fresh();
  }
  if (existing === 'overwrite') {
    file.truncate(path, 0);
    return fresh([`replaced ${path} (${stats.size} bytes), as asked`]);
  }
  // In this run's file, what follows a checkpoint's position is the run's own later work (or a torn line): it is cut, once the position checks out.
  if (position && options.runId !== undefined && holdsRun(path, options.runId)) {
    if (stats.size < position.bytes) throw refuse(path, 'record-lost', `holds ${stats.size} bytes, but ${recordedAt(position)}`);
    return cutBackTo(path, stats.size, position, options.runId, file);
  }
  const end = telemetryEnd(path, stats.size);
  const sameRun = options.runId !== undefined && end.lastRunId === options.runId;
  if (!sameRun) {
    if (existing === 'continue') {
      const through = end.lastSeq < 0 ? 'an unfinished first event' : `through seq ${end.lastSeq}${end.lastStep === null ? '' : `, step ${end.lastStep}`}`;
      throw refuse(path, 'other-run', `holds ${options.runId === undefined ? 'the record of a run' : 'the record of another run'} (${end.lastRunId}, ${through}), and this is ${options.runId === undefined ? 'a new run' : `the run ${options.runId}`}`);
    }
    return { ...continueAtEnd(path, end, file), continues: false, resumedAtStep: null, lastSeq: -1 };
  }
  return continueAtEnd(path, end, file);
}

/** The changes a claim makes to the file; `unchanged` when it only checks. */
interface FileChanges {
  truncate(path: string, bytes: number): void;
  append(path: string, text: string): void;
}
const changes: FileChanges = { truncate: truncateSync, append: appendFileSync };
const unchanged: FileChanges = { truncate: () => {}, append: () => {} };

/** The file's end, after checking that it starts and ends with telemetry events. */
function telemetryEnd(path: string, size: number): JsonlEnd {
  const first = firstLine(path);
  const firstRunId = runIdOfFirstLine(first);
  const notTelemetry = (what: string): JsonlFileError => refuse(path, 'not-telemetry', `holds ${size} bytes that are not gradstream telemetry (${what})`);
  if (firstRunId === null) throw notTelemetry(describeBytes(first.bytes));
  let end: JsonlEnd;
  try {
    end = jsonlEnd(path);
  } catch (error) {
    if (error instanceof TelemetryFormatError) throw notTelemetry('its last line is not an event');
    throw error;
  }
  // Only an unfinished first event (a crash during the first write): the run it began is named at its start.
  return end.lastRunId === null ? { ...end, lastRunId: firstRunId } : end;
}

/** Whether the file begins or ends with the run's events (its first line may be unfinished). */
function holdsRun(path: string, runId: string): boolean {
  if (runIdOfFirstLine(firstLine(path)) === runId) return true;
  try {
    return jsonlEnd(path).lastRunId === runId;
  } catch {
    return false;
  }
}

/**
 * The run id of the first line: of its event when it is whole, or read from the start of
 * an unfinished one (an event's line begins with its header); null when it is not telemetry.
 */
function runIdOfFirstLine(first: { text: string; complete: boolean }): string | null {
  try {
    return decodeEvent(first.text).runId;
  } catch (error) {
    if (!(error instanceof TelemetryFormatError) || first.complete) return null;
    return /^\{"v":\d+,"runId":"([^"\\]+)"/.exec(first.text)?.[1] ?? null;
  }
}

/** Continues after the last whole line: a torn line left by a crash is cut off; a whole last event missing only its newline gets it. */
function continueAtEnd(path: string, end: JsonlEnd, file: FileChanges): JsonlClaim {
  const notes: string[] = [];
  if (end.tornBytes > 0) {
    file.truncate(path, end.completeBytes);
    notes.push(`cut ${end.tornBytes} bytes of an unfinished last line off ${path}`);
  }
  let bytes = end.completeBytes;
  if (end.missingNewline) {
    file.append(path, '\n');
    bytes++;
  }
  return { bytes, lastSeq: end.lastSeq, continues: true, resumedAtStep: end.lastStep, notes };
}

/** Cuts the file back to a checkpoint's position, after checking that the position ends the event the checkpoint names. */
function cutBackTo(path: string, size: number, position: JsonlPosition, runId: string, file: FileChanges): JsonlClaim {
  let there: JsonlEnd | null = null;
  try {
    there = jsonlEnd(path, position.bytes);
  } catch (error) {
    if (!(error instanceof TelemetryFormatError)) throw error;
  }
  // lastSeq −1: the run had written nothing yet; a line of another run (added before it, as asked) may end there.
  const matches = there !== null && there.tornBytes === 0 && !there.missingNewline && (position.lastSeq < 0 || (there.lastSeq === position.lastSeq && there.lastRunId === runId));
  if (!matches) {
    const found = there === null || there.tornBytes > 0 || there.missingNewline ? 'no line of an event ends there' : `the line ending there is seq ${there.lastSeq} of ${there.lastRunId}`;
    throw refuse(path, 'not-the-checkpoints', `does not hold the record the checkpoint expects: ${recordedAt(position)}, and ${found}`);
  }
  const notes: string[] = [];
  if (size > position.bytes) {
    file.truncate(path, position.bytes);
    notes.push(`cut ${path} back to seq ${position.lastSeq}, where the checkpoint was saved: the ${size - position.bytes} bytes after it are steps the resumed run computes again`);
  }
  return { bytes: position.bytes, lastSeq: position.lastSeq, continues: position.lastSeq >= 0, resumedAtStep: null, notes };
}

function recordedAt(position: JsonlPosition): string {
  return `the checkpoint being resumed was saved when it held ${position.bytes} bytes (this run's events through seq ${position.lastSeq})`;
}

/** The first line (up to 1 MiB), and whether a newline ended it. */
function firstLine(path: string): { text: string; bytes: Buffer; complete: boolean } {
  const { fd } = openRegularFileSync(path); // checked once more at the open: a FIFO swapped in would block a plain open
  try {
    const buffer = Buffer.alloc(1 << 20);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    const bytes = buffer.subarray(0, read);
    const newline = bytes.indexOf(0x0a);
    const line = newline < 0 ? bytes : bytes.subarray(0, newline);
    return { text: line.toString('utf8'), bytes: line, complete: newline >= 0 };
  } finally {
    closeSync(fd);
  }
}

/** A few words on what some bytes look like: quoted text, or binary. */
function describeBytes(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  const binary = bytes.includes(0) || text.includes('\uFFFD') || /[\u0000-\u0008\u000e-\u001f]/.test(text);
  if (binary) return 'binary data';
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return `it starts with ${JSON.stringify(shown)}`;
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null; // statOrNull says why, if it matters
  }
}

/** Where a link leads, as it is written (quoted when it holds characters that would mislead in a message). */
function linkTarget(path: string): string {
  try {
    const target = readlinkSync(path);
    return /^[\w./ -]*$/.test(target) ? target : JSON.stringify(target);
  } catch {
    return 'somewhere it cannot read';
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
