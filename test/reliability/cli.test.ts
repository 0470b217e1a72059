import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonl } from '../../src/telemetry/jsonlFile.ts';
import { readCheckpoint } from '../../src/checkpoint/files.ts';
import { finished } from './fixtures/child.ts';
import { cli, gradstream, parameterBits, range, stepsOf, untilStep } from './fixtures/record.ts';
import { scenarios } from '../../src/scenarios/index.ts';

const scratch = mkdtempSync(join(tmpdir(), 'gradstream-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('usage errors exit 2 with the usage', () => {
  it.each([
    [['frobnicate'], "gradstream: unknown command 'frobnicate'", 'usage: gradstream <command> [arguments]'],
    [['run', 'xor', '--bogus'], 'run: unknown option --bogus', 'usage: gradstream run <scenario>'],
    [['run', 'nosuch'], `run: unknown scenario 'nosuch'; expected one of ${scenarios.map((s) => s.name).join(', ')}`, 'usage: gradstream run'],
    [['run', 'xor', '--seed', 'x'], 'run: --seed expects an integer from 0 to 4294967295, got "x"', 'usage: gradstream run'],
    [['run', 'xor', '--checkpoint-every', '10'], 'run: --checkpoint-every needs --checkpoint DIR', 'usage: gradstream run'],
    [['run', 'simplest', '--checkpoint', 'dir'], `run: --checkpoint applies to scenarios that train: ${scenarios.filter((s) => s.resumable).map((s) => s.name).join(', ')}`, 'usage: gradstream run'],
    [['check', '--runs', '0'], 'check: --runs expects an integer ≥ 1, got "0"', 'usage: gradstream check'],
    [['replay'], 'replay: expected one JSONL file, got none', 'usage: gradstream replay'],
  ])('gradstream %j', async (args, message, usage) => {
    const { code, stderr } = await cli(...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain(usage);
  });

  it('no command at all prints the usage and exits 2', async () => {
    const { code, stderr } = await cli();
    expect(code).toBe(2);
    expect(stderr).toContain('usage: gradstream <command> [arguments]');
  });

  it('an unknown option exits 2 from the real binary too', async () => {
    const result = await finished(gradstream('run', 'xor', '--nope'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('run: unknown option --nope');
  });
});

describe('a module that fails to load shows its own error and, being the only module, exits 2', () => {
  // Written here, not kept in the repository, where the type-check would refuse it; in an ES
  // module package, since TypeScript in CommonJS form is refused before it is loaded.
  writeFileSync(join(scratch, 'package.json'), '{ "type": "module" }\n');
  const unparseable = join(scratch, 'syntaxError.ts');
  writeFileSync(unparseable, 'export const layer = {\n');
  const unresolved = join(scratch, 'missingImport.ts');
  writeFileSync(unresolved, "export { swish } from './noSuchFile.ts';\n");
  it.each([
    ['one that throws', 'test/check/fixtures/brokenModule.ts', 'this module is broken on purpose'],
    ['one that does not parse', unparseable, 'syntaxError.ts'],
    ['one whose import is missing', unresolved, 'noSuchFile.ts'],
  ])('%s', async (_, module, own) => {
    const result = await cli('check', module, '--runs', '1');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`check: ${module} failed to load:`);
    expect(result.stderr).toContain(own);
    expect(result.stdout).toContain('1 module did not load');
  });

  it('the real binary too', async () => {
    const result = await finished(gradstream('check', unparseable, '--runs', '1'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`check: ${unparseable} failed to load:`);
  });
});

describe('Ctrl-C and resuming', () => {
  it('Ctrl-C flushes the telemetry, writes a final checkpoint and exits 130; the resumed run continues the JSONL and ends bit-identical to a straight run', async () => {
    const directory = join(scratch, 'interrupted');
    const jsonl = join(scratch, 'interrupted.jsonl');
    // No periodic save comes due: the checkpoint found afterwards can only be the final one.
    const child = gradstream('run', 'xor', '--steps', '100000000', '--checkpoint', directory, '--checkpoint-every', '100000000', '--jsonl', jsonl);
    const ended = finished(child);
    await untilStep(jsonl, 1500);
    child.kill('SIGINT');
    const interrupted = await ended;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain(`run: interrupted; the checkpoint in ${directory} resumes it`);
    const first = readJsonl(jsonl);
    expect(first.truncated).toBeNull();
    const lastEvent = first.events.at(-1)!;
    expect(lastEvent).toMatchObject({ type: 'run-end', reason: 'stopped' });
    const stoppedAt = stepsOf(first.events).at(-1)!;
    const checkpoint = readCheckpoint(join(directory, 'checkpoint.ckpt'));
    expect(checkpoint.trainer.step).toBe(stoppedAt);

    const until = stoppedAt + 300;
    const resumed = await finished(gradstream('run', 'xor', '--steps', String(until), '--checkpoint', directory, '--jsonl', jsonl));
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`resuming from the checkpoint at step ${stoppedAt}`);
    const whole = readJsonl(jsonl).events;
    expect(whole.map((e) => e.seq)).toEqual(range(0, whole.length));
    expect(stepsOf(whole)).toEqual(range(1, until + 1));
    expect(whole.filter((e) => e.type === 'run-start').map((e) => (e as { startStep: number }).startStep)).toEqual([0, stoppedAt]);

    const straightDirectory = join(scratch, 'straight');
    const straight = await finished(gradstream('run', 'xor', '--steps', String(until), '--checkpoint', straightDirectory));
    expect(straight.code).toBe(0);
    expect(parameterBits(readCheckpoint(join(directory, 'checkpoint.ckpt')))).toEqual(parameterBits(readCheckpoint(join(straightDirectory, 'checkpoint.ckpt'))));
  }, 120_000);

  it('after a crash (SIGKILL) the run resumes from the last periodic checkpoint, and the JSONL gets no duplicate step', async () => {
    const directory = join(scratch, 'crashed');
    const jsonl = join(scratch, 'crashed.jsonl');
    const child = gradstream('run', 'xor', '--steps', '100000000', '--checkpoint', directory, '--checkpoint-every', '500', '--jsonl', jsonl);
    const ended = finished(child);
    await untilStep(jsonl, 1200);
    child.kill('SIGKILL');
    expect((await ended).signal).toBe('SIGKILL');
    const crashedAt = stepsOf(readJsonl(jsonl).events).at(-1) ?? 0;
    const saved = readCheckpoint(join(directory, 'checkpoint.ckpt')).trainer.step;
    expect(saved % 500).toBe(0);
    expect(saved).toBeLessThanOrEqual(crashedAt);

    const until = crashedAt + 200;
    const resumed = await finished(gradstream('run', 'xor', '--steps', String(until), '--checkpoint', directory, '--jsonl', jsonl));
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`resuming from the checkpoint at step ${saved}`);
    const whole = readJsonl(jsonl).events;
    expect(whole.map((e) => e.seq)).toEqual(range(0, whole.length));
    expect(stepsOf(whole)).toEqual(range(1, until + 1));
  }, 120_000);

  it('refuses a checkpoint directory of another scenario with a clear error, exit 1', async () => {
    const directory = join(scratch, 'xor-run');
    expect((await cli('run', 'xor', '--steps', '20', '--checkpoint', directory)).code).toBe(0);
    const { code, stderr } = await cli('run', 'iris', '--checkpoint', directory);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^run: the checkpoint .*checkpoint\.ckpt was saved from a different graph: its input features are \[2\], this graph's \[4\]\n$/);
  });
});

describe('the scenarios keep their behaviour under the runner', () => {
  it('iris and mnist resume from their checkpoints', async () => {
    for (const [scenario, every] of [['iris', '40'], ['mnist', '50']] as const) {
      const directory = join(scratch, scenario);
      const jsonl = join(scratch, `${scenario}.jsonl`);
      const first = await cli('run', scenario, '--quick', '--checkpoint', directory, '--checkpoint-every', every, '--jsonl', jsonl);
      expect(first.code).toBe(0);
      const steps = readCheckpoint(join(directory, 'checkpoint.ckpt')).trainer.step;
      expect(steps).toBeGreaterThan(Number(every));
      const again = await cli('run', scenario, '--quick', '--checkpoint', directory, '--jsonl', jsonl);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`resuming from the checkpoint at step ${steps}`);
      const events = readJsonl(jsonl).events;
      expect(events.map((e) => e.seq)).toEqual(range(0, events.length));
      expect(stepsOf(events)).toEqual(range(1, steps + 1));
      expect(events.filter((e) => e.type === 'run-end')).toHaveLength(2);
    }
  }, 120_000);
});
