/** The shape of a CLI command, and the usage error every command throws for bad arguments. */
import type { TextOutput } from '../telemetry/textOutput.ts';

/** Where a command writes; tests pass their own. */
export interface CommandOutput {
  readonly stdout: TextOutput;
  readonly stderr: TextOutput;
}

/** A subcommand of `gradstream`. */
export interface Command {
  readonly name: string;
  /** One line for the usage list. */
  readonly summary: string;
  /** The command's own usage text (arguments and options). */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code (0 ok, 1 failure, 2 usage error). */
  run(args: readonly string[], output: CommandOutput): Promise<number>;
}

/** Bad arguments: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Splits arguments into positionals and `--name value` / `--flag` options, refusing any
 * option not in `known` (a map from option name to whether it takes a value).
 */
export function parseOptions(
  command: string,
  args: readonly string[],
  known: Readonly<Record<string, 'value' | 'flag'>>,
): { positionals: string[]; options: Record<string, string | true> } {
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const kind = known[name];
    if (!kind) throw new UsageError(`${command}: unknown option --${name}`);
    if (kind === 'flag') {
      options[name] = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${command}: option --${name} needs a value`);
    options[name] = value;
  }
  return { positionals, options };
}

/** An integer option, validated. */
export function integerOption(command: string, options: Record<string, string | true>, name: string, fallback: number, min = 1): number {
  const raw = options[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw === true || !Number.isInteger(value) || value < min) {
    throw new UsageError(`${command}: --${name} expects an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}
