/**
 * The explicit registry of built-in optimizers, beside the layer registry. Each entry names
 * the factory and the configurations (variants) the tests walk: every variant is compared
 * with PyTorch's trajectory (test/fixtures/torch-optimizers.json, found by the variant's
 * name), run through `verifyOptimizer`, and fuzzed. Registering a name twice throws; a test
 * fails when a file of src/optim/ that defines an optimizer is missing here, or when a
 * variant has no PyTorch fixture.
 */
import { createRegistry } from '../layers/registry.ts';
import type { Optimizer } from './optimizer.ts';
import { sgd } from './sgd.ts';
import { adam } from './adam.ts';
import { rmsprop } from './rmsprop.ts';

/** One configuration of a registered optimizer that the tests run. */
export interface OptimizerVariant {
  /** `<optimizer> <what differs>` (`sgd nesterov`): the key of its PyTorch fixture. */
  readonly name: string;
  /** The options given to the factory; `{}` for the defaults. */
  readonly options: Readonly<Record<string, number | boolean>>;
}

/** A registered optimizer: its factory (the export of the file of the same name) and its variants. */
export interface OptimizerEntry {
  /** The optimizer's name and its state's `kind`. */
  readonly name: string;
  /** The exported factory (`sgd` for `'sgd'`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly factory: (learningRate: number, options?: any) => Optimizer;
  /**
   * Configurations that between them switch on every setting, the defaults first. A variant
   * with weight decay is compared with PyTorch but not given to `verifyOptimizer`, which
   * checks descent on the loss alone.
   */
  readonly variants: readonly OptimizerVariant[];
}

/** Every built-in optimizer, with the variants its tests run. */
export const builtinOptimizers: readonly OptimizerEntry[] = createRegistry<OptimizerEntry>('optimizer', [
  {
    name: 'sgd',
    factory: sgd,
    variants: [
      { name: 'sgd', options: {} },
      { name: 'sgd momentum', options: { momentum: 0.9 } },
      { name: 'sgd dampening', options: { momentum: 0.8, dampening: 0.3 } },
      { name: 'sgd nesterov', options: { momentum: 0.9, nesterov: true } },
      { name: 'sgd weight decay', options: { momentum: 0.5, weightDecay: 0.1 } },
    ],
  },
  {
    name: 'adam',
    factory: adam,
    variants: [
      { name: 'adam', options: {} },
      { name: 'adam betas', options: { beta1: 0.8, beta2: 0.99, eps: 1e-6 } },
      { name: 'adam weight decay', options: { weightDecay: 0.1 } },
    ],
  },
  {
    name: 'rmsprop',
    factory: rmsprop,
    variants: [
      { name: 'rmsprop', options: {} },
      { name: 'rmsprop alpha', options: { alpha: 0.9, eps: 1e-6 } },
      { name: 'rmsprop momentum', options: { momentum: 0.9 } },
      { name: 'rmsprop centered', options: { centered: true } },
      { name: 'rmsprop centered momentum', options: { centered: true, momentum: 0.5 } },
      { name: 'rmsprop weight decay', options: { weightDecay: 0.1 } },
    ],
  },
]);

/** The registered optimizer of a name, or undefined. */
export function findOptimizer(name: string): OptimizerEntry | undefined {
  return builtinOptimizers.find((entry) => entry.name === name);
}
