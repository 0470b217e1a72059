/**
 * Which files the runs dashboard reads: the JSONL files named, and every `*.jsonl` file in
 * the directory trees named, found again whenever a directory changes (`fs.watch` on each
 * directory of the trees) and at every poll (watches can miss changes), so a run started
 * after the page opened appears by itself.
 *
 * The walk skips hidden directories (`.git`), `node_modules` and symbolic links to
 * directories (a link back up the tree would never end), and stops at `maxFiles` files.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What a scan found. */
export interface FoundFiles {
  /** The JSONL files, in a stable order (named files first, then each tree's, sorted by path). */
  readonly files: readonly string[];
  /** Directories of the trees, to watch. */
  readonly directories: readonly string[];
  /** Paths that could not be read, with why. */
  readonly unreadable: readonly { readonly path: string; readonly reason: string }[];
  /** Whether more files were there than `maxFiles`. */
  readonly truncated: boolean;
}

/** Finds the JSONL files of `paths` (files, or directories searched through); at most `maxFiles`. */
export async function findJsonlFiles(paths: readonly string[], maxFiles: number): Promise<FoundFiles> {
  const files: string[] = [];
  const directories: string[] = [];
  const unreadable: { path: string; reason: string }[] = [];
  let truncated = false;
  const add = (file: string): void => {
    if (files.includes(file)) return;
    if (files.length >= maxFiles) truncated = true;
    else files.push(file);
  };
  const walk = async (directory: string): Promise<void> => {
    directories.push(directory);
    let entries;
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      unreadable.push({ path: directory, reason: reasonOf(error) });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (truncated) return;
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules') await walk(path);
      } else if (entry.name.endsWith('.jsonl') && (entry.isFile() || (entry.isSymbolicLink() && (await isFile(path))))) {
        add(path);
      }
    }
  };
  for (const path of paths) {
    try {
      const found = await stat(path);
      if (found.isDirectory()) await walk(path);
      else if (found.isFile()) add(path);
      else unreadable.push({ path, reason: 'not a regular file or a directory' });
    } catch (error) {
      unreadable.push({ path, reason: reasonOf(error) });
    }
  }
  return { files, directories, unreadable, truncated };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : `it cannot be read (${code ?? String(error)})`;
}

/** Watches directories, calling `onChange` when any changes; watches that cannot be set are left to polling. */
export class DirectoryWatches {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(private readonly onChange: () => void) {}

  /** Watches exactly these directories from now on. */
  set(directories: readonly string[]): void {
    const wanted = new Set(directories);
    for (const [directory, watcher] of this.watchers) {
      if (!wanted.has(directory)) {
        watcher.close();
        this.watchers.delete(directory);
      }
    }
    for (const directory of wanted) {
      if (this.watchers.has(directory)) continue;
      try {
        const watcher = watch(directory, { persistent: false }, () => this.onChange());
        watcher.on('error', () => {
          watcher.close();
          this.watchers.delete(directory);
        });
        this.watchers.set(directory, watcher);
      } catch {
        // Left to polling (inotify's limit reached, the directory gone).
      }
    }
  }

  /** Stops every watch. */
  close(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}
