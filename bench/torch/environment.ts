/**
 * Where the benchmark's PyTorch peer runs: which Python has torch, the environment its
 * process gets, and what the tables say when there is none. PyTorch is optional, as
 * TensorFlow.js is: never a dependency of the library, never needed by `npm test`.
 */
import { spawnSync } from 'node:child_process';

/** How to install the peer on Debian (PyTorch 1.13 with OpenBLAS). */
export const torchInstallCommand = 'apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread';

/**
 * Variables removed from the peer's environment, and from no other process's. On the
 * benchmark machine they are set for everything: OPENBLAS_CORETYPE=Haswell makes OpenBLAS
 * use its AVX2 kernels on a CPU that has AVX-512 (44–47 against 70–79 GFLOP/s for PyTorch's
 * float64 gemm at n = 256, per CPU-second), and OPENBLAS_L2_SIZE overrides the cache size its
 * blocking is tuned for (no difference measured beside the first, but not the machine's own).
 */
export const slowingOpenBlasVariables = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/** The variable that names the Python to use instead of searching (`GRADSTREAM_BENCH_PYTHON=/usr/bin/python3`). */
export const pythonVariable = 'GRADSTREAM_BENCH_PYTHON';

/**
 * The environment of a PyTorch peer process: the parent's, without
 * {@link slowingOpenBlasVariables}, and with one thread for OpenBLAS and OpenMP
 * (OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1; the peer also calls torch.set_num_threads(1)).
 * The parent's environment is not changed.
 */
export function peerEnvironment(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...parent, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  for (const name of slowingOpenBlasVariables) delete env[name];
  return env;
}

/**
 * The Pythons to try, in order: only the one named by `GRADSTREAM_BENCH_PYTHON` when it is
 * set; otherwise `python3` from PATH, then Debian's `/usr/bin/python3` (where python3-torch
 * installs, which a pyenv or virtualenv `python3` earlier in PATH does not see).
 */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const named = env[pythonVariable]?.trim();
  return named ? [named] : ['python3', '/usr/bin/python3'];
}

/** What {@link findTorch} found: a Python that imports torch, or why there is none and how to get one. */
export type TorchProbe =
  | { readonly found: true; readonly python: string; readonly torchVersion: string }
  | { readonly found: false; readonly reason: string; readonly howToGet: string };

/** What running a command returned, as `spawnSync` reports it (the part {@link probeTorch} reads). */
export interface CommandOutcome {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the command could not start at all (ENOENT: no such program). */
  readonly error?: Error;
}

/** Runs a command and returns its outcome; {@link probeTorch} takes another in tests. */
export type CommandRunner = (command: string, args: readonly string[], env: NodeJS.ProcessEnv) => CommandOutcome;

const runCommand: CommandRunner = (command, args, env) => {
  const child = spawnSync(command, args, { encoding: 'utf8', env, timeout: 120_000 });
  return { status: child.status, stdout: child.stdout ?? '', stderr: child.stderr ?? '', ...(child.error ? { error: child.error } : {}) };
};

/** The Python the probe runs: it prints torch's version, or fails to import it. */
const probeScript = 'import torch; print(torch.__version__)';

/**
 * The first of `candidates` whose `import torch` works (run with {@link peerEnvironment}),
 * or the reason none does with the way to get one: no Python at all, or Pythons without
 * torch (naming each, with the last line of its error).
 */
export function probeTorch(candidates: readonly string[] = pythonCandidates(), run: CommandRunner = runCommand): TorchProbe {
  if (candidates.length === 0) throw new RangeError('probeTorch: expected at least one Python to try, got none');
  const failures: string[] = [];
  for (const python of candidates) {
    const outcome = run(python, ['-c', probeScript], peerEnvironment());
    if (outcome.error) {
      failures.push(`${python}: ${(outcome.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : outcome.error.message}`);
      continue;
    }
    if (outcome.status === 0 && outcome.stdout.trim() !== '') return { found: true, python, torchVersion: outcome.stdout.trim() };
    const lastLine = outcome.stderr.trim().split('\n').at(-1) ?? '';
    failures.push(`${python}: no torch${lastLine ? ` (${lastLine})` : ` (exit ${outcome.status})`}`);
  }
  const noPython = failures.every((failure) => failure.endsWith(': not found'));
  return {
    found: false,
    reason: failures.join('; '),
    howToGet: noPython
      ? `no Python 3 found — install Python 3 and PyTorch (${torchInstallCommand}), or set ${pythonVariable}`
      : `PyTorch not installed — ${torchInstallCommand}, or set ${pythonVariable} to a Python that has torch`,
  };
}

let found: TorchProbe | undefined;

/** {@link probeTorch} over the default candidates, once per process (each probe imports torch: about 2 s). */
export function findTorch(): TorchProbe {
  found ??= probeTorch();
  return found;
}
