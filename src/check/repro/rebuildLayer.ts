/**
 * Building a bundle's layer again. A bundle holds no code, so the layer comes from one of:
 *
 * - the registry, for a built-in layer: the bundle's `factoryCall` names a registered factory
 *   (`dense`), called with the recorded arguments;
 * - a module the user names (`--module ./layers.ts`): the export `--factory` names (a factory,
 *   called with `--args` or the bundle's recorded arguments, or a LayerSpec), else the factory
 *   the bundle's `factoryCall` names, else a LayerSpec or a factory named as the layer.
 *
 * Then the bundle's parameters and buffers are written over the fresh layer's, after checking
 * that it has exactly the bundle's parameters, each of the bundle's shape.
 */
import { formatShape, sameShape } from '../../tensor/tensor.ts';
import type { Layer, LayerSpec } from '../../layers/contract.ts';
import { builtinLayers } from '../../layers/registry.ts';
import { factoryCallSource } from '../property/factorySource.ts';
import { findSpecs } from '../property/verifySpecs.ts';
import type { ReproBundle } from './bundle.ts';
import { callSource } from './callSource.ts';

/** How `repro` builds the layer, and how the pasted test writes that call. */
export interface LayerMaker {
  /** Builds a fresh layer (its parameters are then overwritten with the bundle's). */
  readonly make: () => Layer;
  /** The call the pasted test makes (`dense(3, 4)`, `swish()`); undefined: a marked placeholder. */
  readonly call?: string | undefined;
  /**
   * Where the test imports the call's factory from: `'gradstream'` for a built-in, the module
   * given to repro (as a path from where it ran) for a factory it exports; undefined: a marked
   * placeholder (a LayerSpec's factory, which the module need not export).
   */
  readonly module?: string | undefined;
  /** Where the layer came from, for the report (`the built-in dense`, `swish, exported by layers.ts`). */
  readonly origin: string;
}

/** A bundle's layer that cannot be built: the message says what was looked for and what to pass. */
export class RebuildError extends Error {
  /** Always `'RebuildError'`. */
  override readonly name = 'RebuildError';
}

/** The built-in factory the bundle's `factoryCall` names, or undefined when it names none. */
export function builtinMaker(bundle: ReproBundle): LayerMaker | undefined {
  const call = bundle.layer.factoryCall;
  const entry = call && builtinLayers.find((candidate) => candidate.factory.name === call.factory);
  if (!call || !entry) return undefined;
  return { make: () => entry.factory(...call.args), call: callSource(call), module: 'gradstream', origin: `the built-in ${call.factory}` };
}

/** What the user said about the module: its exports, its name for messages, and `--factory` / `--args`. */
export interface ModuleChoice {
  readonly exports: Readonly<Record<string, unknown>>;
  /** The module as typed, for messages. */
  readonly module: string;
  /** The export to use (`--factory`). Default: found from the bundle. */
  readonly factory?: string | undefined;
  /** The factory's arguments (`--args`). Default: the bundle's recorded ones when it names the same factory, else none. */
  readonly args?: readonly unknown[] | undefined;
}

/** The layer maker a module provides for the bundle's layer (see the file's comment for the order). */
export function moduleMaker(bundle: ReproBundle, choice: ModuleChoice): LayerMaker {
  const { exports, module } = choice;
  const recorded = bundle.layer.factoryCall;
  const wanted = choice.factory ?? (recorded && typeof exports[recorded.factory] === 'function' ? recorded.factory : undefined);
  if (wanted !== undefined) {
    const value = exports[wanted];
    if (value === undefined) throw new RebuildError(`repro: ${module} has no export named ${wanted}; its exports: ${exportList(exports)}`);
    if (isLayerSpecShaped(value)) return specMaker(value, `${wanted}, a LayerSpec exported by ${module}`);
    if (typeof value !== 'function') throw new RebuildError(`repro: ${module}'s export ${wanted} is neither a layer factory nor a LayerSpec ({ name, make, features })`);
    const args = choice.args ?? (recorded?.factory === wanted ? recorded.args : []);
    const factory = value as (...args: unknown[]) => Layer;
    return { make: () => factory(...args), call: callSource({ factory: wanted, args }), module: importSpecifier(module), origin: `${wanted}, exported by ${module}` };
  }
  const spec = findSpecs(exports).find((found) => found.kind === 'layer' && found.spec.name === bundle.layer.name);
  if (spec) return specMaker(spec.spec as LayerSpec, `the LayerSpec ${spec.source}, exported by ${module}`);
  const named = exports[bundle.layer.name];
  if (typeof named === 'function') {
    const factory = named as () => Layer;
    return { make: () => factory(), call: `${bundle.layer.name}()`, module: importSpecifier(module), origin: `${bundle.layer.name}, exported by ${module}` };
  }
  throw new RebuildError(
    `repro: ${module} exports no factory or LayerSpec for the bundle's layer ${bundle.layer.name}; its exports: ${exportList(exports)}. ` +
      'Name the one that builds it: --factory <export> (and --args \'[…]\' for its arguments)',
  );
}

/**
 * The module path as given (from the directory repro ran in) as an import specifier: a relative
 * path starts with `./` or `../`, so that it is not read as a package name.
 */
function importSpecifier(path: string): string {
  return path.startsWith('/') || path.startsWith('./') || path.startsWith('../') ? path : `./${path}`;
}

/** A spec's maker: its `make`, called by the name the spec's factory reads back as, when it does. */
function specMaker(spec: LayerSpec, origin: string): LayerMaker {
  const call = factoryCallSource(spec.make);
  return { make: () => spec.make(), ...(call !== undefined ? { call } : {}), origin };
}

function isLayerSpecShaped(value: unknown): value is LayerSpec {
  return typeof value === 'object' && value !== null && typeof (value as LayerSpec).make === 'function' && typeof (value as LayerSpec).name === 'string';
}

function exportList(exports: Readonly<Record<string, unknown>>): string {
  const names = Object.keys(exports).filter((name) => name !== 'default' || exports[name] !== undefined);
  return names.length === 0 ? 'none' : names.join(', ');
}

/**
 * A fresh layer from `maker`, holding the bundle's parameters and buffers. Throws a
 * {@link RebuildError} when it does not have exactly the bundle's parameters and shapes.
 */
export function layerOfBundle(maker: LayerMaker, bundle: ReproBundle): Layer {
  let layer: Layer;
  try {
    layer = maker.make();
  } catch (error) {
    throw new RebuildError(`repro: building the layer from ${maker.origin} threw: ${(error as Error)?.message ?? String(error)}`);
  }
  if (typeof layer?.forward !== 'function' || typeof layer.params !== 'object' || layer.params === null) {
    throw new RebuildError(`repro: ${maker.origin} did not return a layer ({ name, params, forward })`);
  }
  const describeParams = (params: Readonly<Record<string, { shape: readonly number[] }>>) =>
    Object.keys(params).length === 0 ? 'none' : Object.entries(params).map(([key, t]) => `${key} ${formatShape(t.shape)}`).join(', ');
  const fits = (given: Readonly<Record<string, { shape: readonly number[] }>>, recorded: Readonly<Record<string, { shape: readonly number[] }>>) =>
    Object.keys(given).length === Object.keys(recorded).length && Object.entries(recorded).every(([key, t]) => given[key] !== undefined && sameShape(given[key].shape, t.shape));
  if (!fits(layer.params, bundle.params)) {
    throw new RebuildError(
      `repro: the layer from ${maker.origin} has parameters ${describeParams(layer.params)}; the bundle's ${bundle.layer.name} has ${describeParams(bundle.params)}. ` +
        'Build it with the arguments of the run (--args \'[…]\')',
    );
  }
  const buffers = layer.buffers ?? {};
  if (!fits(buffers, bundle.buffers)) {
    throw new RebuildError(`repro: the layer from ${maker.origin} has buffers ${describeParams(buffers)}; the bundle's has ${describeParams(bundle.buffers)}`);
  }
  for (const [key, t] of Object.entries(bundle.params)) layer.params[key]!.data.set(t.data);
  for (const [key, t] of Object.entries(bundle.buffers)) buffers[key]!.data.set(t.data);
  return layer;
}
