/** The CLI run in this process with captured output, as the CLI tests call it. */
import { main } from '../../src/cli/main.ts';
import type { Command } from '../../src/cli/command.ts';
import { commands } from '../../src/cli/commands.ts';
import { capture } from '../capture.ts';

/** What one CLI call printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `gradstream ...args` through `main`, with `commands` (default gradstream's own). */
export async function cli(args: readonly string[], registry: readonly Command[] = commands): Promise<CliResult> {
  const stdout = capture();
  const stderr = capture();
  const code = await main(args, { stdout, stderr }, registry);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** A stack frame line, as Node prints them: what a user must never see for their own mistake. */
export const stackFrame = /^\s+at /m;

/** A control character other than newline and tab (C0, DEL, C1, line separators, bidirectional controls). */
export const rawControl = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
