/**
 * Where a worker builds a layer again. A worker shares no objects with the thread that runs the
 * check, only data, so the layer has to be made anew there from something that names it:
 *
 * - `builtin`: a registered factory and its arguments, as a built-in layer's `factoryCall` says;
 * - `module`: a module's export, a factory (called with `args`) or a LayerSpec (its `make()`);
 * - `spec`: the spec at an index among a module's specs, as `gradstream check` lists them.
 *
 * A layer made in a closure of a user's test has none of these: it is checked in one thread.
 * Whatever the source, the worker's layer is only used once it has the check's parameters and
 * gives the check's output bit for bit (see `coordinateJob.ts`).
 */
import type { FactoryCall, Layer } from '../../layers/contract.ts';
import { builtinLayers } from '../../layers/registry.ts';
import { describe } from '../../tensor/tensor.ts';

/** How a worker builds the layer of a check again; see the module's comment. */
export type LayerSource =
  | {
      /** A registered factory. */
      readonly kind: 'builtin';
      /** The factory's name and arguments, as a built-in layer's `factoryCall` holds them. */
      readonly call: FactoryCall;
    }
  | {
      /** A module's export. */
      readonly kind: 'module';
      /** A file URL, or a path resolved against the current directory. */
      readonly module: string;
      /** The export's name: a layer factory or a LayerSpec. */
      readonly export: string;
      /** The factory's arguments. Default: none. */
      readonly args?: readonly unknown[] | undefined;
    }
  | {
      /** A spec among a module's specs. */
      readonly kind: 'spec';
      /** A file URL, or null for the built-in specs. */
      readonly module: string | null;
      /** Its index among the module's specs, in the order `gradstream check` lists them. */
      readonly index: number;
    };

/** The source given, else the registry's factory that the layer's `factoryCall` names; else why there is none. */
export function layerSourceOf(layer: Layer, given?: LayerSource): { source: LayerSource } | { reason: string } {
  if (given !== undefined) return { source: given };
  const call = layer.factoryCall;
  if (call === undefined) return { reason: `${layer.name} has no factoryCall and no layerSource was given, so a worker cannot build it again` };
  if (!builtinLayers.some((entry) => entry.factory.name === call.factory)) {
    return { reason: `${layer.name}'s factoryCall names ${call.factory}, which is not a built-in factory, and no layerSource was given` };
  }
  return { source: { kind: 'builtin', call } };
}

/** Throws a TypeError naming what is wrong with a `layerSource` option. */
export function assertLayerSource(where: string, source: unknown): void {
  const given = source as Partial<Record<string, unknown>>;
  const expected = "{ kind: 'module', module, export, args? }, { kind: 'builtin', call } or { kind: 'spec', module, index }";
  const ok =
    typeof given === 'object' && given !== null &&
    ((given.kind === 'module' && typeof given.module === 'string' && typeof given.export === 'string' && (given.args === undefined || Array.isArray(given.args))) ||
      (given.kind === 'builtin' && typeof (given.call as FactoryCall | undefined)?.factory === 'string' && Array.isArray((given.call as FactoryCall).args)) ||
      (given.kind === 'spec' && (given.module === null || typeof given.module === 'string') && Number.isSafeInteger(given.index)));
  if (!ok) throw new TypeError(`${where}: layerSource must be ${expected}, got ${describe(source)}`);
}
