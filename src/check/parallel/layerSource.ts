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
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FactoryCall, Layer } from '../../layers/contract.ts';
import { builtinLayers } from '../../layers/registry.ts';
import { describe } from '../../tensor/tensor.ts';

/** How a worker builds the layer of a check again; see the module's comment. */
export type LayerSource =
  | { readonly kind: 'builtin'; readonly call: FactoryCall }
  /** `module`: a file URL, or a path (resolved against the current directory). `args`: the factory's arguments; default none. */
  | { readonly kind: 'module'; readonly module: string; readonly export: string; readonly args?: readonly unknown[] }
  /** `module` null: the built-in specs. */
  | { readonly kind: 'spec'; readonly module: string | null; readonly index: number };

/** The source given, else the registry's factory that the layer's `factoryCall` names; else why there is none. */
export function layerSourceOf(layer: Layer, given?: LayerSource): { source: LayerSource } | { reason: string } {
  if (given !== undefined) return { source: normalized(given) };
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

/** A module path made a file URL, so that it means the same in a worker whatever its directory. */
function normalized(source: LayerSource): LayerSource {
  if (source.kind !== 'module' || /^[a-z]+:/i.test(source.module)) return source;
  const file = isAbsolute(source.module) ? source.module : resolve(source.module);
  return { ...source, module: pathToFileURL(file).href };
}
