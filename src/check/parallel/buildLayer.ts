/**
 * A worker's side of {@link LayerSource}: the layer built again from the registry, a module's
 * export or a module's spec. Modules load the way `check`'s spec workers load them
 * (`loadSpecModule.ts`), once per worker.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Layer } from '../../layers/contract.ts';
import { builtinLayers } from '../../layers/registry.ts';
import { describe } from '../../tensor/tensor.ts';
import { builtinSpecs, findSpecs } from '../property/verifySpecs.ts';
import { loadSpecModule } from '../isolated/loadSpecModule.ts';
import type { LayerSource } from './layerSource.ts';
import { moduleUrl } from './coordinatePool.ts';

/** This copy's entry, `src/index.ts` or `dist/index.js`, loaded before a required CommonJS module. */
const ownEntry = new URL(`../../index${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

const modules = new Map<string, Promise<Record<string, unknown>>>();

function loadOnce(module: string, underTsx: boolean): Promise<Record<string, unknown>> {
  const url = moduleUrl(module);
  let loaded = modules.get(url);
  if (!loaded) modules.set(url, (loaded = loadSpecModule(url, underTsx, ownEntry)));
  return loaded;
}

/** A fresh layer from `source`; throws with what was looked for when there is none. `underTsx`: whether tsx's hooks are registered here. */
export async function buildLayer(source: LayerSource, underTsx: boolean): Promise<Layer> {
  if (source.kind === 'builtin') {
    const entry = builtinLayers.find((candidate) => candidate.factory.name === source.call.factory);
    if (!entry) throw new Error(`no built-in factory is named ${source.call.factory}`);
    return entry.factory(...source.call.args);
  }
  if (source.kind === 'spec') {
    const specs = source.module === null ? builtinSpecs() : findSpecs(await loadOnce(source.module, underTsx));
    const found = specs[source.index];
    if (!found || found.kind !== 'layer') throw new Error(`${source.module ?? 'the built-ins'} has no layer spec at index ${source.index}`);
    return found.spec.make();
  }
  const value = (await loadOnce(source.module, underTsx))[source.export];
  if (typeof value === 'function') return (value as (...args: unknown[]) => Layer)(...(source.args ?? []));
  if (typeof (value as { make?: unknown } | undefined)?.make === 'function') return (value as { make: () => Layer }).make();
  throw new Error(`${source.module}'s export ${source.export} is ${describe(value)}, neither a layer factory nor a LayerSpec`);
}
