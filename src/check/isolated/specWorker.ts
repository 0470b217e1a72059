/**
 * The worker that loads spec modules and checks their specs, one job at a time (see
 * protocol.ts). It runs in a worker thread with a heap limit, so that whatever a spec module
 * does (loop, allocate without bound, call `process.exit`, await for ever) ends this thread
 * only, and the runner can say which of these happened.
 *
 * While a job loads a module, the worker does not keep itself alive: if the module's top-level
 * await waits on a promise nothing will ever settle, the thread runs out of work and ends, and
 * the runner reports exactly that instead of waiting for the time limit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { extname, isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinSpecs, featuresProblem, findSpecs, formatFeatures, formatFailures, summarizeOutcome, verifySpec, type FoundSpec } from '../property/verifySpecs.ts';
import { describe } from '../../tensor/tensor.ts';
import { stackOf } from '../../util/errorText.ts';
import { featureBudgetProblem } from './featureBudget.ts';
import { explainSecondCopy, showsForeignTensor } from './secondCopy.ts';
import { recordExitCall, type ModuleUrl, type SpecJob, type SpecListing, type WorkerReply, type WorkerSetup } from './protocol.ts';
import { loadSpecModule } from './loadSpecModule.ts';
// Installs the coordinate workers a spec splits its full-mode coordinates across (`--workers`).
import '../parallel/coordinatePool.ts';

const port = parentPort!;
const setup = workerData as WorkerSetup;
/** Whether tsx's hooks are registered in this worker, which changes how CommonJS modules load. */
const underTsx = setup.launch.loaders.length > 0;
/** This copy's entry, `src/index.ts` or `dist/index.js`, for telling a second copy apart. */
const ownEntry = new URL(`../../index${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** A loaded module: its exports and the specs among them. */
interface LoadedModule {
  readonly exports: Readonly<Record<string, unknown>>;
  readonly specs: readonly FoundSpec[];
}

/** Every module loaded so far, by URL (null: the built-ins). */
const loaded = new Map<ModuleUrl, Promise<LoadedModule>>();

recordProcessExit();
port.on('message', (job: SpecJob) => void answer(job));
send({ kind: 'ready' });

function send(reply: WorkerReply): void {
  port.postMessage(reply);
}

async function answer(job: SpecJob): Promise<void> {
  let module: LoadedModule;
  const cached = loaded.has(job.module);
  port.unref();
  try {
    module = await load(job.module);
  } catch (error) {
    port.ref();
    send({ kind: 'loadFailed', message: error instanceof Error ? stackOf(error) : `it threw ${describe(error)}` });
    return;
  }
  port.ref();
  if (job.kind === 'list') {
    const exports = module.specs.length === 0 ? Object.entries(module.exports).map(([key, value]) => `${key} (${describeExport(value)})`) : [];
    send({ kind: 'listed', specs: module.specs.map(listing), exports });
    return;
  }
  if (!cached) send({ kind: 'loaded' });
  const outcome = verifySpec(module.specs[job.index]!, job.options, { kind: 'spec', module: job.module, index: job.index }, job.module === null ? undefined : importPathFrom(job.module));
  if (outcome.result.ok) {
    send({ kind: 'verified', row: summarizeOutcome(outcome), ok: true });
    return;
  }
  const failure = formatFailures([outcome]);
  const foreign = job.module === null ? undefined : showsForeignTensor(failure);
  const secondCopy = foreign === undefined ? {} : { secondCopy: `${explainSecondCopy(job.module!, fileURLToPath(ownEntry))}\n  the check saw: ${foreign.trim()}` };
  send({ kind: 'verified', row: summarizeOutcome(outcome), ok: false, failure, ...secondCopy });
}

function load(url: ModuleUrl): Promise<LoadedModule> {
  let module = loaded.get(url);
  if (module === undefined) {
    module =
      url === null
        ? Promise.resolve({ exports: {}, specs: builtinSpecs() })
        : loadSpecModule(url, underTsx, ownEntry.href).then((exports) => ({ exports, specs: findSpecs(exports) }));
    loaded.set(url, module);
  }
  return module;
}

/** A found spec as the runner lists it, with what keeps it from being checked. */
function listing({ spec, source }: FoundSpec): SpecListing {
  const features: unknown = spec.features;
  const problem = featuresProblem(features) ?? featureBudgetProblem(features as number[], setup.memoryMb);
  return { name: spec.name, source, features: formatFeatures(features), ...(problem !== undefined ? { problem } : {}) };
}

/** An export of a module with no spec (`42`, `a function (swish)`), with an object's keys, so that a spec missing one shows which. */
function describeExport(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return describe(value);
  const keys = Object.keys(value);
  return keys.length === 0 ? 'an empty object' : `an object with ${keys.join(', ')}`;
}

/**
 * Makes `process.exit` note its code in the exit cell before it ends the thread, so that the
 * runner can tell a module's `process.exit(0)` from a thread that ran out of work.
 */
function recordProcessExit(): void {
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => {
    const given = Number(code ?? process.exitCode ?? 0);
    recordExitCall(setup.exitCell, Number.isInteger(given) ? given : 1);
    return exit(code);
  }) as typeof process.exit;
}

/**
 * A spec module's location (a file URL or a path) as the pasted test's import: a path from the
 * current directory, starting with `./` or `../` so that it is not read as a package name.
 */
function importPathFrom(location: string): string {
  const path = location.startsWith('file:') ? fileURLToPath(location) : location;
  const fromHere = relative(process.cwd(), path).split(sep).join('/');
  return fromHere.startsWith('../') || isAbsolute(fromHere) ? fromHere : `./${fromHere}`;
}
