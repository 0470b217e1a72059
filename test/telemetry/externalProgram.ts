/**
 * Tests that drive real programs (Chromium, Prometheus): on a machine without them they are
 * skipped with a one-line note; under CI (the CI variable set) they are required and fail.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

/** Whether the program's tests run here; prints the note when they are skipped. */
export function requireProgram(path: string, what: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.CI) return true; // the test itself then fails, naming the missing program
  process.stderr.write(`note: ${path} not found: the ${what} test is skipped (apt-get install it to run it; under CI it is required)\n`);
  return false;
}

/** Throws a clear error when the program is missing (reached only under CI). */
export function assertProgram(path: string, install: string): void {
  if (!existsSync(path)) throw new Error(`${path} is required under CI: ${install}`);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
