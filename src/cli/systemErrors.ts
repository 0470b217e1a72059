/**
 * Node's system errors (from the file system and from sockets) as the CLI words them: the
 * error's code read as a phrase, and the path or address it concerns, so that a message names
 * what the user pointed at instead of showing a stack trace.
 */

/** A Node system error: an `Error` with a string `code` such as `ENOENT`. */
export interface SystemError extends Error {
  readonly code: string;
  readonly syscall?: string | undefined;
  readonly path?: string | undefined;
  readonly dest?: string | undefined;
  readonly address?: string | undefined;
  readonly port?: number | undefined;
  readonly hostname?: string | undefined;
}

/** What each system error code the CLI words means, in words. */
const reasons: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'it already exists',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  ENOTEMPTY: 'the directory is not empty',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EBUSY: 'the resource is busy',
  EADDRINUSE: 'the port is in use',
  EADDRNOTAVAIL: 'the address is not one of this machine\'s',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be looked up',
};

/** True for an error carrying one of the system error codes the CLI words. */
export function isSystemError(error: unknown): error is SystemError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && Object.hasOwn(reasons, (error as SystemError).code);
}

/** A system error code in words, with the code: `no such file or directory (ENOENT)`. */
export function systemErrorReason(code: string): string {
  const reason = Object.hasOwn(reasons, code) ? reasons[code] : undefined;
  return reason === undefined ? code : `${reason} (${code})`;
}
