import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as publicEntry from '../../src/index.ts';
import { builtinLayers, builtinLosses, createRegistry } from '../../src/layers/registry.ts';

/** The files of src/layers/ that are infrastructure rather than one layer or loss each. */
const infrastructure = new Set(['contract.ts', 'defineLayer.ts', 'registry.ts']);
const layerFiles = readdirSync(fileURLToPath(new URL('../../src/layers/', import.meta.url)))
  .filter((file) => file.endsWith('.ts') && !infrastructure.has(file));

describe('the registry', () => {
  it('registers every file of src/layers/ under the factory the file is named after', () => {
    const registered = new Map<unknown, string>([...builtinLayers, ...builtinLosses].map((entry) => [entry.factory, entry.name]));
    for (const file of layerFiles) {
      const factoryName = file.replace(/\.ts$/, '');
      const factory = (publicEntry as Record<string, unknown>)[factoryName];
      expect(factory, `src/layers/${file} should export ${factoryName}, and gradstream's entry (src/browser.ts) should export it too`).toBeTypeOf('function');
      expect(registered.has(factory), `src/layers/${file} (${factoryName}) is not in the registry`).toBe(true);
    }
  });

  it('builds every entry with its example configuration', () => {
    for (const entry of builtinLayers) expect(entry.make().name).toBeTypeOf('string');
    for (const entry of builtinLosses) expect(entry.make().name).toBe(entry.name);
  });

  it('refuses a name registered twice', () => {
    expect(() => createRegistry('layer', [{ name: 'a' }, { name: 'a' }])).toThrow("layer registry: the name 'a' is registered twice");
  });
});
