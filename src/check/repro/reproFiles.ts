/**
 * Where repro bundles go, and writing them. A run writes into one directory: beside its JSONL
 * record when it has one (`runs/xor.jsonl` → `runs/xor.repro/`), else the `reproDirectory`
 * given to `watch`, `liveAudits` or `train`. A directory inside a package's `src` folder is
 * refused: bundles are data, and a source tree is no place for them.
 *
 * A run writes at most one bundle per layer and kind (the first failure of `swish_1`'s audit;
 * a later one points to it), and at most `maxBundles` in all (default 10), so a run that fails
 * at every step cannot fill a disk.
 *
 * The trainer and the audits are portable (they also run in browsers), so Node's file system
 * is reached through `process.getBuiltinModule` when a directory is given, never by a static
 * import: without Node, a `reproDirectory` is refused when the run or the audits start.
 */
import type * as NodeFs from 'node:fs';
import type * as NodePath from 'node:path';
import { describe } from '../../tensor/tensor.ts';
import type { ReproBundle } from './bundle.ts';
import { encodeBundle } from './bundleCodec.ts';

/** Bundles a run writes by default before it writes no more. */
export const defaultMaxBundles = 10;

/** What became of a bundle: written to `path`, already written there for the same layer and kind (`earlier`), or not written, and why. */
export type ReproWrite = { readonly path: string; readonly earlier?: true } | { readonly problem: string };

/** A run's bundle directory. */
export interface ReproFiles {
  /** The directory, as given. */
  readonly directory: string;
  /** Writes a bundle (creating the directory the first time); never throws: a failure to write is returned, and training goes on. */
  write(bundle: ReproBundle): ReproWrite;
}

/** Options of {@link reproFiles}. */
export interface ReproFilesOptions {
  /** Bundles written at most. Default {@link defaultMaxBundles}. */
  readonly maxBundles?: number | undefined;
}

/** What an alarm's message adds about its bundle when none was written for it: `; no repro bundle: …`, else nothing. */
export function bundleNote(written: ReproWrite | undefined): string {
  return written && 'problem' in written ? `; no repro bundle: ${written.problem}` : '';
}

/** The bundle directory beside a JSONL record: its path without `.jsonl`, plus `.repro`. */
export function reproDirectoryBeside(jsonlPath: string): string {
  return `${jsonlPath.replace(/\.jsonl$/i, '')}.repro`;
}

/**
 * Checks a `reproDirectory` option: a non-empty path, Node present, and not inside a package's
 * `src` folder. Returns the directory. `where` names the caller (`train`, `watch`, `liveAudits`).
 */
export function assertReproDirectory(directory: unknown, where: string): string {
  if (typeof directory !== 'string' || directory === '' || directory.includes('\0')) {
    throw new TypeError(`${where}: reproDirectory must be a directory path (a non-empty string without NUL), got ${describe(directory)}`);
  }
  const { fs, path } = nodeFiles(where);
  const absolute = path.resolve(directory);
  for (let folder = path.dirname(absolute); path.dirname(folder) !== folder; folder = path.dirname(folder)) {
    if (!fs.existsSync(path.join(folder, 'package.json'))) continue;
    const source = path.join(folder, 'src');
    if (absolute === source || absolute.startsWith(source + path.sep)) {
      throw new RangeError(`${where}: reproDirectory ${directory} lies inside ${source}, the source folder of the package at ${folder}; bundles are data: choose a directory outside src (such as ${path.join(folder, 'repro')})`);
    }
    break;
  }
  return directory;
}

/** A run's bundle writer for `directory` (checked by {@link assertReproDirectory} first). */
export function reproFiles(directory: string, options: ReproFilesOptions = {}): ReproFiles {
  const maxBundles = options.maxBundles ?? defaultMaxBundles;
  if (!Number.isInteger(maxBundles) || maxBundles < 1) throw new RangeError(`reproFiles: maxBundles must be a positive integer, got ${describe(maxBundles)}`);
  const { fs, path } = nodeFiles('reproFiles');
  /** Paths written, by layer node and kind. */
  const written = new Map<string, string>();
  return {
    directory,
    write(bundle) {
      const key = `${bundle.node}\0${bundle.kind}`;
      const earlier = written.get(key);
      if (earlier !== undefined) return { path: earlier, earlier: true };
      if (written.size >= maxBundles) return { problem: `this run has written its ${maxBundles} bundles already` };
      try {
        fs.mkdirSync(directory, { recursive: true });
        const file = createExclusive(fs, path.join(directory, bundleName(bundle)), encodeBundle(bundle));
        written.set(key, file);
        return { path: file };
      } catch (error) {
        return { problem: `it could not be written to ${directory}: ${(error as Error).message}` };
      }
    },
  };
}

/** `run-1a2b…-step-140-swish_1-audit-failed.json`: the run, the step, the node and the kind, in characters every file system takes. */
function bundleName(bundle: ReproBundle): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 48);
  const run = bundle.runId !== undefined ? `${safe(bundle.runId)}-` : '';
  return `${run}step-${bundle.step}-${safe(bundle.node)}-${bundle.kind}.json`;
}

/** Writes a new file at `file`, or at `file-2.json`, `-3`, … when it exists (a resumed run reaching the same step again). */
function createExclusive(fs: typeof NodeFs, file: string, text: string): string {
  for (let attempt = 1; ; attempt++) {
    const candidate = attempt === 1 ? file : file.replace(/\.json$/, `-${attempt}.json`);
    try {
      fs.writeFileSync(candidate, text, { flag: 'wx' });
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) throw error;
    }
  }
}

/** Node's `fs` and `path`, or a clear refusal where there is no Node (a browser). */
function nodeFiles(where: string): { fs: typeof NodeFs; path: typeof NodePath } {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (typeof get !== 'function') {
    throw new TypeError(`${where}: reproDirectory writes files, which needs Node (20.16 or later, for process.getBuiltinModule); leave it out where there is no file system`);
  }
  return { fs: get('node:fs') as typeof NodeFs, path: get('node:path') as typeof NodePath };
}
