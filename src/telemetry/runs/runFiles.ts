/**
 * Which files the runs dashboard reads: the JSONL files named, and every `*.jsonl` file in
 * the directory trees named, found again whenever a directory changes (`fs.watch` on each
 * directory of the trees) and at every poll (watches can miss changes), so a run started
 * after the page opened appears by itself.
 *
 * The walk skips hidden directories (`.git`), `node_modules` and symbolic links to
 * directories (a link back up the tree would never end), and stops at `maxFiles` files and at
 * `maxDirectories` directories: the dashboard walks the trees again every second and watches
 * each directory, so a tree of 12,000 directories (a home directory given by mistake, or a
 * shared runs directory filled on purpose) kept half a core busy and held 12,000 of the
 * user's inotify watches, of which some systems allow 8,192 in all.
 *
 * A symbolic link named `*.jsonl` inside a tree is read only when it leads to a file inside
 * the same tree. The dashboard shows what it reads (the start of a line that is not telemetry
 * included) to anyone who can reach its port, so a link to `~/.aws/credentials` planted in a
 * shared runs directory would otherwise publish that file; a file named as a path of its own
 * is read wherever it is. Each file found in a tree comes with the tree's real path
 * (`trees`), which its readers check again whenever they open it (the file could be
 * replaced by such a link later).
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

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
  /** Whether more directories were there than `maxDirectories`: those past it were not searched. */
  readonly truncatedDirectories: boolean;
  /** For each file found in a directory tree, the tree's real path (symbolic links resolved), which the file must stay inside. */
  readonly trees: ReadonlyMap<string, string>;
}

/** Whether the real path `path` is `tree` or lies inside it. */
export function isInside(path: string, tree: string): boolean {
  return path === tree || path.startsWith(tree.endsWith(sep) ? tree : tree + sep);
}

/** The runs dashboard's bound on the directories it searches and watches. */
export const defaultMaxDirectories = 1000;

/**
 * Finds the JSONL files of `paths` (files, or directories searched through); at most
 * `maxFiles`, searching at most `maxDirectories` directories (default no bound).
 */
export async function findJsonlFiles(paths: readonly string[], maxFiles: number, maxDirectories = Number.POSITIVE_INFINITY): Promise<FoundFiles> {
  const files: string[] = [];
  const directories: string[] = [];
  const unreadable: { path: string; reason: string }[] = [];
  const trees = new Map<string, string>();
  let truncated = false;
  let truncatedDirectories = false;
  const add = (file: string, tree: string | null): void => {
    if (files.includes(file)) return;
    if (files.length >= maxFiles) truncated = true;
    else {
      files.push(file);
      if (tree !== null) trees.set(file, tree);
    }
  };
  const walk = async (directory: string, tree: string): Promise<void> => {
    if (directories.length >= maxDirectories) {
      truncatedDirectories = true;
      return;
    }
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
      if (truncated || truncatedDirectories) return;
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules') await walk(path, tree);
      } else if (entry.name.endsWith('.jsonl') && entry.isFile()) {
        add(path, tree);
      } else if (entry.name.endsWith('.jsonl') && entry.isSymbolicLink() && (await isFile(path))) {
        if (await leadsInside(path, tree)) add(path, tree);
        else unreadable.push({ path, reason: `it is a symbolic link to a file outside ${tree}, and links out of a directory given are not followed (name the file itself to read it)` });
      }
    }
  };
  for (const path of paths) {
    try {
      const found = await stat(path);
      if (found.isDirectory()) await walk(path, await realpath(path));
      else if (found.isFile()) add(path, null);
      else unreadable.push({ path, reason: 'not a regular file or a directory' });
    } catch (error) {
      unreadable.push({ path, reason: reasonOf(error) });
    }
  }
  return { files, directories, unreadable, truncated, truncatedDirectories, trees };
}

/** Whether the link `path` resolves to a file inside the real path `tree`. */
async function leadsInside(path: string, tree: string): Promise<boolean> {
  try {
    return isInside(await realpath(path), tree);
  } catch {
    return false;
  }
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
