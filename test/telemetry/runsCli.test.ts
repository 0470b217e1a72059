/**
 * The command line of runs compared: `gradstream run` records a name (`--name`, or the scenario
 * with its seed and options) and the configuration (the scenario, its seed, `--quick` and its
 * own options as typed) in each run's run-start; `gradstream dashboard` refuses what it cannot
 * read before it starts anything.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonl } from '../../src/telemetry/jsonlFile.ts';
import type { RunStartEvent } from '../../src/telemetry/events.ts';
import { cli } from '../cli/inProcess.ts';

const folder = mkdtempSync(join(tmpdir(), 'gradstream-runs-cli-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const runStart = (path: string): RunStartEvent => readJsonl(path).events[0] as RunStartEvent;

describe('gradstream run records what the run is', () => {
  it('the name given and the scenario, seed and --quick as config', async () => {
    const path = join(folder, 'named.jsonl');
    const done = await cli(['run', 'iris', '--seed', '2', '--quick', '--name', 'iris, second seed', '--jsonl', path]);
    expect(done.code, done.stderr).toBe(0);
    expect(runStart(path)).toMatchObject({ name: 'iris, second seed', config: { scenario: 'iris', seed: 2, quick: true }, seed: 2 });
  });

  it("by default a name from the scenario, its seed and options, and the scenario's options as typed", async () => {
    const path = join(folder, 'xor.jsonl');
    const done = await cli(['run', 'xor', '--steps', '30', '--jsonl', path]);
    expect(done.code, done.stderr).toBe(0);
    expect(runStart(path)).toMatchObject({ name: 'xor --seed 1 --steps 30', config: { scenario: 'xor', seed: 1, steps: 30 } });
  });

  it('refuses a name that is empty or holds control characters', async () => {
    for (const name of ['', 'a\u001bb']) {
      const refused = await cli(['run', 'xor', '--name', name]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^run: --name expects a text of 1 to 200 characters without control characters/);
    }
  });
});

describe('gradstream dashboard', () => {
  it('refuses no path, a path that is not there and one that is neither a file nor a directory, before starting anything', async () => {
    const none = await cli(['dashboard']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^dashboard: name a directory of JSONL records/);
    const missing = await cli(['dashboard', join(folder, 'nowhere')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`dashboard: ${join(folder, 'nowhere')}: no such file or directory`);
    const device = await cli(['dashboard', '/dev/null']);
    expect(device.code).toBe(2);
    expect(device.stderr).toContain('dashboard: /dev/null: it is neither a regular file nor a directory');
    expect((await cli(['dashboard', folder, '--poll-ms', '5'])).stderr).toMatch(/--poll-ms expects an integer from 10 to 3600000, got "5"/);
  });

  it('lists its options in its help, and is in the list of commands', async () => {
    const help = await cli(['dashboard', '--help']);
    expect(help.code).toBe(0);
    for (const option of ['--port', '--host', '--allow-host', '--max-clients', '--max-files', '--max-detail-runs', '--poll-ms']) expect(help.stdout).toContain(option);
    expect((await cli(['--help'])).stdout).toMatch(/^ {2}dashboard +one page for many runs/m);
  });
});
