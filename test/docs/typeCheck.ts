/**
 * One run of the repository's TypeScript compiler over a project, its errors read back as
 * values. TypeScript 7's compiler is a native binary with no API to call in process, so it
 * runs as `node node_modules/typescript/bin/tsc --noEmit -p <tsconfig>`.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { root } from './pages.ts';

/** One compiler error. */
export interface CompilerError {
  /** Absolute path of the file. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** `TS2304: Cannot find name 'batches'.`, with any further lines of the message. */
  readonly message: string;
}

/** What one compiler run found. */
export interface TypeCheckResult {
  readonly errors: readonly CompilerError[];
  /** Output lines that are not part of a located error (a configuration error, for one). */
  readonly otherOutput: string;
  readonly exitCode: number | null;
}

const located = /^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/;

/** Type-checks the project `tsconfig` describes, without emitting. */
export function typeCheck(tsconfig: string): TypeCheckResult {
  const folder = dirname(tsconfig);
  const run = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '--pretty', 'false', '-p', tsconfig], { cwd: folder, encoding: 'utf8' });
  if (run.error) throw run.error;
  const errors: { file: string; line: number; column: number; message: string }[] = [];
  const other: string[] = [];
  for (const line of `${run.stdout}${run.stderr}`.split('\n')) {
    const match = located.exec(line);
    if (match) errors.push({ file: resolve(folder, match[1]!), line: Number(match[2]), column: Number(match[3]), message: match[4]! });
    else if (/^\s/.test(line) && errors.length > 0) errors[errors.length - 1]!.message += `\n${line}`;
    else if (line.trim() !== '') other.push(line);
  }
  return { errors, otherOutput: other.join('\n'), exitCode: run.status };
}
