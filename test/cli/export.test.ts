/**
 * `gradstream export --tensorboard`: recorded runs into TensorBoard event files, read back
 * here and compared with the record; bad arguments and bad files get a clear message.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEvent } from '../../src/telemetry/codec.ts';
import { readTensorBoardEvents } from '../../src/telemetry/tensorboard/eventFileReader.ts';
import { fakeRunEvents } from '../telemetry/fakeRun.ts';
import { cli, stackFrame } from './inProcess.ts';

let folder: string;
beforeEach(() => { folder = mkdtempSync(join(tmpdir(), 'gradstream-export-')); });
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const record = (name: string, lines: readonly string[]): string => {
  const path = join(folder, name);
  writeFileSync(path, lines.map((line) => `${line}\n`).join(''));
  return path;
};

describe('gradstream export', () => {
  it('writes each run into a directory of the log directory, with the steps\' losses', async () => {
    const events = fakeRunEvents({ steps: 30, runId: 'exported' });
    const path = record('run.jsonl', events.map(encodeEvent));
    const logdir = join(folder, 'logs');
    const { code, stdout, stderr } = await cli(['export', '--tensorboard', path, logdir]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [file] = readdirSync(join(logdir, 'exported'));
    expect(stdout).toContain(`${path}: run exported → ${join(logdir, 'exported', file!)} (`);
    expect(stdout).toContain(`view them with: tensorboard --logdir ${logdir}\n`);
    const read = await readTensorBoardEvents(join(logdir, 'exported', file!));
    const losses = read.events.flatMap((event) => event.summary?.value.filter((value) => value.tag === 'loss/train').map((value) => value.simple_value) ?? []);
    expect(losses).toEqual(events.flatMap((event) => (event.type === 'step' ? [Math.fround(event.loss)] : [])));
  });

  it('refuses arguments it cannot use, exit 2, saying what it expected', async () => {
    expect(await cli(['export', join(folder, 'a.jsonl'), folder])).toMatchObject({ code: 2, stderr: expect.stringContaining('export: say which format: --tensorboard (the one export writes)') });
    expect(await cli(['export', '--tensorboard', folder])).toMatchObject({ code: 2, stderr: expect.stringContaining('export: expected one or more JSONL files or directories of them, and then the log directory, got ') });
    expect(await cli(['export', '--tensorboard', '--csv', 'a', 'b'])).toMatchObject({ code: 2, stderr: expect.stringContaining('export: unknown option --csv') });
  });

  it('stops at a bad line with its file and line, exit 1; --lenient exports the rest', async () => {
    const events = fakeRunEvents({ steps: 10 }).map(encodeEvent);
    const path = record('bad.jsonl', [...events.slice(0, 3), '{"type":"step"', ...events.slice(3)]);
    const strict = await cli(['export', '--tensorboard', path, join(folder, 'strict')]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(new RegExp(`^export: ${path} line 4: not valid JSON`));
    expect(strict.stdout + strict.stderr).not.toMatch(stackFrame);
    const lenient = await cli(['export', '--tensorboard', '--lenient', path, join(folder, 'lenient')]);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toContain(`export: ${path} line 4: not valid JSON`);
    expect(lenient.stderr).toContain('export: 1 problem; the events at fault were left out (--lenient)');
  });

  it('refuses a missing file and a directory that holds no JSONL file before writing anything', async () => {
    const missing = await cli(['export', '--tensorboard', join(folder, 'none.jsonl'), join(folder, 'logs')]);
    expect(missing).toMatchObject({ code: 1, stderr: `export: cannot read ${join(folder, 'none.jsonl')}: no such file or directory (ENOENT)\n` });
    const directory = await cli(['export', '--tensorboard', folder, join(folder, 'logs')]);
    expect(directory.code).toBe(1);
    expect(directory.stderr).toBe(`export: ${folder} is a directory that holds no JSONL files (*.jsonl, in it or below it); expected runs recorded with gradstream run … --jsonl FILE\n`);
    expect(readdirSync(folder)).toEqual([]);
  });
});
