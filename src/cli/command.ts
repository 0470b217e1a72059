/** The shape of a CLI command, and the usage error every command throws for bad arguments. */
import type { TextOutput } from '../telemetry/textOutput.ts';

/** Where a command writes; tests pass their own. */
export interface CommandOutput {
  readonly stdout: TextOutput;
  readonly stderr: TextOutput;
}

/**
 * A subcommand of `gradstream`. Reading the arguments and doing the work are apart, so that
 * every argument (paths included) is checked before anything starts, and so that the parsing
 * can be exercised on its own.
 */
export interface Command<Invocation = unknown> {
  readonly name: string;
  /** One line for the usage list. */
  readonly summary: string;
  /**
   * The command's usage, starting `usage: gradstream <name>`: its arguments and every option
   * with a line each. It depends on the arguments for `run`, whose scenario adds options.
   */
  usage(args: readonly string[]): string;
  /** Reads and validates the arguments; throws {@link UsageError}. Starts, writes and creates nothing. */
  parse(args: readonly string[]): Invocation;
  /** Does the work; resolves to the process exit code (0 ok, 1 failure, 130 interrupted). */
  execute(invocation: Invocation, output: CommandOutput): Promise<number>;
}

/** Bad arguments: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
