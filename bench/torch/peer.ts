/**
 * A PyTorch peer process (bench/torch/peer.py) as a benchmark candidate: one process per
 * candidate, each command a JSON line in and a JSON line out, so that the candidate's
 * work takes its turn in the same interleaved rounds as gradstream's.
 *
 *     const peer = await startTorchPeer(probe.python, 'PyTorch float64');
 *     await peer.setup({ setup: 'gemm', dtype: 'float64', m: 256, n: 256, k: 256, transposeA: false, transposeB: false });
 *     const repetitions = await peer.calibrate(0.08);   // timed inside Python: short products
 *     const { seconds } = await peer.run(repetitions);  // as a candidate's work
 *     peer.close();
 *
 * A round's time is taken in Node around `run`, so it includes one round trip over the
 * pipes (about 0.1 ms, against rounds of 0.05 s and more).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { peerEnvironment } from './environment.ts';

/** The peer's first line: what it runs on. */
export interface PeerReady {
  readonly ready: true;
  readonly torch: string;
  readonly python: string;
  /** torch.get_num_threads() after set_num_threads(1). */
  readonly threads: number;
  /** OpenBLAS's kernel family (`Cooperlake`, `Haswell`…), or null for another BLAS. */
  readonly blasCore: string | null;
  /** OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE if the peer still sees them (it should not). */
  readonly slowingVariables: readonly string[];
}

/** The answer to `run`: seconds for the repetitions, and what the task adds (`ok` and `forward` for gradcheck, `loss` for the MLP). */
export interface PeerRun {
  readonly seconds: number;
  /** CPU seconds of the peer process (all its threads) for the repetitions. */
  readonly cpuSeconds?: number;
  readonly ok?: boolean;
  readonly forward?: number;
  readonly loss?: number;
}

/** What a peer can be set up to repeat (see bench/torch/peer.py). */
export type PeerTask =
  | { readonly setup: 'mlp'; readonly dtype: PeerDtype; readonly batch: number; readonly inputs: number; readonly hidden: number; readonly classes: number; readonly learningRate: number; readonly batches: number }
  | { readonly setup: 'gemm'; readonly dtype: PeerDtype; readonly m: number; readonly n: number; readonly k: number; readonly transposeA: boolean; readonly transposeB: boolean }
  | { readonly setup: 'gradcheck'; readonly size: number; readonly mode: 'slow' | 'fast' };

/** The precisions the peer computes in. */
export type PeerDtype = 'float64' | 'float32';

/** A running peer. */
export interface TorchPeer {
  readonly label: string;
  readonly info: PeerReady;
  /** Builds the task that `calibrate` and `run` repeat. */
  setup(task: PeerTask): Promise<void>;
  /** Repetitions of the task that fill about `seconds`, timed inside the peer. */
  calibrate(seconds: number): Promise<number>;
  /** Runs the task `repetitions` times. */
  run(repetitions: number): Promise<PeerRun>;
  /** Ends the peer (closes its input; it exits). */
  close(): void;
}

const peerScript = fileURLToPath(new URL('./peer.py', import.meta.url));

/**
 * Reads one line of a peer's output: a JSON object, or an error saying which peer sent what.
 * A line `{"error": …}` is the peer's own report of a failed command, thrown as is.
 */
export function parseReply(line: string, label: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`${label}: expected a JSON line from bench/torch/peer.py, got ${JSON.stringify(line.slice(0, 200))}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${label}: expected a JSON object from bench/torch/peer.py, got ${JSON.stringify(line.slice(0, 200))}`);
  }
  const reply = value as Record<string, unknown>;
  if (typeof reply.error === 'string') throw new Error(`${label}: ${reply.error}`);
  return reply;
}

/** A number field of a reply, or an error naming the field and what came. */
function numberField(reply: Record<string, unknown>, field: string, label: string): number {
  const value = reply[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${label}: expected a finite number in "${field}" from bench/torch/peer.py, got ${JSON.stringify(reply)}`);
  }
  return value;
}

/** The first line of a peer, checked. */
export function parseReady(line: string, label: string): PeerReady {
  const reply = parseReply(line, label);
  if (reply.ready !== true) throw new Error(`${label}: expected the peer's ready line first, got ${line.slice(0, 200)}`);
  numberField(reply, 'threads', label);
  return reply as unknown as PeerReady;
}

/** The answer to a run, checked. */
export function parseRun(line: string, label: string): PeerRun {
  const reply = parseReply(line, label);
  const seconds = numberField(reply, 'seconds', label);
  return { ...reply, seconds } as PeerRun;
}

/**
 * Starts a peer with `python` (by default bench/torch/peer.py; `script` and `args` let a
 * test run another program that speaks the same lines) in {@link peerEnvironment}, and
 * waits for its ready line.
 */
export async function startTorchPeer(python: string, label: string, script: readonly string[] = [peerScript]): Promise<TorchPeer> {
  const child: ChildProcessWithoutNullStreams = spawn(python, [...script], { env: peerEnvironment(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout });
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  let ended: Error | undefined;
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  const end = (error: Error) => {
    ended ??= error;
    for (const waiter of waiting.splice(0)) waiter.reject(ended);
  };
  // Writing to a peer that has died fails with EPIPE; 'close' below reports the death itself.
  child.stdin.on('error', () => undefined);
  child.on('error', (error) => end(new Error(`${label}: could not start ${python}: ${error.message}`)));
  child.on('close', (code, signal) => end(new Error(`${label}: the peer (${python}) ended (${signal ?? `exit ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`)));

  const nextLine = () => new Promise<string>((resolve, reject) => (ended ? reject(ended) : waiting.push({ resolve, reject })));
  const ask = (command: object) => {
    if (ended) return Promise.reject(ended);
    const answer = nextLine();
    child.stdin.write(`${JSON.stringify(command)}\n`);
    return answer;
  };

  const info = parseReady(await nextLine(), label);
  return {
    label,
    info,
    setup: async (task) => void parseReply(await ask(task), label),
    calibrate: async (seconds) => numberField(parseReply(await ask({ calibrate: seconds }), label), 'repetitions', label),
    run: async (repetitions) => parseRun(await ask({ run: repetitions }), label),
    close: () => {
      child.stdin.end();
    },
  };
}

/** How a peer runs, for a table's "how" column: `PyTorch 1.13.0a0 (Python 3.11.2), one thread, OpenBLAS Cooperlake kernels`. */
export function describePeer(info: PeerReady): string {
  const threads = info.threads === 1 ? 'one thread' : `${info.threads} threads`;
  const blas = info.blasCore ? `OpenBLAS ${info.blasCore} kernels` : 'BLAS other than OpenBLAS';
  const warning = info.slowingVariables.length > 0 ? ` (${info.slowingVariables.join(', ')} still set!)` : '';
  return `PyTorch ${info.torch} (Python ${info.python}), ${threads}, ${blas}${warning}`;
}
