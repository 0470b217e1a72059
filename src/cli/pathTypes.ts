/**
 * Option values that name places on disk, checked before anything runs, so that a run does
 * not train for an hour and then fail to write its first checkpoint, and so that the user
 * reads `--jsonl /x/y.jsonl: the directory /x does not exist` instead of an EEXIST stack.
 * Only the path's validity is checked here: whether an existing file may be reused is the
 * writer's decision.
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { expecting, InvalidValue, type ValueType } from './valueTypes.ts';
import { printable } from './printable.ts';
import { fileKind } from '../util/fileKind.ts';
import { isSystemError, systemErrorReason } from './systemErrors.ts';

/**
 * A file to write: not a directory, in a directory that exists and is writable, and itself
 * writable when it exists already. The value is the path as typed.
 */
export const writableFile: ValueType<string> = {
  expected: 'a file path in an existing, writable directory',
  placeholder: 'FILE',
  parse(path) {
    refuseUnusable(path, writableFile.expected);
    const stats = statIfPresent(path);
    if (stats?.isDirectory()) throw refusal(path, 'it is a directory; expected a file');
    if (stats) {
      if (!accessible(path, constants.W_OK)) throw refusal(path, 'the file is not writable');
      return path;
    }
    const directory = dirname(path);
    const parent = statIfPresent(directory);
    if (!parent) throw refusal(path, missingDirectory(directory));
    if (!parent.isDirectory()) throw refusal(path, `${printable(directory)} is a file, not a directory`);
    if (!accessible(directory, constants.W_OK | constants.X_OK)) throw refusal(path, `the directory ${printable(directory)} is not writable`);
    return path;
  },
};

/**
 * A directory to write into: an existing writable directory, or a path where one can be
 * created (its nearest existing ancestor is a writable directory). Nothing is created here.
 */
export const writableDirectory: ValueType<string> = {
  expected: 'a directory that exists or can be created',
  placeholder: 'DIR',
  parse(path) {
    refuseUnusable(path, writableDirectory.expected);
    const stats = statIfPresent(path);
    if (stats) {
      if (!stats.isDirectory()) throw refusal(path, `it is ${fileKind(stats)}; expected a directory (one that exists or can be created)`);
      if (!accessible(path, constants.W_OK | constants.X_OK)) throw refusal(path, 'the directory is not writable');
      return path;
    }
    let ancestor = dirname(path);
    let found = statIfPresent(ancestor);
    while (!found && dirname(ancestor) !== ancestor) {
      ancestor = dirname(ancestor);
      found = statIfPresent(ancestor);
    }
    if (!found) throw refusal(path, 'it cannot be created: none of its parent directories exists');
    if (!found.isDirectory()) throw refusal(path, `it cannot be created: ${printable(ancestor)} is a file`);
    if (!accessible(ancestor, constants.W_OK | constants.X_OK)) throw refusal(path, `it cannot be created: the directory ${printable(ancestor)} is not writable`);
    return path;
  },
};

/** A file to read: one that exists and is a regular file (not a directory, a FIFO or a device). The value is the path as typed. */
export const existingFile: ValueType<string> = {
  expected: 'an existing file',
  placeholder: 'FILE',
  parse(path) {
    refuseUnusable(path, existingFile.expected);
    const stats = statIfPresent(path);
    if (!stats) throw refusal(path, 'no such file');
    if (!stats.isFile()) throw refusal(path, stats.isDirectory() ? 'it is a directory; expected a file' : 'it is not a regular file');
    return path;
  },
};

/** Records to read: an existing regular file, or an existing directory (searched through). The value is the path as typed. */
export const recordsPath: ValueType<string> = {
  expected: 'an existing JSONL file or directory',
  placeholder: 'PATH',
  parse(path) {
    refuseUnusable(path, recordsPath.expected);
    const stats = statIfPresent(path);
    if (!stats) throw refusal(path, 'no such file or directory');
    if (!stats.isFile() && !stats.isDirectory()) throw refusal(path, 'it is neither a regular file nor a directory (a pipe, a socket or a device may give data late or never)');
    if (!accessible(path, stats.isDirectory() ? constants.R_OK | constants.X_OK : constants.R_OK)) throw refusal(path, `the ${stats.isDirectory() ? 'directory' : 'file'} is not readable`);
    return path;
  },
};

/** Refuses the paths no file-system call can take: empty, or holding a NUL character. */
function refuseUnusable(path: string, expected: string): void {
  if (path === '') throw expecting(expected, path);
  if (path.includes('\0')) throw refusal(path, 'a path cannot hold a NUL character');
}

/** A refusal naming the path: `/x/y.jsonl: the directory /x does not exist`. */
function refusal(path: string, problem: string): InvalidValue {
  return new InvalidValue(`${printable(path)}: ${problem}`);
}

function missingDirectory(directory: string): string {
  return `the directory ${printable(directory)} does not exist`;
}

/**
 * The path's stats, or undefined when nothing is there (ENOENT) or a part of the path is a
 * file (ENOTDIR: nothing can be there). Other failures (EACCES on a parent, ELOOP, a name too
 * long) are refusals naming the path.
 */
function statIfPresent(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if (isSystemError(error) && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return undefined;
    if (isSystemError(error)) throw refusal(path, `cannot look at it: ${systemErrorReason(error.code)}`);
    throw error;
  }
}

function accessible(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}
