/**
 * The runs dashboard in a real browser: Debian's Chromium driven by playwright-core.
 *
 * 1. Five training runs of a learning-rate sweep, in this process, each recording its JSONL
 *    file with watch, write into one directory while the page is open: it shows the five
 *    live, and a sixth started later appears by itself; hiding a run in the legend takes its
 *    line off every chart, the smoothing slider draws TensorBoard's smoothing of the recorded
 *    losses, and a click on a column sorts the table.
 * 2. What a researcher types: `gradstream run iris --seed 1 --jsonl runs/a.jsonl` with seeds 1,
 *    2 and 3 (run in this process), then `gradstream dashboard runs/` (a child process) shows
 *    the three runs overlaid, with their seeds in the table's configuration columns.
 *
 * Child training processes start slowly here (each compiles the sources through tsx), so the
 * sweep's runs train in this process; each still writes its own file, which the dashboard's
 * server thread reads as it would another process's. With GRADSTREAM_RUNS_SCREENSHOT=<dir>
 * the pages are saved there (docs/runs-sweep.png and docs/runs-iris.png are made this way).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { sgd } from '../../src/optim/sgd.ts';
import { predict } from '../../src/graph/evaluate.ts';
import { softmaxCrossEntropy } from '../../src/layers/softmaxCrossEntropy.ts';
import { argmaxRows } from '../../src/tensor/rows.ts';
import type { TrainHandle } from '../../src/graph/trainer.ts';
import type { StepEvent } from '../../src/telemetry/events.ts';
import { readJsonl } from '../../src/telemetry/jsonlFile.ts';
import { startRunsDashboard, type RunsDashboard } from '../../src/telemetry/runs/runsDashboard.ts';
import { watch, type Watch } from '../../src/telemetry/watch.ts';
import { smooth } from '../../src/telemetry/dashboard/client/runsMath.js';
import { cli } from '../cli/inProcess.ts';
import { assertProgram, requireProgram } from './externalProgram.ts';
import { gatedRun, opening, syntheticBatch, type RunGate } from './tinyRun.ts';

const chromiumPath = '/usr/bin/chromium';
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const folder = mkdtempSync(join(tmpdir(), 'gradstream-runs-browser-'));
const screenshots = process.env.GRADSTREAM_RUNS_SCREENSHOT;

interface PageRun {
  key: string;
  file: string;
  name: string | null;
  status: string;
  steps: number;
}
interface PageState {
  runs: PageRun[];
  /** Per chart, the keys of the runs it draws a line of, and how many points each line has. */
  lines: Record<string, { key: string; points: number }[]>;
  tableOrder: string[];
  draws: number;
}

interface DrawnLine {
  key: string;
  xs: number[];
  ys: (number | null)[];
}

/** What the page's window holds, as the tests read it (the page's own types are plain JavaScript). */
interface PageGlobal {
  gradstreamRuns: {
    runs: Map<string, { key: string; file: string; name: string | null; status: string; steps: { step: number[] } }>;
    drawn: Record<string, DrawnLine[]>;
    tableOrder: string[];
    draws: number;
  };
  document: { getElementById(id: string): { value: string; dispatchEvent(event: unknown): boolean } };
  Event: new (type: string) => unknown;
}

/** What the page holds and draws now (without the drawn values: they are asked for apart, being large). */
const pageState = (page: Page): Promise<PageState> =>
  page.evaluate(() => {
    const state = (globalThis as unknown as PageGlobal).gradstreamRuns;
    return {
      runs: [...state.runs.values()].map((run) => ({ key: run.key, file: run.file, name: run.name, status: run.status, steps: run.steps.step.length })),
      lines: Object.fromEntries(Object.entries(state.drawn).map(([chart, lines]) => [chart, lines.map((line) => ({ key: line.key, points: line.xs.length }))])),
      tableOrder: [...state.tableOrder],
      draws: state.draws,
    };
  });

/** The lines a chart drew last, with their values. */
const drawnLines = (page: Page, chart: string): Promise<DrawnLine[]> =>
  page.evaluate((id) => JSON.parse(JSON.stringify((globalThis as unknown as PageGlobal).gradstreamRuns.drawn[id] ?? [])) as DrawnLine[], chart);

/** Moves the smoothing slider to `weight`, as a hand dragging it does (an input event). */
const setSmoothing = (page: Page, weight: number): Promise<void> =>
  page.evaluate((value) => {
    const page = globalThis as unknown as PageGlobal;
    const input = page.document.getElementById('smoothing');
    input.value = String(value);
    input.dispatchEvent(new page.Event('input'));
  }, weight);

/** Waits until `predicate` holds for the page's state (checked every 200 ms). */
async function until(page: Page, predicate: (state: PageState) => boolean, timeoutMs = 45_000): Promise<PageState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await pageState(page);
    if (predicate(state)) return state;
    if (Date.now() > deadline) throw new Error(`the page did not get there in ${timeoutMs} ms; it holds ${JSON.stringify(state.runs)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits for a redraw that began after an action (the action asked for one; streamed events may have asked before it). */
async function redrawn(page: Page, action: () => Promise<void>): Promise<PageState> {
  await action();
  const after = (await pageState(page)).draws;
  return until(page, (state) => state.draws > after);
}

const linesOf = (state: PageState, chart: string): string[] => (state.lines[chart] ?? []).map((line) => line.key).sort();
/** Whether the loss chart draws every step the page holds of every run (no redraw pending). */
const allDrawn = (state: PageState): boolean => state.runs.every((run) => state.lines['chart-loss']?.find((line) => line.key === run.key)?.points === run.steps);

let browser: Browser | undefined;
const watches: Watch[] = [];
const training: TrainHandle[] = [];
let dashboard: RunsDashboard | undefined;

afterAll(async () => {
  for (const run of training) run.stop();
  await Promise.all(training.map((run) => run.result.catch(() => undefined)));
  await Promise.all(watches.map((watching) => watching.dispose()));
  await browser?.close();
  await dashboard?.dispose();
  rmSync(folder, { recursive: true, force: true });
});

/**
 * A run of the sweep: the tiny net at learning rate `lr`, one batch every 40 ms, recorded to
 * `<name>.jsonl`, scoring a held-out batch every 25 steps (its data is one stream, so it sends
 * the scores itself, with recordEvaluation).
 */
async function sweepRun(directory: string, name: string, lr: number, steps: number, gates: readonly RunGate[] = []): Promise<TrainHandle> {
  const run = gatedRun(steps, 40, gates, { optimizer: sgd(lr), name, config: { lr, sweep: 'learning rate' } });
  const heldOut = syntheticBatch(10_000, 60);
  const labels = argmaxRows(heldOut.target);
  run.taps.step$.subscribe(({ step }) => {
    if (step % 25 !== 0) return;
    const y = predict(run.graph, heldOut.x);
    const predicted = argmaxRows(y);
    const accuracy = predicted.filter((label, row) => label === labels[row]).length / labels.length;
    run.recordEvaluation({ split: 'held out', loss: softmaxCrossEntropy().forward(y, heldOut.target).loss, accuracy });
  });
  training.push(run);
  watches.push(await watch(run, { console: false, jsonl: join(directory, `${name}.jsonl`), layerStats: { everySteps: 10 } }));
  return run;
}

describe('the runs dashboard in Chromium', () => {
  it.runIf(requireProgram(chromiumPath, 'Chromium runs dashboard'))('shows five live runs and a sixth that starts later; the legend hides lines, smoothing redraws them, the table sorts', { timeout: 240_000 }, async () => {
    assertProgram(chromiumPath, 'apt-get install -y --no-install-recommends chromium');
    const directory = join(folder, 'sweep');
    mkdirSync(directory);
    const rates = [0.4, 0.2, 0.1, 0.05, 0.02];
    // The runs wait (still running) after step 150 until the page has seen them live, and after
    // step 240 until it has seen them grow: on a loaded machine the page may take longer than a
    // run's 10 s to get there, and what is checked is the page, not the machine's speed.
    const seenLive = opening();
    const seenGrowing = opening();
    const gates = [{ beforeStep: 150, open: seenLive.promise }, { beforeStep: 240, open: seenGrowing.promise }];
    const runs = await Promise.all(rates.map((lr) => sweepRun(directory, `lr ${lr}`, lr, 250, gates)));
    dashboard = await startRunsDashboard({ paths: [directory], pollMs: 200 });
    browser = await chromium.launch({ executablePath: chromiumPath, args: flags, headless: true });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1150 } });
    await page.goto(dashboard.url);

    // Five runs, live: running, and their lines grow on the loss chart.
    const live = await until(page, (state) => state.runs.length === 5 && state.runs.every((run) => run.status === 'running' && run.steps >= 5) && linesOf(state, 'chart-loss').length === 5);
    seenLive.resolve();
    const grown = await until(page, (state) => state.runs.every((run) => run.steps > live.runs.find((before) => before.key === run.key)!.steps + 5));
    expect(grown.runs.every((run) => run.status === 'running')).toBe(true);
    seenGrowing.resolve();

    // A sixth, started after the page opened, appears by itself.
    const late = await sweepRun(directory, 'lr 0.01', 0.01, 150);
    const six = await until(page, (state) => state.runs.length === 6 && linesOf(state, 'chart-loss').length === 6);
    const lateKey = six.runs.find((run) => run.name === 'lr 0.01')!.key;

    // The legend hides a run's lines on every chart, and shows them again.
    const hidden = await redrawn(page, () => page.click(`#legend .legend-item[data-key="${lateKey}"]`));
    expect(linesOf(hidden, 'chart-loss')).not.toContain(lateKey);
    expect(linesOf(hidden, 'chart-learning-rate')).not.toContain(lateKey);
    expect(linesOf(hidden, 'chart-loss')).toHaveLength(5);
    const shown = await redrawn(page, () => page.click(`#legend .legend-item[data-key="${lateKey}"]`));
    expect(linesOf(shown, 'chart-loss')).toContain(lateKey);

    // Their evaluations too, one line each on the evaluation charts.
    expect(linesOf(await until(page, (state) => linesOf(state, 'chart-eval-accuracy').length === 6), 'chart-eval-accuracy')).toEqual(linesOf(six, 'chart-loss'));

    // Every run ends; the table marks them.
    await Promise.all([...runs, late].map((run) => run.result));
    await Promise.all(watches.map((watching) => watching.finished));
    const ended = await until(page, (state) => state.runs.every((run) => run.status === 'completed') && state.runs.every((run) => run.steps === (run.name === 'lr 0.01' ? 150 : 250)) && allDrawn(state));
    expect(await page.locator('#runs tbody tr').count()).toBe(6);

    // Smoothing: the drawn values are TensorBoard's smoothing of the recorded losses.
    const recorded = new Map(ended.runs.map((run) => [run.key, readJsonl(join(directory, `${run.name}.jsonl`)).events.filter((event): event is StepEvent => event.type === 'step').map((event) => event.loss)]));
    for (const line of await drawnLines(page, 'chart-loss')) expect(line.ys).toEqual(recorded.get(line.key));
    await redrawn(page, () => setSmoothing(page, 0.9));
    const smoothed = await drawnLines(page, 'chart-loss');
    expect(smoothed).toHaveLength(6);
    for (const line of smoothed) {
      const expected = smooth(recorded.get(line.key)!, 0.9) as number[];
      expect(line.ys).toHaveLength(expected.length);
      line.ys.forEach((y, i) => expect(y).toBeCloseTo(expected[i]!, 12));
      expect(line.ys).not.toEqual(recorded.get(line.key));
    }

    // x as wall time: seconds since each run started, from its events' clock.
    await redrawn(page, () => page.selectOption('#x-axis', 'time').then(() => undefined));
    for (const line of await drawnLines(page, 'chart-loss')) {
      const run = ended.runs.find((candidate) => candidate.key === line.key)!;
      const times = readJsonl(join(directory, `${run.name}.jsonl`)).events;
      const start = times[0]!.time;
      expect(line.xs).toEqual(times.filter((event) => event.type === 'step').map((event) => (event.time - start) / 1000));
    }

    // A click on "final loss" sorts the table by it; another reverses it.
    const finalLoss = (key: string): number => recorded.get(key)!.at(-1)!;
    const byLoss = [...recorded.keys()].sort((a, b) => finalLoss(a) - finalLoss(b));
    const ascending = await redrawn(page, () => page.click('#runs th[data-column="final loss"]'));
    expect(ascending.tableOrder).toEqual(byLoss);
    const descending = await redrawn(page, () => page.click('#runs th[data-column="final loss"]'));
    expect(descending.tableOrder).toEqual([...byLoss].reverse());
    // The configuration column that differs, lr, is in the table.
    expect(await page.locator('#runs th[data-column="lr"]').count()).toBe(1);

    const screenshot = await page.screenshot({ fullPage: true, ...(screenshots ? { path: join(screenshots, 'runs-sweep.png') } : {}) });
    expect(screenshot.subarray(1, 4).toString()).toBe('PNG');
    await page.close();
  });

  it.runIf(requireProgram(chromiumPath, 'Chromium runs dashboard'))('gradstream run iris with seeds 1, 2 and 3, then gradstream dashboard runs/: three runs overlaid, their seeds in the table', { timeout: 240_000 }, async () => {
    assertProgram(chromiumPath, 'apt-get install -y --no-install-recommends chromium');
    const directory = join(folder, 'runs');
    mkdirSync(directory);
    for (const [seed, file] of [[1, 'a'], [2, 'b'], [3, 'c']] as const) {
      const done = await cli(['run', 'iris', '--seed', String(seed), '--jsonl', join(directory, `${file}.jsonl`)]);
      expect(done.code, done.stderr).toBe(0);
    }
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'dashboard', directory], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let output = '';
      child.stdout.setEncoding('utf8');
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          output += chunk;
          const found = /^runs dashboard: (\S+)$/m.exec(output);
          if (found) resolve(found[1]!);
        });
        child.once('exit', (code) => reject(new Error(`gradstream dashboard exited early with ${code}: ${output}`)));
      });
      browser ??= await chromium.launch({ executablePath: chromiumPath, args: flags, headless: true });
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(url);
      const state = await until(page, (seen) => seen.runs.length === 3 && seen.runs.every((run) => run.status === 'completed') && linesOf(seen, 'chart-eval-accuracy').length === 3);
      expect(linesOf(state, 'chart-loss')).toEqual(['1', '2', '3']);
      expect(state.runs.map((run) => run.name).sort()).toEqual(['iris --seed 1', 'iris --seed 2', 'iris --seed 3']);
      // The seed is the configuration that differs: it has a column, one seed a row.
      const seeds = await page.locator('#runs tbody tr').evaluateAll((rows) => rows.map((row) => {
        const index = [...row.closest('table')!.querySelectorAll('thead th')].findIndex((th) => th.getAttribute('data-column') === 'seed');
        return row.children[index]!.textContent;
      }));
      expect(seeds.sort()).toEqual(['1', '2', '3']);
      const screenshot = await page.screenshot({ fullPage: true, ...(screenshots ? { path: join(screenshots, 'runs-iris.png') } : {}) });
      expect(screenshot.subarray(1, 4).toString()).toBe('PNG');
      await page.close();
    } finally {
      child.kill('SIGINT');
    }
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
    expect(code).toBe(0);
  });
});
