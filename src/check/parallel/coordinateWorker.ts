/**
 * A worker that judges shares of full mode's coordinates (see `coordinateJob.ts`), one job at a
 * time, for a thread that waits for it without running its event loop (see `coordinatePool.ts`):
 * each answer is posted on the job's port, then announced in shared memory, where the waiting
 * thread sleeps on it. The layers it builds are kept by source, so that the cases of one
 * property build each layer once.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { Layer } from '../../layers/contract.ts';
import { buildLayer } from './buildLayer.ts';
import { judgeJob, type CoordinateAnswer, type CoordinateJob } from './coordinateJob.ts';
import { announce, markState, type CoordinateWorkerSetup } from './signals.ts';
import { messageOf } from '../../util/errorText.ts';

const setup = workerData as CoordinateWorkerSetup;
const underTsx = setup.launch.loaders.length > 0;
const layers = new Map<string, Promise<Layer>>();

process.on('exit', () => markState(setup.signals, 'ended'));
setup.port.on('message', (job: CoordinateJob) => void answer(setup.port, job));
markState(setup.signals, 'ready');

async function answer(port: MessagePort, job: CoordinateJob): Promise<void> {
  let reply: CoordinateAnswer;
  try {
    reply = judgeJob(await layerFor(job), job);
  } catch (error) {
    reply = { ok: false, reason: `building the layer again failed: ${messageOf(error)}` };
  }
  port.postMessage(reply);
  announce(setup.signals);
}

/** The layer of the job's source, built once; its parameters are written over by each job. */
function layerFor(job: CoordinateJob): Promise<Layer> {
  const key = JSON.stringify(job.source);
  let layer = layers.get(key);
  if (!layer) {
    layer = buildLayer(job.source, underTsx);
    layers.set(key, layer);
    layer.catch(() => layers.delete(key));
  }
  return layer;
}
