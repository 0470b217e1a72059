/** `gradstream check` run in process, with its printed output and exit code, for the check command's tests. */
import { main } from '../../src/cli/main.ts';
import { capture } from '../capture.ts';

/** Runs `gradstream check …args` and resolves to its exit code, stdout and stderr. */
export async function check(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = capture();
  const stderr = capture();
  const code = await main(['check', ...args], { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
