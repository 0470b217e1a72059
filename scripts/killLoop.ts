/**
 * The kill loop: `gradstream run <scenario> --checkpoint DIR --checkpoint-every 1 --jsonl F`
 * started again and again, each time killed with SIGKILL at a random moment (while it starts
 * up, loads its checkpoint and cuts the file back, trains, writes the file, writes a
 * checkpoint), and at last left to finish. Used by test/reliability/killLoop.test.ts on xor
 * and by `npm run soak:kill` on MNIST; the caller checks the record and the final bits.
 *
 * Each kill picks its moment from a seeded generator: a quarter from the process's start
 * (its first second and a half or so is start-up), uniform up to `maxStartupDelayMs` but no
 * later than the moment the network is printed (training is about to start); the rest
 * after the scenario has printed its network (the run about to start or running). Those wait
 * either a time, uniform up to `maxDelayMs`, or, with `maxProgressBytes`, until the record has
 * grown by a drawn number of bytes up to it, then a few milliseconds more (so that the kill
 * lands anywhere in a step, a checkpoint's write included). Progress, unlike time, does not
 * depend on how fast the machine is: a fast machine cannot finish the run before its kills.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readCheckpoint } from '../src/checkpoint/files.ts';
import { createRandom } from '../src/tensor/random.ts';

/** The repository's root, where `src/cli/main.ts` is run from. */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Options of {@link killLoop}. */
export interface KillLoopOptions {
  /** The arguments of `gradstream`, e.g. `['run', 'xor', '--steps', '200', '--checkpoint', dir, '--checkpoint-every', '1', '--jsonl', file]`. */
  readonly args: readonly string[];
  /** The checkpoint directory among the arguments (to see what a kill left there). */
  readonly directory: string;
  /** The JSONL file among the arguments. */
  readonly jsonl: string;
  /** How many kills at most; the loop ends early when a run finishes before its kill. */
  readonly kills: number;
  /** Seed of the kill moments. */
  readonly seed: number;
  /** Latest moment of a kill after the network is printed, ms. Default 1500. */
  readonly maxDelayMs?: number;
  /**
   * Aim training kills at progress instead of time: each waits until the JSONL file has grown
   * by a drawn number of bytes, uniform up to this, then up to 20 ms more. Default: by time.
   */
  readonly maxProgressBytes?: number;
  /** Latest moment of a kill counted from the process's start, ms. Default 2500. */
  readonly maxStartupDelayMs?: number;
  /** Called after each attempt, for progress. Default nothing. */
  readonly onAttempt?: (attempt: KillAttempt) => void;
}

/** One start of the command, and how it ended. */
export interface KillAttempt {
  readonly index: number;
  /** When the kill was aimed: from the process's start, or after the network was printed. */
  readonly aimed: 'start-up' | 'training';
  readonly delayMs: number;
  /** For a kill aimed at progress: the growth of the record it waited for, in bytes. */
  readonly progressBytes?: number;
  /** True when SIGKILL ended it; false when it ended first. */
  readonly killed: boolean;
  /** Its exit code when it was not killed. */
  readonly code: number | null;
  /** The checkpoint's step after it ended (−1: none yet). */
  readonly checkpointStep: number;
  /** Whether it left a checkpoint's temporary file behind: killed while writing a checkpoint. */
  readonly midCheckpointWrite: boolean;
  /** What it wrote on stderr, when it was not killed and did not exit 0. */
  readonly stderr: string;
}

/** What the loop did. */
export interface KillLoopReport {
  readonly attempts: readonly KillAttempt[];
  readonly kills: number;
  /** Kills after which the checkpoint had moved on: the run had trained. */
  readonly killsAfterProgress: number;
  readonly killsMidCheckpointWrite: number;
  /** The exit code of the last, unkilled run. */
  readonly finalCode: number | null;
  readonly finalStderr: string;
  readonly seconds: number;
}

/** Runs the loop (see above), then the command once more to its end. */
export async function killLoop(options: KillLoopOptions): Promise<KillLoopReport> {
  const started = performance.now();
  const generator = createRandom(options.seed);
  const random = () => generator.uniform();
  const attempts: KillAttempt[] = [];
  let finalCode: number | null = null;
  let finalStderr = '';
  for (let index = 0; index < options.kills; index++) {
    const aimed = random() < 0.25 ? 'start-up' : 'training';
    const byProgress = aimed === 'training' && options.maxProgressBytes !== undefined;
    const progressBytes = byProgress ? Math.round(random() * options.maxProgressBytes!) : undefined;
    const delayMs = Math.round(random() * (aimed === 'start-up' ? (options.maxStartupDelayMs ?? 2500) : byProgress ? 20 : (options.maxDelayMs ?? 1500)));
    const child = start(options.args);
    const ended = exit(child);
    const networkPrinted = printed(child, 'trainable parameters');
    // A start-up kill lands before the run trains: at its drawn moment, or when the network is printed if that comes first.
    const moment = aimed === 'start-up'
      ? Promise.race([sleep(delayMs), networkPrinted])
      : (progressBytes === undefined ? networkPrinted : networkPrinted.then(() => recordGrowth(options.jsonl, progressBytes, ended))).then(() => sleep(delayMs));
    const first = await Promise.race([ended.then(() => 'ended' as const), moment.then(() => 'kill' as const)]);
    if (first === 'kill') child.kill('SIGKILL');
    const result = await ended;
    const killed = result.signal === 'SIGKILL';
    const attempt: KillAttempt = {
      index, aimed, delayMs, ...(progressBytes === undefined ? {} : { progressBytes }), killed, code: result.code,
      checkpointStep: checkpointStep(options.directory),
      midCheckpointWrite: killed && leftTemporary(options.directory),
      stderr: killed || result.code === 0 ? '' : result.stderr,
    };
    attempts.push(attempt);
    options.onAttempt?.(attempt);
    if (!killed) {
      finalCode = result.code;
      finalStderr = result.stderr;
      break;
    }
  }
  if (attempts.every((attempt) => attempt.killed)) {
    const result = await exit(start(options.args));
    finalCode = result.code;
    finalStderr = result.stderr;
  }
  const kills = attempts.filter((attempt) => attempt.killed);
  const killsAfterProgress = kills.filter((attempt, i) => attempt.checkpointStep > (i === 0 ? -1 : kills[i - 1]!.checkpointStep)).length;
  return {
    attempts,
    kills: kills.length,
    killsAfterProgress,
    killsMidCheckpointWrite: kills.filter((attempt) => attempt.midCheckpointWrite).length,
    finalCode,
    finalStderr,
    seconds: (performance.now() - started) / 1000,
  };
}

function start(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
}

function exit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout!.resume();
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

/** Resolves once the child's stdout has shown `text`. */
function printed(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes(text)) resolve();
    });
  });
}

/** The step of the directory's checkpoint; −1 when there is none. */
function checkpointStep(directory: string): number {
  const file = join(directory, 'checkpoint.ckpt');
  return existsSync(file) ? readCheckpoint(file).trainer.step : -1;
}

/** Whether a checkpoint writer left its temporary file (`.checkpoint.ckpt.<pid>.<hex>.tmp`) in the directory. */
function leftTemporary(directory: string): boolean {
  return existsSync(directory) && readdirSync(directory).some((name) => name.endsWith('.tmp'));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `path` has grown by `bytes` from its size now (polled every 2 ms), or the process has ended. */
async function recordGrowth(path: string, bytes: number, ended: Promise<unknown>): Promise<void> {
  const sizeOf = () => (existsSync(path) ? statSync(path).size : 0);
  const target = sizeOf() + bytes;
  let over = false;
  void ended.then(() => (over = true));
  while (!over && sizeOf() < target) await sleep(2);
}

/** What is wrong with a run's record of steps 1…`steps`, in words; empty when it is whole (see {@link killLoop}). */
export function recordProblems(events: readonly { seq: number; runId: string; type: string; step?: number }[], truncated: unknown, steps: number): string[] {
  const problems: string[] = [];
  if (truncated) problems.push(`the file ends with a torn line: ${JSON.stringify(truncated)}`);
  const badSeq = events.findIndex((event, i) => event.seq !== i);
  if (badSeq >= 0) problems.push(`seq is not 0, 1, 2, …: event ${badSeq} has seq ${events[badSeq]!.seq}`);
  const stepEvents = events.filter((event) => event.type === 'step').map((event) => event.step!);
  const badStep = stepEvents.findIndex((step, i) => step !== i + 1);
  if (badStep >= 0) problems.push(`steps are not 1, 2, 3, … each once: step event ${badStep} is step ${stepEvents[badStep]} (after ${stepEvents[badStep - 1]})`);
  if (stepEvents.length !== steps) problems.push(`${stepEvents.length} step events; expected ${steps}`);
  const runs = new Set(events.map((event) => event.runId));
  if (runs.size !== 1) problems.push(`${runs.size} run ids in one record`);
  return problems;
}
