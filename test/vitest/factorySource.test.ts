/**
 * Reading a factory back as the call a pasted test makes. This file's own arrows go through
 * vitest's transform, as a user's do: `swish` is really `(0,__vite_ssr_import_N__.swish)` here.
 */
import { describe, expect, it } from 'vitest';
import * as gradstream from '../../src/index.ts';
import { builtinLayers, builtinLosses, findLayer } from '../../src/layers/registry.ts';
import { conv2d } from '../../src/layers/conv2d.ts';
import { factoryCallSource, rootIdentifier } from '../../src/check/property/factorySource.ts';
import { swish } from './fixtures/swish.ts';
import * as layers from './fixtures/swish.ts';

/** A function of no parameters whose source is exactly `source` (as another tool's transform left it). */
const compiled = (source: string): unknown => new Function(`return ${source}`)();

describe('factoryCallSource', () => {
  it('calls a named factory by its name', () => {
    expect(factoryCallSource(swish)).toBe('swish()');
    function makeSwish() {
      return swish();
    }
    expect(factoryCallSource(makeSwish)).toBe('makeSwish()');
  });

  it('reads the call of an arrow, with literal arguments, through the test runner’s import rewriting', () => {
    expect(factoryCallSource(() => swish({ beta: 2 }))).toBe('swish({ beta: 2 })');
    expect(factoryCallSource(() => swish())).toBe('swish()');
    expect(factoryCallSource(() => layers.swish({ beta: -0.5 }))).toMatch(/^swish\(\{ beta: -0?\.5 \}\)$/); // the transform may write -.5
    expect(factoryCallSource(() => conv2d(1, 2, [2, 3], { stride: [2, 1], padding: [1, 0], bias: false, name: 'c' }))).toMatch(
      /^conv2d\(1, 2, \[2, 3\], \{ stride: \[2, 1\], padding: \[1, 0\], bias: false, name: (['"])c\1 \}\)$/,
    );
    expect(factoryCallSource(() => { return swish({ beta: 3 }); })).toBe('swish({ beta: 3 })');
    expect(factoryCallSource(function () { return swish({ beta: 3 }); })).toBe('swish({ beta: 3 })');
  });

  it('reads past a spec’s `make` and a local `make`, names that say nothing', () => {
    const spec = { make: () => swish({ beta: 2 }) };
    expect(factoryCallSource(spec.make)).toBe('swish({ beta: 2 })');
    const make = () => swish();
    expect(factoryCallSource(make)).toBe('swish()');
  });

  it('undoes other tools’ import rewriting and folds line breaks', () => {
    expect(factoryCallSource(compiled('() => (0, _swish.swish)({ beta: 2 })'))).toBe('swish({ beta: 2 })');
    expect(factoryCallSource(compiled('() => __vi_import_0__.swish({\n\t\tbeta: 2\n\t})'))).toBe('swish({ beta: 2 })');
    expect(factoryCallSource(compiled('() => mutants.wrongSign.make()'))).toBe('mutants.wrongSign.make()');
    expect(factoryCallSource(compiled('() => swish({ beta: 1e-3, gamma: -2.5E+2, delta: .5 })'))).toBe('swish({ beta: 1e-3, gamma: -2.5E+2, delta: .5 })');
    expect(factoryCallSource(compiled("() => swish({ 'beta': 0x10, name: \"a, b: c\" })"))).toBe("swish({ 'beta': 0x10, name: \"a, b: c\" })");
  });

  it('gives undefined when the call would not stand on its own in another file', () => {
    const beta = 2;
    const options = { beta };
    expect(factoryCallSource(() => swish({ beta }))).toBeUndefined(); // a variable of the test
    expect(factoryCallSource(() => swish(options))).toBeUndefined();
    expect(factoryCallSource(() => swish({ ...options }))).toBeUndefined();
    expect(factoryCallSource(() => swish({ beta: Math.PI }))).toBeUndefined();
    expect(factoryCallSource(compiled('() => swish({ name: `a${1}` })'))).toBeUndefined();
    expect(factoryCallSource(compiled('() => swish(options())'))).toBeUndefined();
    expect(factoryCallSource(compiled('() => new Swish()'))).toBeUndefined();
    expect(factoryCallSource(compiled('() => swish()()'))).toBeUndefined();
    expect(factoryCallSource(() => findLayer('dense')!.make())).toBeUndefined(); // a call on a call's result
    expect(factoryCallSource(compiled('() => { cov_1().s[0]++; return swish(); }'))).toBeUndefined(); // coverage counters
    expect(factoryCallSource(compiled('(o) => swish(o)'))).toBeUndefined();
    expect(factoryCallSource(swish.bind(null))).toBeUndefined(); // "bound swish"
    expect(factoryCallSource('swish')).toBeUndefined();
  });
});

describe('rootIdentifier', () => {
  it('is the name a pasted test imports', () => {
    expect(rootIdentifier('swish({ beta: 2 })')).toBe('swish');
    expect(rootIdentifier('mutants.wrongSign.make()')).toBe('mutants');
    expect(rootIdentifier('findLayer("dense")!.make()')).toBe('findLayer');
  });

  it('names only what gradstream exports, for the built-ins a pasted test may import from it', () => {
    const names = [...builtinLayers, ...builtinLosses].map((entry) => entry.factory.name);
    expect(names.filter((name) => !(name in gradstream))).toEqual([]);
    expect(findLayer.name in gradstream).toBe(true);
  });
});
