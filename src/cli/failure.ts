/**
 * What the CLI tells the user when a command throws: known errors (bad arguments, a
 * checkpoint refused, an optional package missing, a file or a port that the system refused)
 * become one message naming what the user typed or pointed at; only an error the CLI did not
 * foresee is an internal error, and only `GRADSTREAM_DEBUG=1` shows its stack.
 */
import { UsageError } from './command.ts';
import { CheckpointError } from '../checkpoint/errors.ts';
import { MissingPackageError } from '../data/optionalPackage.ts';
import { isSystemError, systemErrorReason, type SystemError } from './systemErrors.ts';
import { printable, printableMessage } from './printable.ts';
import { messageOf } from '../util/errorText.ts';

/** A thrown error as the CLI reports it. */
export interface Failure {
  /** The message, one or more lines, control characters escaped. */
  readonly message: string;
  /** 2 for what the user typed or must install, 1 for a command that failed. */
  readonly exitCode: 1 | 2;
  /** Whether the command's usage follows the message (usage errors only). */
  readonly showUsage: boolean;
}

/**
 * The report of `error`, thrown by the command `command` (`run`, or `gradstream` before a
 * command was found). `debug` (GRADSTREAM_DEBUG set) adds the stack of an internal error.
 */
export function describeFailure(error: unknown, command: string, debug = false): Failure {
  if (error instanceof UsageError) return { message: printableMessage(error.message), exitCode: 2, showUsage: true };
  if (error instanceof MissingPackageError) return { message: `${command}: ${printableMessage(error.message)}`, exitCode: 2, showUsage: false };
  if (error instanceof CheckpointError) return { message: `${command}: ${printableMessage(error.message)}`, exitCode: 1, showUsage: false };
  if (isSystemError(error)) return { message: `${command}: ${describeSystemError(error)}`, exitCode: 1, showUsage: false };
  const text = messageOf(error);
  const stack = debug && error instanceof Error && error.stack ? `\n${printableMessage(error.stack)}` : '';
  return {
    message: `gradstream: internal error: ${printableMessage(text)}${debug ? stack : ' (set GRADSTREAM_DEBUG=1 for the stack)'}`,
    exitCode: 1,
    showUsage: false,
  };
}

/** `cannot open /x/y.jsonl: permission denied (EACCES)`, or `cannot listen on 127.0.0.1:80: …`. */
function describeSystemError(error: SystemError): string {
  const reason = systemErrorReason(error.code);
  const action = error.syscall?.replace(/^(getaddrinfo|uv_.*)$/, 'look up') ?? 'use';
  if (typeof error.path === 'string') {
    const destination = typeof error.dest === 'string' ? ` → ${printable(error.dest)}` : '';
    return `cannot ${printable(action)} ${printable(error.path)}${destination}: ${reason}`;
  }
  if (typeof error.hostname === 'string') return `cannot look up the host ${printable(error.hostname)}: ${reason}`;
  if (typeof error.address === 'string') {
    const where = error.port === undefined ? error.address : `${error.address}:${error.port}`;
    return `cannot ${printable(action)} on ${printable(where)}: ${reason}`;
  }
  return `${printableMessage(error.message)}`;
}
