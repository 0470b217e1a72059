/**
 * The kill loop on xor (the same code path as MNIST's, whose full loop is `npm run
 * soak:kill`): `gradstream run xor --checkpoint DIR --checkpoint-every 1 --jsonl F` killed
 * with SIGKILL at random moments, resumed each time, then left to finish. The record must
 * come out whole (seq strictly consecutive, each step exactly once, one run) and the final
 * parameters bit-identical to an uninterrupted run's. The seed of the kill moments is
 * printed with any failure; GRADSTREAM_KILL_SEED replays one.
 */
import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpoint } from '../../src/checkpoint/files.ts';
import { killLoop } from '../../scripts/killLoop.ts';
import { cli, expectWholeRecord, locksLeft, parameterBits } from './fixtures/record.ts';

const scratch = mkdtempSync(join(tmpdir(), 'gradstream-kill-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('xor killed with SIGKILL 10 times at random moments and resumed: each step once, seq without gap, the same bits as a straight run', async () => {
  const steps = 250;
  const seed = Number(process.env['GRADSTREAM_KILL_SEED'] ?? Date.now() % 2 ** 31);
  const directory = join(scratch, 'killed');
  const jsonl = join(scratch, 'killed.jsonl');
  const report = await killLoop({
    args: ['run', 'xor', '--steps', String(steps), '--checkpoint', directory, '--checkpoint-every', '1', '--jsonl', jsonl],
    // Training kills wait for the record to grow by up to 4 kB (about 20 of xor's steps), so
    // ten of them fit in the run however fast the machine is.
    directory, jsonl, kills: 10, seed, maxProgressBytes: 4096,
  });
  const context = `kill seed ${seed}; attempts ${JSON.stringify(report.attempts.map(({ aimed, delayMs, progressBytes, killed, checkpointStep }) => ({ aimed, delayMs, progressBytes, killed, checkpointStep })))}`;
  expect(report.finalCode, `${context}; ${report.finalStderr}`).toBe(0);
  expect(report.kills, context).toBeGreaterThanOrEqual(5);
  expect(report.killsAfterProgress, context).toBeGreaterThanOrEqual(2);
  expectWholeRecord(jsonl, steps, context);
  const checkpoint = readCheckpoint(join(directory, 'checkpoint.ckpt'));
  expect(checkpoint.jsonl?.bytes, context).toBe(statSync(jsonl).size);
  expect(locksLeft(jsonl, directory), context).toEqual([]);

  const straight = join(scratch, 'straight');
  expect((await cli('run', 'xor', '--steps', String(steps), '--checkpoint', straight)).code).toBe(0);
  expect(parameterBits(checkpoint), context).toEqual(parameterBits(readCheckpoint(join(straight, 'checkpoint.ckpt'))));
}, 300_000);
