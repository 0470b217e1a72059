/**
 * The kill soak: the MNIST network trained with a checkpoint at every step and its telemetry
 * recorded, killed with SIGKILL at random moments many times (at start-up, while training,
 * while writing a 2.2 MB checkpoint), resumed each time, then left to finish. Checks that
 * the JSONL record is whole (seq strictly consecutive, each step exactly once, one run) and
 * that the final parameters and optimizer state are bit-identical to an uninterrupted run's.
 * Not part of `npm test` (test/reliability/killLoop.test.ts runs the same loop on xor).
 *
 *   npm run soak:kill                                  # MNIST, 2 epochs (266 steps), 50 kills
 *   npm run soak:kill -- --kills 100 --epochs 3 --seed 42 --max-delay 2500   # ms after the network is printed
 *   npm run soak:kill -- --scenario xor --steps 400    # the loop the test runs
 *
 * Prints one line per attempt and the figures; exits 1 on any failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../src/cli/main.ts';
import { readJsonl } from '../src/telemetry/jsonlFile.ts';
import { readCheckpoint } from '../src/checkpoint/files.ts';
import { encodeFloat64 } from '../src/util/float64Text.ts';
import type { Checkpoint } from '../src/checkpoint/checkpoint.ts';
import { killLoop, recordProblems } from './killLoop.ts';

const argument = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
};
const scenario = argument('scenario', 'mnist');
const kills = Number(argument('kills', '50'));
const seed = Number(argument('seed', String(Date.now() % 2 ** 31)));
const length = scenario === 'mnist' ? ['--epochs', argument('epochs', '2')] : ['--steps', argument('steps', '400')];
if (!Number.isInteger(kills) || kills < 1) throw new RangeError(`--kills: expected an integer ≥ 1, got ${kills}`);

const scratch = mkdtempSync(join(tmpdir(), 'gradstream-soak-kill-'));
const directory = join(scratch, 'killed');
const jsonl = join(scratch, 'killed.jsonl');
const args = ['run', scenario, ...length, '--checkpoint', directory, '--checkpoint-every', '1', '--jsonl', jsonl];
process.stdout.write(`gradstream ${args.join(' ')}\n${kills} kills at most, seed ${seed}\n\n`);

const report = await killLoop({
  args, directory, jsonl, kills, seed,
  maxDelayMs: Number(argument('max-delay', scenario === 'mnist' ? '4000' : '1200')),
  maxStartupDelayMs: scenario === 'mnist' ? 9000 : 2500,
  onAttempt: (a) => process.stdout.write(`${String(a.index + 1).padStart(3)}  ${a.killed ? 'killed' : `exit ${a.code}`}  aimed at ${a.aimed.padEnd(8)} +${String(a.delayMs).padStart(4)} ms  checkpoint at step ${a.checkpointStep}${a.midCheckpointWrite ? '  (mid checkpoint write)' : ''}\n`),
});

const failures: string[] = [];
if (report.finalCode !== 0) failures.push(`the last run exited ${report.finalCode}: ${report.finalStderr}`);
const checkpoint = readCheckpoint(join(directory, 'checkpoint.ckpt'));
const { events, truncated } = readJsonl(jsonl);
failures.push(...recordProblems(events as never, truncated, checkpoint.trainer.step));

const straightDirectory = join(scratch, 'straight');
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
const straightCode = await main(['run', scenario, ...length, '--checkpoint', straightDirectory, '--checkpoint-every', '1000000'], { stdout: quiet, stderr: process.stderr });
if (straightCode !== 0) failures.push(`the straight run exited ${straightCode}`);
const bits = (c: Checkpoint) => JSON.stringify({
  parameters: Object.entries(c.parameters).map(([k, t]) => [k, encodeFloat64(t.data)]),
  buffers: Object.entries(c.buffers).map(([k, t]) => [k, encodeFloat64(t.data)]),
  optimizer: c.trainer.optimizer,
}, (_key, value) => (value instanceof Float64Array ? encodeFloat64(value) : value));
const straight = readCheckpoint(join(straightDirectory, 'checkpoint.ckpt'));
const identical = bits(checkpoint) === bits(straight) && checkpoint.trainer.step === straight.trainer.step;
if (!identical) failures.push(`the final parameters differ from the straight run's (steps ${checkpoint.trainer.step} and ${straight.trainer.step})`);

const starts = events.filter((event) => event.type === 'run-start').length;
process.stdout.write(`\n${report.attempts.length} starts, ${report.kills} killed with SIGKILL (${report.attempts.filter((a) => a.killed && a.aimed === 'start-up').length} aimed at start-up, `
  + `${report.killsAfterProgress} after the run had trained further, ${report.killsMidCheckpointWrite} in the middle of a checkpoint write), then the last run to the end: exit ${report.finalCode}\n`
  + `record: ${events.length} events, ${checkpoint.trainer.step} steps, ${starts} run-starts (one per start that got to write), seq 0…${events.length - 1}\n`
  + `checks: seq strictly consecutive, each step exactly once, one run id, no torn line: ${failures.some((f) => !f.startsWith('the final') && !f.startsWith('the straight') && !f.startsWith('the last')) ? 'FAILED' : 'ok'}; `
  + `parameters, buffers and optimizer state bit-identical to an uninterrupted run: ${identical ? 'ok' : 'FAILED'}\n`
  + `${(report.seconds / 60).toFixed(1)} min\n`);
if (failures.length > 0) process.stdout.write(`\nFAILED (seed ${seed}):\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
rmSync(scratch, { recursive: true, force: true });
process.exitCode = failures.length === 0 ? 0 : 1;
