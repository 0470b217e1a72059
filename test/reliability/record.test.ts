/**
 * The JSONL file is the run's record: `gradstream run` never writes over another run's
 * record or a file that is not telemetry, never lets two processes write one directory or
 * file, stops when the file cannot be written (with no checkpoint past its end), and stops
 * on SIGTERM and SIGHUP as it does on Ctrl-C. Each case is an attack first found to pass
 * silently (exit 0).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { readJsonl } from '../../src/telemetry/jsonlFile.ts';
import { encodeEvent } from '../../src/telemetry/codec.ts';
import { readCheckpoint } from '../../src/checkpoint/files.ts';
import { resumableRuns } from '../../src/runs/resumableRuns.ts';
import { JsonlWriteError } from '../../src/telemetry/jsonlErrors.ts';
import { xor } from '../../src/scenarios/xor.ts';
import { recordingContext } from '../../src/scenarios/scenario.ts';
import { failingAfter } from '../telemetry/fixtures/failingWriter.ts';
import { finished, root } from './fixtures/child.ts';
import { cli, expectWholeRecord, gradstream, locksLeft, parameterBits, stepsOf, untilStep } from './fixtures/record.ts';

const scratch = mkdtempSync(join(tmpdir(), 'gradstream-record-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let made = 0;
/** A fresh checkpoint directory and JSONL path. */
const place = (name: string) => ({ directory: join(scratch, `${name}-${made}`), jsonl: join(scratch, `${name}-${made++}.jsonl`) });
const checkpointOf = (directory: string) => readCheckpoint(join(directory, 'checkpoint.ckpt'));

/** The parameters a straight run of xor to `steps` ends with. */
async function straightXor(steps: number) {
  const { directory } = place('straight');
  expect((await cli('run', 'xor', '--steps', String(steps), '--checkpoint', directory)).code).toBe(0);
  return parameterBits(checkpointOf(directory));
}

describe('a --jsonl path that holds anything but this run\'s record is refused before anything runs (exit 2), and left as it was', () => {
  it('another run\'s record: the same path given to a new run (the second run used to be dropped, all but its start and end)', async () => {
    const { jsonl } = place('reused');
    expect((await cli('run', 'xor', '--steps', '100', '--jsonl', jsonl)).code).toBe(0);
    const before = readFileSync(jsonl);
    const runId = readJsonl(jsonl).events[0]!.runId;
    const again = await cli('run', 'xor', '--steps', '100', '--seed', '7', '--jsonl', jsonl);
    expect(again.code).toBe(2);
    expect(again.stdout).toBe(''); // refused before the scenario printed anything
    expect(again.stderr).toBe(`run: the telemetry file ${jsonl} holds the record of a run (${runId}, through seq ${readJsonl(jsonl).events.at(-1)!.seq}, step 100), and this is a new run; `
      + 'refusing to mix two runs in one file: pass a new --jsonl path; to continue that run, resume it with --checkpoint and the directory it was saved to; to replace the file, add --overwrite\n');
    expect(readFileSync(jsonl)).toEqual(before);
    expect(locksLeft(jsonl)).toEqual([]);
  });

  it('another run\'s record, given to a resumed run (replay used to show one run\'s header with the other\'s loss)', async () => {
    const a = place('a');
    const b = place('b');
    expect((await cli('run', 'xor', '--steps', '50', '--checkpoint', a.directory, '--jsonl', a.jsonl)).code).toBe(0);
    expect((await cli('run', 'xor', '--steps', '50', '--seed', '3', '--checkpoint', b.directory, '--jsonl', b.jsonl)).code).toBe(0);
    const before = readFileSync(a.jsonl);
    const mixed = await cli('run', 'xor', '--steps', '80', '--seed', '3', '--checkpoint', b.directory, '--jsonl', a.jsonl);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain(`holds the record of another run (${readJsonl(a.jsonl).events[0]!.runId}, through seq`);
    expect(mixed.stderr).toContain(`and this is the run ${checkpointOf(b.directory).trainer.runId}; refusing to mix two runs in one file`);
    expect(readFileSync(a.jsonl)).toEqual(before);
    expect(checkpointOf(b.directory).trainer.step).toBe(50);
  });

  it.each([
    ['a note', Buffer.from('my note'), 'holds 7 bytes that are not gradstream telemetry (it starts with "my note")'],
    ['a binary file of 5,000 bytes', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 131 + 7) % 256)), 'holds 5000 bytes that are not gradstream telemetry (binary data)'],
  ])('%s (used to be overwritten without a word)', async (_, bytes, found) => {
    const { jsonl } = place('note');
    writeFileSync(jsonl, bytes);
    const result = await cli('run', 'xor', '--steps', '5', '--jsonl', jsonl);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`run: the telemetry file ${jsonl} ${found}; refusing to write over it: pass a new --jsonl path, or add --overwrite to replace it\n`);
    expect(readFileSync(jsonl)).toEqual(bytes);
  });

  it('--overwrite replaces it; a missing or empty file is a new record; resuming with --checkpoint continues the same run', async () => {
    const { directory, jsonl } = place('overwrite');
    writeFileSync(jsonl, 'my note');
    const replaced = await cli('run', 'xor', '--steps', '30', '--checkpoint', directory, '--jsonl', jsonl, '--overwrite');
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain(`replaced ${jsonl} (7 bytes), as asked`);
    expectWholeRecord(jsonl, 30);
    const resumed = await cli('run', 'xor', '--steps', '60', '--checkpoint', directory, '--jsonl', jsonl);
    expect(resumed.code).toBe(0);
    expect(expectWholeRecord(jsonl, 60).filter((e) => e.type === 'run-start')).toHaveLength(2);
    const empty = place('empty').jsonl;
    writeFileSync(empty, '');
    expect((await cli('run', 'xor', '--steps', '5', '--jsonl', empty)).code).toBe(0);
    expectWholeRecord(empty, 5);
  });
});

describe('a file ahead of its checkpoint', () => {
  it('is cut back to the position the checkpoint recorded: no step twice, none missing (a resumed process killed after writing its run-start used to repeat every step after the checkpoint)', async () => {
    const { directory, jsonl } = place('ahead');
    expect((await cli('run', 'xor', '--steps', '40', '--checkpoint', directory, '--checkpoint-every', '20', '--jsonl', jsonl)).code).toBe(0);
    const at40 = join(scratch, `at40-${made}.ckpt`);
    copyFileSync(join(directory, 'checkpoint.ckpt'), at40);
    expect((await cli('run', 'xor', '--steps', '80', '--checkpoint', directory, '--jsonl', jsonl)).code).toBe(0);
    // What a crash can leave: the checkpoint of step 40, and a file that goes on to step 80 and ends with a later start.
    copyFileSync(at40, join(directory, 'checkpoint.ckpt'));
    const events = readJsonl(jsonl).events;
    const start = events.findLast((e) => e.type === 'run-start')!;
    writeFileSync(jsonl, `${readFileSync(jsonl, 'utf8')}${encodeEvent({ ...start, seq: events.at(-1)!.seq + 1 })}\n`);
    const resumed = await cli('run', 'xor', '--steps', '80', '--checkpoint', directory, '--jsonl', jsonl);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/cut .* back to seq \d+, where the checkpoint was saved: the \d+ bytes after it are steps the resumed run computes again/);
    expectWholeRecord(jsonl, 80);
    expect(parameterBits(checkpointOf(directory))).toEqual(await straightXor(80));
  });

  it('a file shorter than the checkpoint recorded is refused: the record was lost', async () => {
    const { directory, jsonl } = place('lost');
    expect((await cli('run', 'xor', '--steps', '30', '--checkpoint', directory, '--jsonl', jsonl)).code).toBe(0);
    const text = readFileSync(jsonl, 'utf8');
    writeFileSync(jsonl, text.slice(0, text.indexOf('\n', text.length / 2) + 1));
    const result = await cli('run', 'xor', '--steps', '60', '--checkpoint', directory, '--jsonl', jsonl);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^run: the telemetry file .*lost-\d+\.jsonl holds \d+ bytes, but the checkpoint being resumed was saved when it held \d+ bytes \(this run's events through seq \d+\); the record was lost: restore the file, or add --overwrite/);
  });
});

describe('one process per checkpoint directory and JSONL file', () => {
  it('a second process is refused while the first runs (exit 2, naming it); the first goes on, its record whole', async () => {
    const { directory, jsonl } = place('shared');
    const first = gradstream('run', 'xor', '--steps', '100000000', '--checkpoint', directory, '--checkpoint-every', '50', '--jsonl', jsonl);
    const ended = finished(first);
    await untilStep(jsonl, 100);
    const second = await cli('run', 'xor', '--steps', '100', '--checkpoint', directory, '--jsonl', jsonl);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`^run: the checkpoint directory ${directory} is in use by process ${first.pid} on ${hostname()} since \\S+ \\(lock file ${directory}/gradstream\\.lock\\); two runs writing it would interleave their records: wait for it to end or stop it, or choose another path\\n$`));
    const otherDirectory = await cli('run', 'xor', '--steps', '100', '--checkpoint', join(scratch, 'elsewhere'), '--jsonl', jsonl);
    expect(otherDirectory.code).toBe(2);
    expect(otherDirectory.stderr).toContain(`run: the telemetry file ${jsonl} is in use by process ${first.pid}`);
    first.kill('SIGINT');
    expect((await ended).code).toBe(130);
    const events = readJsonl(jsonl).events;
    expectWholeRecord(jsonl, stepsOf(events).at(-1)!);
    expect(locksLeft(jsonl, directory)).toEqual([]);
  }, 120_000);

  it('a lock left by a killed process (SIGKILL) is taken over with a note', async () => {
    const { directory, jsonl } = place('stale');
    const child = gradstream('run', 'xor', '--steps', '100000000', '--checkpoint', directory, '--checkpoint-every', '50', '--jsonl', jsonl);
    const ended = finished(child);
    await untilStep(jsonl, 100);
    child.kill('SIGKILL');
    expect((await ended).signal).toBe('SIGKILL');
    expect(locksLeft(jsonl, directory)).toHaveLength(2);
    const until = (stepsOf(readJsonl(jsonl).events).at(-1) ?? 0) + 50;
    const resumed = await cli('run', 'xor', '--steps', String(until), '--checkpoint', directory, '--jsonl', jsonl);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`the checkpoint directory ${directory}: took over the lock ${directory}/gradstream.lock of process ${child.pid}, which no longer runs`);
    expect(resumed.stdout).toContain(`the telemetry file ${jsonl}: took over the lock ${jsonl}.lock of process ${child.pid}, which no longer runs`);
    expectWholeRecord(jsonl, until);
    expect(locksLeft(jsonl, directory)).toEqual([]);
  }, 120_000);
});

describe('SIGTERM and SIGHUP stop the run as Ctrl-C does (they used to end it without the final checkpoint)', () => {
  it.each([['SIGTERM', 143], ['SIGHUP', 129]] as const)('%s: the step in progress finishes, the final checkpoint matches the flushed file, exit %i', async (signal, code) => {
    const { directory, jsonl } = place(signal);
    const child = gradstream('run', 'xor', '--steps', '100000000', '--checkpoint', directory, '--checkpoint-every', '100000000', '--jsonl', jsonl);
    const ended = finished(child);
    await untilStep(jsonl, 300);
    child.kill(signal);
    const result = await ended;
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(`run: interrupted by ${signal}; the checkpoint in ${directory} resumes it`);
    const events = readJsonl(jsonl).events;
    expect(events.at(-1)).toMatchObject({ type: 'run-end', reason: 'stopped' });
    const stoppedAt = stepsOf(events).at(-1)!;
    const checkpoint = checkpointOf(directory);
    expect(checkpoint.trainer.step).toBe(stoppedAt);
    expect(checkpoint.jsonl).toEqual({ bytes: statSync(jsonl).size, lastSeq: events.at(-1)!.seq });
    expect(locksLeft(jsonl, directory)).toEqual([]);
  }, 120_000);
});

describe('a JSONL file that cannot be written stops the run at the step boundary, with no checkpoint past the file (training and checkpoints used to go on)', () => {
  const steps = 300;

  it('disk full (a writer that fails with ENOSPC after 30 kB): the run stops, the last checkpoint lies within the record, and resuming completes it with each step once and the same bits as a straight run', async () => {
    const { directory, jsonl } = place('full');
    const warnings: string[] = [];
    const runs = resumableRuns({ checkpointDirectory: directory, checkpointEvery: 25, jsonl, jsonlWriteSync: failingAfter(30_000, 'ENOSPC'), warn: (text) => warnings.push(text) });
    try {
      await xor.run(recordingContext({ seed: 1, options: { steps: String(steps) }, startRun: runs.start }));
      const failure = await runs.settled().then(() => null, (error: unknown) => error);
      expect(failure).toBeInstanceOf(JsonlWriteError);
      expect((failure as Error).message).toMatch(/^cannot write the telemetry file .*full-\d+\.jsonl \(ENOSPC: no space left on device, write\); it holds the run's events through seq \d+ \(step \d+\), and nothing after them is written; the run stopped at step \d+, and its last checkpoint \(step \d+\) lies within the record: resume from it once the file can be written$/);
    } finally {
      runs.close();
    }
    expect(warnings).toEqual([]);
    const { events, truncated } = readJsonl(jsonl);
    expect(truncated).toBeNull();
    expect(statSync(jsonl).size).toBeLessThanOrEqual(30_000);
    const inFile = stepsOf(events).at(-1)!;
    const checkpoint = checkpointOf(directory);
    expect(checkpoint.trainer.step).toBeLessThanOrEqual(inFile);
    expect(checkpoint.trainer.step).toBeLessThan(steps);
    expect(checkpoint.jsonl!.bytes).toBeLessThanOrEqual(statSync(jsonl).size);
    expect(locksLeft(jsonl, directory)).toEqual([]);

    const resumed = await cli('run', 'xor', '--steps', String(steps), '--checkpoint', directory, '--jsonl', jsonl);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`resuming from the checkpoint at step ${checkpoint.trainer.step}`);
    expectWholeRecord(jsonl, steps);
    expect(parameterBits(checkpointOf(directory))).toEqual(await straightXor(steps));
  }, 120_000);

  it("with onTelemetryError 'continue' (--on-telemetry-error continue), training goes on, said loudly, and checkpoints record no position", async () => {
    const { directory, jsonl } = place('full-continue');
    const warnings: string[] = [];
    const runs = resumableRuns({ checkpointDirectory: directory, checkpointEvery: 25, jsonl, onTelemetryError: 'continue', jsonlWriteSync: failingAfter(30_000, 'EIO'), warn: (text) => warnings.push(text) });
    try {
      await xor.run(recordingContext({ seed: 1, options: { steps: String(steps) }, startRun: runs.start }));
      await runs.settled();
    } finally {
      runs.close();
    }
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^gradstream: WARNING: cannot write the telemetry file .* \(EIO: i\/o error, write\); .* Training goes on WITHOUT its record, as asked \(onTelemetryError 'continue'\)\.$/);
    expect(warnings[1]).toMatch(/^gradstream: WARNING: .*full-continue-\d+\.jsonl holds the run's events only through seq \d+ \(step \d+\): EIO, and training went on without its record/);
    const checkpoint = checkpointOf(directory);
    expect(checkpoint.trainer.step).toBe(steps);
    expect(checkpoint.jsonl).toBeUndefined();
    expect(readJsonl(jsonl).truncated).toBeNull();
  }, 120_000);

  it('a real limit on file size (ulimit -f: EFBIG) through the binary: exit 1 with the message; after the limit is lifted the same command resumes', async () => {
    const { directory, jsonl } = place('efbig');
    // 60 blocks of 512 bytes: the JSONL file reaches it after a hundred steps or so; a checkpoint of xor is under 2 kB.
    const limited = spawn('sh', ['-c', `ulimit -f 60 && exec "${process.execPath}" --import tsx src/cli/main.ts run xor --steps ${steps} --checkpoint "${directory}" --checkpoint-every 10 --jsonl "${jsonl}"`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const result = await finished(limited);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/run: cannot write the telemetry file .*efbig-\d+\.jsonl \(EFBIG: file too large, write\); it holds the run's events through seq \d+ \(step \d+\), and nothing after them is written; the run stopped at step \d+, and its last checkpoint \(step \d+\) lies within the record: resume from it once the file can be written\n$/);
    expect(statSync(jsonl).size).toBeLessThanOrEqual(60 * 512);
    const checkpoint = checkpointOf(directory);
    expect(checkpoint.trainer.step).toBeLessThanOrEqual(stepsOf(readJsonl(jsonl).events).at(-1)!);
    const resumed = await cli('run', 'xor', '--steps', String(steps), '--checkpoint', directory, '--jsonl', jsonl);
    expect(resumed.code).toBe(0);
    expectWholeRecord(jsonl, steps);
  }, 120_000);

  it('a real file system that fills up (a 256 kB tmpfs, mounted for the test: needs root): exit 1; after it grows, the same command resumes', async (context) => {
    const mountPoint = join(scratch, `small-${made++}`);
    mkdirSync(mountPoint);
    const refused = mountTmpfs(mountPoint, '256k');
    // Root alone is not enough: a container may lack the right to mount. The injected writer
    // and the `ulimit -f` tests above cover the same path wherever this one cannot run.
    if (refused !== null) context.skip(`mounting a tmpfs needs root and the right to mount: ${refused}`);
    try {
      const directory = join(scratch, `small-checkpoints-${made++}`);
      const jsonl = join(mountPoint, 'run.jsonl');
      const full = await cli('run', 'xor', '--steps', '3000', '--checkpoint', directory, '--checkpoint-every', '50', '--jsonl', jsonl);
      expect(full.code).toBe(1);
      expect(full.stderr).toMatch(/^run: cannot (write|flush \(fsync\)) the telemetry file .*run\.jsonl \(ENOSPC: no space left on device, (write|fsync)\); it holds the run's events through seq \d+ \(step \d+\), and nothing after them is written; the run stopped at step \d+, and its last checkpoint \(step \d+\) lies within the record/);
      const checkpoint = checkpointOf(directory);
      expect(checkpoint.trainer.step).toBeLessThan(3000);
      expect(checkpoint.trainer.step).toBeLessThanOrEqual(stepsOf(readJsonl(jsonl).events).at(-1)!);
      expect(checkpoint.jsonl!.bytes).toBeLessThanOrEqual(statSync(jsonl).size);
      execFileSync('mount', ['-o', 'remount,size=8m', mountPoint]);
      const resumed = await cli('run', 'xor', '--steps', '3000', '--checkpoint', directory, '--jsonl', jsonl);
      expect(resumed.code).toBe(0);
      expectWholeRecord(jsonl, 3000);
    } finally {
      unmount(mountPoint);
    }
  }, 120_000);
});

/** Mounts a tmpfs of `size` at `path`; null when mounted, else why not. */
function mountTmpfs(path: string, size: string): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'gradstream-test', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    return null;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
  }
}

function unmount(path: string): void {
  try {
    execFileSync('umount', [path]);
  } catch {
    execFileSync('umount', ['-l', path]); // still busy: detach it now, gone once released
  }
}
