/**
 * From a fault in a training run to a test that fails, end to end:
 *
 * 1. a swish whose backward is wrong only above 2 trains under `watch` with live audits and a
 *    JSONL file: its first audits pass, a later one fails, and the bundle is written beside the
 *    JSONL file, named by the audit and alarm events and by the console's alarm line;
 * 2. a layer whose backward divides by x meets an exact 0: the guard ('stop') ends the run, with
 *    a bundle beside the JSONL file;
 * 3. `gradstream repro` (in this process, and once as a child process) checks each bundle again,
 *    shrinks it and prints a test;
 * 4. the printed tests, as printed (or with the placeholder of a spec's factory filled in), type-check and fail under
 *    vitest in a child process for the planted mistake, and pass for the fixed layers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { train } from '../../src/graph/trainer.ts';
import { watch } from '../../src/telemetry/watch.ts';
import { mse } from '../../src/layers/mse.ts';
import { sgd } from '../../src/optim/sgd.ts';
import { NonFiniteError } from '../../src/graph/errors.ts';
import type { AlarmEvent, AuditEvent, TelemetryEvent } from '../../src/telemetry/events.ts';
import { readJsonl } from '../../src/telemetry/jsonlFile.ts';
import { decodeBundle } from '../../src/check/repro/bundleCodec.ts';
import type { ReproBundle } from '../../src/check/repro/bundle.ts';
import { root, runTs, type ChildResult } from '../reliability/fixtures/child.ts';
import { cli, type CliResult } from '../cli/inProcess.ts';
import { capture } from '../capture.ts';
import { typeCheck, type TypeCheckResult } from '../docs/typeCheck.ts';
import { runPastedTests, writePastedProject, type PastedRun } from '../vitest/pastedProject.ts';
import { swishRun, xTanhRun, type PlantedRun } from './fixtures/repro/plantedRuns.ts';

const fixtures = join(root, 'test/check/fixtures/repro');
const modules = {
  swish: join(fixtures, 'swishAboveTwo.ts'),
  swishFixed: join(root, 'test/vitest/fixtures/swish.ts'),
  xTanh: join(fixtures, 'xTanh.ts'),
  xTanhFixed: join(fixtures, 'xTanhFixed.ts'),
};
const heading = 'the smallest failing case, as a test:\n\n';

/** A watched run's events and console, and how it ended. */
interface WatchedRun {
  readonly events: TelemetryEvent[];
  readonly console: string;
  readonly failure: unknown;
}

async function watchedRun({ net, batches }: PlantedRun, jsonl: string, audits: boolean): Promise<WatchedRun> {
  const run = train(net, batches, { loss: mse(), optimizer: sgd(0.01), guard: 'stop' });
  const output = capture();
  const watching = await watch(run, { jsonl, console: { output, mode: 'lines' }, ...(audits ? { audits: { everySteps: 5 } } : {}) });
  const failure = await run.result.then(() => undefined, (error: unknown) => error);
  await watching.finished;
  await watching.dispose();
  return { events: readJsonl(jsonl).events, console: output.text(), failure };
}

let folder: string;
let swish: WatchedRun;
let guarded: WatchedRun;
let swishBundle: { path: string; bundle: ReproBundle };
let nanBundle: { path: string; bundle: ReproBundle };
let reproSwish: CliResult;
let reproNan: CliResult;
let child: ChildResult;
let typeChecked: TypeCheckResult;
let pastedFiles: readonly string[];
let ran: PastedRun;

const testOf = (output: string) => output.slice(output.indexOf(heading) + heading.length);

beforeAll(async () => {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  folder = mkdtempSync(join(root, '.tmp', 'repro-end-to-end-'));
  swish = await watchedRun(swishRun(), join(folder, 'swish.jsonl'), true);
  guarded = await watchedRun(xTanhRun(), join(folder, 'nan.jsonl'), false);
  const failedAudit = swish.events.find((e): e is AuditEvent => e.type === 'audit' && !e.ok);
  const guardAlarm = guarded.events.find((e): e is AlarmEvent => e.type === 'alarm');
  const read = (path: string | undefined) => ({ path: path!, bundle: decodeBundle(readFileSync(path!, 'utf8'), path!) });
  swishBundle = read(failedAudit?.repro);
  nanBundle = read(guardAlarm?.repro);

  const swishArgs = ['repro', swishBundle.path, '--module', modules.swish, '--factory', 'swish'];
  reproSwish = await cli(swishArgs);
  reproNan = await cli(['repro', nanBundle.path, '--module', modules.xTanh]);
  const childRun = runTs(join(root, 'src/cli/main.ts'), swishArgs, { timeoutMs: 90_000 });

  // The printed test imports the module given to repro (or a placeholder for a LayerSpec's factory):
  // as printed for the mistaken layers, with the fixed module in its place for the fixed ones.
  const fill = (output: string, module: string) =>
    testOf(output).replace("'./your-layer'", JSON.stringify(module)).replaceAll(/'[^']*\/test\/check\/fixtures\/repro\/[^']*\.ts'/g, JSON.stringify(module));
  const project = writePastedProject({
    'swishWithMistake.test.ts': fill(reproSwish.stdout, modules.swish),
    'swishFixed.test.ts': fill(reproSwish.stdout, modules.swishFixed),
    'xTanhWithMistake.test.ts': fill(reproNan.stdout, modules.xTanh),
    'xTanhFixed.test.ts': fill(reproNan.stdout, modules.xTanhFixed),
  }, 'repro-pasted-');
  pastedFiles = project.files;
  const running = runPastedTests(project);
  typeChecked = typeCheck(project.tsconfig);
  [ran, child] = await Promise.all([running, childRun]);
  rmSync(project.folder, { recursive: true, force: true });
}, 240_000);

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe('a failed live audit becomes a bundle', () => {
  it('the swish passes its first audits and fails a later one, once its inputs pass 2', () => {
    const audits = swish.events.filter((e): e is AuditEvent => e.type === 'audit' && e.layer === 'swish_1');
    const firstFailure = audits.findIndex((a) => !a.ok);
    expect(firstFailure, 'an audit of swish_1 failed').toBeGreaterThan(0);
    expect(audits.slice(0, firstFailure).every((a) => a.ok)).toBe(true);
    expect(audits[firstFailure]!.step).toBeGreaterThan(20); // the large inputs begin at step 21
  });

  it('writes the bundle beside the JSONL file and names it in the audit, the alarm and the console', () => {
    const failed = swish.events.find((e): e is AuditEvent => e.type === 'audit' && !e.ok)!;
    const alarm = swish.events.find((e): e is AlarmEvent => e.type === 'alarm' && e.step === failed.step)!;
    expect(dirname(swishBundle.path)).toBe(join(folder, 'swish.repro'));
    expect(existsSync(swishBundle.path)).toBe(true);
    expect(alarm.repro).toBe(swishBundle.path);
    expect(swish.console).toContain(`a test from it: gradstream repro ${swishBundle.path}`);
  });

  it("holds the swish's own input (its 4 features, not the network's 3), dy, the step and the audit's options", () => {
    const { bundle } = swishBundle;
    expect(bundle).toMatchObject({ kind: 'audit-failed', node: 'swish_1', layer: { name: 'swish' }, context: { training: true, step: bundle.step } });
    expect(bundle.x.shape).toEqual([8, 4]);
    expect(bundle.dy.shape).toEqual([8, 4]);
    expect(bundle.check).toEqual({ mode: 'fast', seed: bundle.step, probes: 2 });
    expect(Math.max(...bundle.x.data)).toBeGreaterThan(2);
  });
});

describe('the guard stops a run on a NaN gradient, with a bundle', () => {
  it('ends the run with a NonFiniteError and an alarm naming the bundle', () => {
    expect(guarded.failure).toBeInstanceOf(NonFiniteError);
    expect(dirname(nanBundle.path)).toBe(join(folder, 'nan.repro'));
    expect(nanBundle.bundle).toMatchObject({ kind: 'non-finite-gradient', node: 'xTanh_1', step: 4, check: {} });
    expect(Array.from(nanBundle.bundle.x.data.subarray(3, 6))).toEqual([0, 0, 0]); // the all-zero sample, after dense without bias
  });
});

describe('gradstream repro', () => {
  it('checks the audit bundle again, shrinks it to one row and prints a test calling swish()', () => {
    expect(reproSwish.stderr).toBe('');
    expect(reproSwish.code).toBe(1);
    expect(reproSwish.stdout).toContain('FAILED again (gradient)');
    expect(reproSwish.stdout).toContain('x [8, 4] → [1, 4]');
    const test = testOf(reproSwish.stdout);
    // The module given with --module, not a placeholder: the test runs as printed.
    expect(test).toContain(`import { swish } from '${modules.swish}'; // ← the module as given, from where the check ran`);
    expect(test).toContain('const layer = swish();');
    expect(test).toMatch(/const x = tensor\(\[\[[^\]]*\]\]\);/);
  });

  it('reproduces the NaN and shrinks it to the zero input', () => {
    expect(reproNan.code).toBe(1);
    expect(reproNan.stdout).toContain('FAILED again (finite values)');
    expect(reproNan.stdout).toMatch(/✗ finite values: xTanh\.dx\[0, \d\] is NaN/);
    expect(testOf(reproNan.stdout)).toContain('const x = tensor([[0, 0, 0]]);');
  });

  it('prints the same as a child process', () => {
    expect(child.stderr).toBe('');
    expect(child.code).toBe(1);
    expect(child.stdout).toBe(reproSwish.stdout);
  });
});

describe('the printed tests, pasted', () => {
  it('type-check once the module is filled in', () => {
    const errors = typeChecked.errors.filter((error) => pastedFiles.includes(error.file));
    expect(errors.map((error) => `${error.file}:${error.line}: ${error.message}`)).toEqual([]);
    expect(typeChecked.otherOutput, 'the compiler ran on the project (no configuration error)').not.toMatch(/error TS/);
  });

  it('fail for the planted mistakes, each for its own reason', () => {
    expect(ran.code).toBe(1);
    expect(ran.files.get('swishWithMistake.test.ts')?.status).toBe('failed');
    expect(ran.files.get('swishWithMistake.test.ts')?.failures).toMatch(/swish: FAILED \(full mode, input \[1, 4\].*\n\s+✗ gradient: 1 of 4 coordinates disagree/);
    expect(ran.files.get('xTanhWithMistake.test.ts')?.status).toBe('failed');
    expect(ran.files.get('xTanhWithMistake.test.ts')?.failures).toMatch(/xTanh: FAILED .*\n\s+✗ finite values: xTanh\.dx\[0, \d\] is NaN/);
  });

  it('pass for the fixed layers', () => {
    expect(ran.files.get('swishFixed.test.ts')?.status).toBe('passed');
    expect(ran.files.get('xTanhFixed.test.ts')?.status).toBe('passed');
  });
});
