/**
 * A researcher's own project with gradstream installed from its packed tarball: made in a
 * fresh directory outside the repository, from the files of `fixtures/consumer/`, with one
 * `npm install`. The development tools it installs (vitest, typescript, esbuild, @types/node)
 * are pinned to the versions of the repository's package-lock.json, so that npm finds them in
 * its cache and the consumer tests against what the repository tests against.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fixtureProject = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/consumer');
/** A TensorFlow.js user's project: its own op and layer verified through gradstream/tfjs. */
export const tfjsFixtureProject = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/tfjs-consumer');

/** What a finished command printed, and how it exited. */
export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of the consumer's commands: this process's, without what vitest and
 * `npm test` set for the repository (VITEST*, npm_package_*, npm_lifecycle_*, the repository
 * as npm's local prefix), which would otherwise leak into the consumer's own npm and vitest.
 */
function consumerEnvironment(): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([key]) => !/^(VITEST|npm_package_|npm_lifecycle_|npm_config_local_prefix$|INIT_CWD$|NODE_ENV$)/.test(key));
  return Object.fromEntries(inherited);
}

/** Runs a command to its end; never throws for a non-zero exit (the caller asserts on it). */
export function runCommand(command: string, args: readonly string[], cwd: string, timeoutMs = 120_000): CommandResult {
  const result = spawnSync(command, args, { cwd, env: consumerEnvironment(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${command} ${args.join(' ')} in ${cwd}: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Throws with the command's output unless it exited 0. */
export function succeeded(what: string, result: CommandResult): CommandResult {
  if (result.status !== 0) throw new Error(`${what} exited ${String(result.status)}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  return result;
}

/**
 * Why the npm registry cannot be reached, or undefined when it answers `npm ping` (one try,
 * a short timeout): without it no consumer project can be installed, and the consumer tests
 * are skipped with a note.
 */
export function registryProblem(timeoutMs = 15_000): string | undefined {
  const result = spawnSync('npm', ['ping', '--fetch-retries=0', `--fetch-timeout=${timeoutMs - 5_000}`], { env: consumerEnvironment(), encoding: 'utf8', timeout: timeoutMs });
  if (result.status === 0) return undefined;
  if (result.error) return result.error.message;
  return /\b(E[A-Z_]{3,}[A-Z])\b/.exec(result.stderr)?.[1] ?? `npm ping exited ${String(result.status)}`;
}

/** One file of `npm pack --json`. */
export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

/** The packed tarball and what `npm pack --json` says it holds. */
export interface Packed {
  readonly tarball: string;
  readonly files: readonly PackedFile[];
  readonly unpackedSize: number;
}

/** `npm pack` in the repository (its `prepack` builds dist/) into `destination`. */
export function packRepository(destination: string): Packed {
  const { stdout } = succeeded('npm pack', runCommand('npm', ['pack', '--json', '--pack-destination', destination], repositoryRoot, 300_000));
  const [manifest] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: PackedFile[]; unpackedSize: number }[];
  if (!manifest) throw new Error(`npm pack printed no package: ${stdout}`);
  return { tarball: join(destination, manifest.filename), files: manifest.files, unpackedSize: manifest.unpackedSize };
}

/** The version of a package in the repository's package-lock.json. */
function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(repositoryRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`package-lock.json has no node_modules/${name}; the consumer project pins its tools to the repository's versions`);
  return version;
}

/**
 * A fresh directory under the system's temporary directory holding the consumer's files (those
 * of `fixture`, default fixtures/consumer), with gradstream from `tarball` and the fixture's
 * development packages at the locked versions.
 */
export function makeConsumerProject(tarball: string, fixture: string = fixtureProject): string {
  const project = realpathSync(mkdtempSync(join(tmpdir(), 'gradstream-consumer-')));
  cpSync(fixture, project, { recursive: true });
  const manifestPath = join(project, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { devDependencies: Record<string, string> };
  const devDependencies = Object.fromEntries(Object.keys(manifest.devDependencies).map((name) => [name, lockedVersion(name)]));
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, dependencies: { gradstream: `file:${tarball}` }, devDependencies }, null, 2) + '\n');
  return project;
}

/** The project's one `npm install`, preferring npm's cache to the network. */
export function installConsumerProject(project: string): CommandResult {
  return succeeded('npm install', runCommand('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], project, 300_000));
}
