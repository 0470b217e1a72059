/** Checks shared by the optimizers' `loadState`. */
import { describe } from '../../tensor/tensor.ts';

/**
 * Throws unless a saved state's hyperparameters equal the optimizer's for `names`: resuming
 * with other settings would not continue the same run. (The learning rate is restored from
 * the state instead, since a schedule may have changed it.)
 */
export function assertSameSettings(
  where: string,
  current: Readonly<Record<string, number | boolean>>,
  saved: Readonly<Record<string, number | boolean>> | undefined,
  names: readonly string[],
): void {
  for (const name of names) {
    const value = saved?.[name];
    if (value !== undefined && value !== current[name]) {
      throw new RangeError(`${where}.loadState: the saved state has ${name} = ${describe(value)}, this optimizer ${describe(current[name])}; create the optimizer with the saved settings`);
    }
  }
}
