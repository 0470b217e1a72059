import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as publicEntry from '../../src/index.ts';
import { builtinOptimizers, findOptimizer } from '../../src/optim/registry.ts';
import { createRegistry } from '../../src/layers/registry.ts';

const optimDirectory = fileURLToPath(new URL('../../src/optim/', import.meta.url));
/** The files of src/optim/ that define an optimizer: those that call defineOptimizer. */
const optimizerFiles = readdirSync(optimDirectory)
  .filter((file) => file.endsWith('.ts') && file !== 'defineOptimizer.ts')
  .filter((file) => /\bdefineOptimizer\(/.test(readFileSync(optimDirectory + file, 'utf8')));
const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/torch-optimizers.json', import.meta.url)), 'utf8')) as { cases: { name: string; optimizer: string }[] };

describe('the optimizer registry', () => {
  it('finds the optimizer files (sgd, adam, rmsprop at least)', () => {
    expect(optimizerFiles).toEqual(expect.arrayContaining(['sgd.ts', 'adam.ts', 'rmsprop.ts']));
  });

  it('registers every optimizer file of src/optim/ under the factory the file is named after, exported by the public entry', () => {
    const registered = new Map<unknown, string>(builtinOptimizers.map((entry) => [entry.factory, entry.name]));
    for (const file of optimizerFiles) {
      const factoryName = file.replace(/\.ts$/, '');
      const factory = (publicEntry as Record<string, unknown>)[factoryName];
      expect(factory, `src/optim/${file} should export ${factoryName}, and gradstream's entry (src/browser.ts) should export it too`).toBeTypeOf('function');
      expect(registered.get(factory), `src/optim/${file} (${factoryName}) is not in the optimizer registry (src/optim/registry.ts)`).toBe(factoryName);
    }
  });

  it('names each entry as its optimizer names itself, and each variant after its entry; every variant builds', () => {
    for (const entry of builtinOptimizers) {
      expect(entry.factory(0.1).name).toBe(entry.name);
      expect(entry.factory.name, 'the factory function is named after its optimizer').toBe(entry.name);
      expect(entry.factory(0.1).state().kind).toBe(entry.name);
      expect(entry.variants[0], `${entry.name}: the first variant is the defaults`).toEqual({ name: entry.name, options: {} });
      for (const variant of entry.variants) {
        expect(variant.name === entry.name || variant.name.startsWith(`${entry.name} `), variant.name).toBe(true);
        expect(entry.factory(0.1, variant.options).hyperparameters).toMatchObject(variant.options);
      }
      expect(findOptimizer(entry.name)).toBe(entry);
    }
    expect(findOptimizer('adagrad')).toBeUndefined();
  });

  it('has a PyTorch case for every variant, and no case the registry lacks (test/optim/torchReference.test.ts compares them)', () => {
    const variants = builtinOptimizers.flatMap((entry) => entry.variants.map((variant) => variant.name));
    const cases = fixture.cases.map((c) => c.name);
    expect(variants.filter((name) => !cases.includes(name)), 'variants without a case: add them to scripts/reference/torch_optimizers.py and run it').toEqual([]);
    expect(cases.filter((name) => !variants.includes(name)), 'cases of no registered variant').toEqual([]);
  });

  it('switches on every setting of every optimizer in some variant', () => {
    for (const entry of builtinOptimizers) {
      const settings = Object.keys(entry.factory(0.1).hyperparameters).filter((name) => name !== 'lr');
      const exercised = new Set(entry.variants.flatMap((variant) => Object.keys(variant.options)));
      expect(settings.filter((name) => !exercised.has(name)), `${entry.name}: settings no variant sets`).toEqual([]);
    }
  });

  it('refuses a name registered twice', () => {
    expect(() => createRegistry('optimizer', [{ name: 'sgd' }, { name: 'sgd' }])).toThrow("optimizer registry: the name 'sgd' is registered twice");
  });
});
