/**
 * A pasted test in a project of its own: test files written into a fresh folder under `.tmp/`
 * with a package.json, a tsconfig and a vitest config that map `gradstream` to the source (as the
 * package maps to dist/ in a user's project), then run by vitest in a child process with the
 * JSON reporter. The tests of the matchers' pasted test and of `gradstream repro`'s share it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished, root } from '../reliability/fixtures/child.ts';

/** The folder of a pasted project and its test files. */
export interface PastedProject {
  readonly folder: string;
  /** The test files, absolute paths. */
  readonly files: readonly string[];
  /** The project's tsconfig.json, for type-checking the pasted files. */
  readonly tsconfig: string;
}

/** How vitest ended, and each file's outcome by its name in the folder. */
export interface PastedRun {
  readonly code: number | null;
  readonly files: Map<string, { readonly status: string; readonly failures: string }>;
}

/** Writes `files` (name → source) into a fresh folder under `.tmp/` whose name starts with `prefix`. */
export function writePastedProject(files: Readonly<Record<string, string>>, prefix: string): PastedProject {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const folder = mkdtempSync(join(root, '.tmp', prefix));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(folder, name), source);
  writeFileSync(join(folder, 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`);
  const tsconfig = join(folder, 'tsconfig.json');
  writeFileSync(tsconfig, JSON.stringify({
    extends: join(root, 'tsconfig.json'),
    compilerOptions: { paths: { gradstream: [join(root, 'src/index.ts')] } },
    files: Object.keys(files),
  }));
  writeFileSync(join(folder, 'vitest.config.mjs'), `export default ${JSON.stringify({
    resolve: { alias: { gradstream: join(root, 'src/index.ts') } },
    test: { include: ['*.test.ts'] },
  })};\n`);
  return { folder, files: Object.keys(files).map((name) => join(folder, name)), tsconfig };
}

/** Runs vitest on the project's tests in a child process; kills it after `timeoutMs`. */
export async function runPastedTests(project: PastedProject, timeoutMs = 90_000): Promise<PastedRun> {
  const { folder } = project;
  const results = join(folder, 'results.json');
  const vitest = spawn(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--root', folder, '--config', join(folder, 'vitest.config.mjs'), '--reporter=json', `--outputFile=${results}`], { cwd: folder });
  const run = await finished(vitest, timeoutMs);
  const report = JSON.parse(readFileSync(results, 'utf8')) as { testResults: { name: string; assertionResults: { status: string; failureMessages: string[] }[] }[] };
  return {
    code: run.code,
    files: new Map(report.testResults.map((file) => [
      file.name.slice(folder.length + 1),
      { status: file.assertionResults.map((a) => a.status).join(','), failures: file.assertionResults.flatMap((a) => a.failureMessages).join('\n') },
    ])),
  };
}
