/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core against a
 * live training run. The loss chart gains points while the run trains, a reload picks the
 * run up again with no gap. With GRADSTREAM_SCREENSHOT=<path> the finished page is saved
 * there (the README's docs/dashboard.png is made this way), so a plain test run changes no
 * tracked file.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { watch, type Watch } from '../../src/telemetry/watch.ts';
import { readJsonl } from '../../src/telemetry/jsonlFile.ts';
import type { TrainHandle } from '../../src/graph/trainer.ts';
import { assertProgram, requireProgram } from './externalProgram.ts';
import { gatedRun, opening, syntheticBatch } from './tinyRun.ts';

const chromiumPath = '/usr/bin/chromium';
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

interface PageState {
  lastSeq: number;
  received: number;
  gaps: number;
  duplicates: number;
  status: string;
  lossSteps: number[];
  lossPointsDrawn: number;
}

const pageState = (page: Page): Promise<PageState> =>
  page.evaluate(() => {
    const state = (globalThis as unknown as { gradstream: PageState }).gradstream;
    return { ...state, lossSteps: [...state.lossSteps] };
  });

const consecutiveFrom1 = (steps: number[]): boolean => steps.every((step, i) => step === i + 1);

let context: BrowserContext | undefined;
let run: TrainHandle | undefined;
let watching: Watch | undefined;
const userDataDir = mkdtempSync(join(tmpdir(), 'gradstream-chromium-'));

afterAll(async () => {
  run?.stop();
  await run?.result.catch(() => undefined);
  await context?.close();
  await watching?.dispose();
  rmSync(userDataDir, { recursive: true, force: true });
});

describe('the dashboard in Chromium', () => {
  it.runIf(requireProgram(chromiumPath, 'Chromium dashboard'))('draws the loss live, resumes after a reload without gaps, and keeps the whole run', async () => {
    assertProgram(chromiumPath, 'apt-get install -y --no-install-recommends chromium');
    // 12 s of training, which waits (still running) after step 100 until the page has drawn its
    // first points and after step 200 until it has drawn more: the page must find it running even
    // when the server thread takes seconds to start (it compiles the TypeScript sources through
    // tsx) and gets little CPU on a busy machine.
    const seenEarly = opening();
    const seenLater = opening();
    run = gatedRun(300, 40, [{ beforeStep: 100, open: seenEarly.promise }, { beforeStep: 200, open: seenLater.promise }], { runId: 'browser-run', validation: [syntheticBatch(10_000, 60)] });
    const record = join(userDataDir, 'run.jsonl');
    watching = await watch(run, { console: false, jsonl: record, dashboard: true, prometheus: true, layerStats: { everyMs: 100 }, audits: { everySteps: 25 } });
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: chromiumPath, args: flags, headless: true, viewport: { width: 1400, height: 1000 } });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(watching.dashboard!.url);

    // The chart gains points while training runs.
    await page.waitForFunction(() => (globalThis as unknown as { gradstream: PageState }).gradstream.lossPointsDrawn >= 10);
    const early = await pageState(page);
    expect(early.status).toBe('running');
    seenEarly.resolve();
    await page.waitForFunction((seen) => (globalThis as unknown as { gradstream: PageState }).gradstream.lossPointsDrawn > seen + 10, early.lossPointsDrawn);
    const later = await pageState(page);
    expect(later.status).toBe('running');
    seenLater.resolve();
    expect(later.lossPointsDrawn).toBeGreaterThan(early.lossPointsDrawn);
    expect(consecutiveFrom1(later.lossSteps)).toBe(true);

    // A reload starts over from the server's copy of the run: every step from 1, no gap, no duplicate.
    await page.reload();
    await page.waitForFunction((seen) => (globalThis as unknown as { gradstream: PageState }).gradstream.lossSteps.length > seen, later.lossSteps.length);
    const reloaded = await pageState(page);
    expect(consecutiveFrom1(reloaded.lossSteps)).toBe(true);
    expect(reloaded.gaps).toBe(0);
    expect(reloaded.duplicates).toBe(0);

    // The run ends; the page holds all of it.
    await run.result;
    await page.waitForFunction(() => (globalThis as unknown as { gradstream: PageState }).gradstream.status === 'completed', undefined, { timeout: 30_000 });
    await page.waitForFunction(() => (globalThis as unknown as { gradstream: PageState }).gradstream.lossPointsDrawn >= 300);
    const final = await pageState(page);
    expect(final.lossSteps).toHaveLength(300);
    expect(consecutiveFrom1(final.lossSteps)).toBe(true);
    expect(final.lastSeq).toBe(watching.dashboard!.events() - 1);
    // Seven charts of figures, and the first layer's three distributions (outputs, parameters, gradients) as bands.
    expect(await page.locator('.uplot').count()).toBe(10);
    const bands = await page.evaluate(() => {
      const view = (globalThis as unknown as { gradstreamDistributions: { layers: string[]; shown: string; drawnSteps: Record<string, number> } }).gradstreamDistributions;
      return { layers: view.layers, shown: view.shown, drawnSteps: view.drawnSteps };
    });
    expect(bands.layers).toEqual(['dense_1', 'relu_1', 'dense_2']);
    expect(bands.shown).toBe('dense_1');
    await watching.finished;
    const dense1Samples = readJsonl(record).events.filter((event) => event.type === 'layer-stats' && event.layer === 'dense_1' && event.quantiles).length;
    expect(dense1Samples).toBeGreaterThan(5);
    expect(bands.drawnSteps).toEqual({ activations: dense1Samples, weights: dense1Samples, gradients: dense1Samples });
    // A layer without parameters has only its outputs' distribution.
    await page.selectOption('#distribution-layer', 'relu_1');
    expect(await page.locator('.distributions .uplot').count()).toBe(1);
    await page.selectOption('#distribution-layer', 'dense_1');
    expect(await page.locator('#layers tbody tr').count()).toBe(3);
    // The first sweep (3 layers, steps 1 to 3), then one every 25 steps.
    expect(await page.locator('#audits tbody tr').count()).toBe(3 + 12);

    // A page opened after the run ended shows everything too.
    const late = await context.newPage();
    await late.goto(watching.dashboard!.url);
    await late.waitForFunction(() => (globalThis as unknown as { gradstream: PageState }).gradstream.status === 'completed');
    expect((await pageState(late)).lossSteps).toHaveLength(300);
    await late.close();

    const screenshot = await page.screenshot({ fullPage: true, ...(process.env.GRADSTREAM_SCREENSHOT ? { path: process.env.GRADSTREAM_SCREENSHOT } : {}) });
    expect(screenshot.subarray(1, 4).toString()).toBe('PNG');
  });
});
