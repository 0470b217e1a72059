/**
 * What a path is, in words, for messages that refuse a path that is not a regular file (a
 * pipe, a socket or a device may give data late or never). Kept out of the readers' modules so
 * that their published types do not need Node's.
 */
import type { Stats } from 'node:fs';

/** What a path that is not a regular file is, in words. */
export function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isFile()) return 'a regular file';
  return 'something other than a file';
}
