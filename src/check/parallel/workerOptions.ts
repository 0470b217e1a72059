/** The checks of the options that ask for coordinate workers, shared by `checkGradients` and `verifyLayer`. */
import { describe } from '../../tensor/tensor.ts';
import { assertLayerSource } from './layerSource.ts';
import { finiteAtLeastZero } from '../../util/argumentChecks.ts';

/** Most threads one check may ask for. */
export const mostWorkers = 256;

/** Throws a RangeError or TypeError naming the option when `workers`, `workerThreshold` or `layerSource` is malformed. */
export function assertWorkerOptions(where: string, options: { workers?: unknown; workerThreshold?: unknown; layerSource?: unknown }): void {
  const { workers, workerThreshold, layerSource } = options;
  if (workers !== undefined && !(Number.isInteger(workers) && (workers as number) >= 1 && (workers as number) <= mostWorkers)) {
    throw new RangeError(`${where}: workers must be an integer in [1, ${mostWorkers}], got ${describe(workers)}`);
  }
  if (workerThreshold !== undefined) finiteAtLeastZero(workerThreshold, where, 'workerThreshold');
  if (layerSource !== undefined) assertLayerSource(where, layerSource);
}
