/**
 * The `gradstream` command line. Exit codes: 0 success, 1 a failed check or run,
 * 2 a usage error (unknown command or option), 130 interrupted.
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { commands } from './commands.ts';
import { UsageError, type CommandOutput } from './command.ts';

/** The usage text listing every command. */
export function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return ['usage: gradstream <command> [arguments]', '', 'commands:', ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`)].join('\n');
}

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function main(args: readonly string[], output: CommandOutput = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    output.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    output.stderr.write(`gradstream: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest, output);
  } catch (error) {
    if (error instanceof UsageError) {
      output.stderr.write(`${error.message}\n\nusage: ${command.usage}\n`);
      return 2;
    }
    throw error;
  }
}

/**
 * Runs the CLI on this process's arguments and sets its exit code: what the `gradstream`
 * binary does. An error no command turned into a message is printed once, without a stack
 * trace unless GRADSTREAM_DEBUG is set.
 */
export async function runFromProcess(): Promise<void> {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    const text = error instanceof Error ? (process.env['GRADSTREAM_DEBUG'] ? (error.stack ?? error.message) : error.message) : String(error);
    process.stderr.write(`gradstream: ${text}\n`);
    process.exitCode = 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) void runFromProcess();
