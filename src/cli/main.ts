/**
 * The `gradstream` command line. Exit codes: 0 success (and `--help`, `--version`), 1 a failed
 * check or run, 2 a usage error (an unknown command or option, a bad value, a path that cannot
 * be used) or a missing optional package, 130 interrupted. No stack trace reaches the user
 * for what they typed or pointed at; an internal error's stack is shown with GRADSTREAM_DEBUG=1.
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { commands as gradstreamCommands } from './commands.ts';
import type { Command, CommandOutput } from './command.ts';
import { asksForHelp } from './options.ts';
import { describeFailure } from './failure.ts';
import { packageVersion } from '../packageVersion.ts';
import { escapingControls, printable } from './printable.ts';

/** The usage text listing the commands. */
export function usage(commands: readonly Command[] = gradstreamCommands): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: gradstream <command> [arguments]',
    '       gradstream --help | --version',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "`gradstream <command> --help` lists a command's options.",
  ].join('\n');
}

/**
 * Runs the CLI with the given arguments; resolves to the exit code and never rejects: every
 * error is reported on `output.stderr`. `commands` are the commands dispatched to (default
 * gradstream's own).
 */
export async function main(
  args: readonly string[],
  output: CommandOutput = { stdout: process.stdout, stderr: process.stderr },
  commands: readonly Command[] = gradstreamCommands,
): Promise<number> {
  const [name, ...rest] = args;
  const debug = !['', '0', undefined].includes(process.env['GRADSTREAM_DEBUG']);
  // Every message may echo what the user typed: no control character reaches the terminal raw.
  const stderr = escapingControls(output.stderr);
  try {
    if (name === undefined) {
      stderr.write(`gradstream: name a command\n\n${usage(commands)}\n`);
      return 2;
    }
    if (name === '--version' || name === '-v') {
      output.stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    // `gradstream --help`, and `gradstream help <command>` as `gradstream <command> --help`.
    const asksHelp = name === '--help' || name === '-h' || name === 'help';
    if (asksHelp && rest.length === 0) {
      output.stdout.write(`${usage(commands)}\n`);
      return 0;
    }
    const wanted = asksHelp ? rest[0]! : name;
    const command = commands.find((c) => c.name === wanted);
    if (!command) {
      const problem = wanted.startsWith('-') ? `unknown option ${printable(wanted)}` : `unknown command '${printable(wanted)}'`;
      stderr.write(`gradstream: ${problem}\n\n${usage(commands)}\n`);
      return 2;
    }
    return await runCommand(command, asksHelp ? ['--help'] : rest, { stdout: output.stdout, stderr }, debug);
  } catch (error) {
    // Only the top-level usage, the version and the writes above can get here.
    const failure = describeFailure(error, 'gradstream', debug);
    stderr.write(`${failure.message}\n`);
    return failure.exitCode;
  }
}

/** Runs one command: its help, or its parse then its work, with every error reported (`output.stderr` escapes control characters). */
async function runCommand(command: Command, args: readonly string[], output: CommandOutput, debug: boolean): Promise<number> {
  try {
    if (asksForHelp(args)) {
      output.stdout.write(`${command.usage(args)}\n`);
      return 0;
    }
    const invocation = command.parse(args);
    return await command.execute(invocation, output);
  } catch (error) {
    const failure = describeFailure(error, command.name, debug);
    output.stderr.write(failure.showUsage ? `${failure.message}\n\n${command.usage(args)}\n` : `${failure.message}\n`);
    return failure.exitCode;
  }
}

/**
 * Runs the CLI on this process's arguments and sets its exit code: what the `gradstream`
 * binary does. `main` reports every error itself; only a failure to write that report lands
 * here, and is reported the same way.
 */
export async function runFromProcess(): Promise<void> {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${describeFailure(error, 'gradstream', Boolean(process.env['GRADSTREAM_DEBUG'])).message}\n`);
    process.exitCode = 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) void runFromProcess();
