/**
 * Every layer factory takes a `name` option: walked over the registry, so a new layer that
 * forgets it fails here. Each entry's example call is read back from its factoryCall and
 * called again with a name added to its options (appended when the call has none).
 */
import { describe, expect, it } from 'vitest';
import { builtinLayers } from '../../src/layers/registry.ts';
import { batchNorm } from '../../src/layers/batchNorm.ts';
import { dropout } from '../../src/layers/dropout.ts';
import { leakyRelu } from '../../src/layers/leakyRelu.ts';
import { relu } from '../../src/layers/relu.ts';
import type { Layer } from '../../src/layers/contract.ts';

const isOptions = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The entry's call, again, with `{ name }` merged into its options argument or appended as one. */
function argsWithName(args: readonly unknown[], name: string): unknown[] {
  const last = args[args.length - 1];
  return isOptions(last) ? [...args.slice(0, -1), { ...last, name }] : [...args, { name }];
}

/** Each registered factory once (gelu and conv2d have two entries), with its example layer. */
const factories = [...new Map(builtinLayers.map((entry) => [entry.factory, entry])).values()];

describe('every layer factory takes name', () => {
  // test/layers/registry.test.ts checks that every layer file is in the registry.
  it('reads every factory of the registry, each with a factoryCall to take its arguments from', () => {
    for (const entry of factories) expect(entry.make().factoryCall, entry.name).toBeDefined();
  });

  for (const entry of factories) {
    it(`${entry.factory.name}: the name given, or the factory's name by default`, () => {
      const call = entry.make().factoryCall!;
      const named: Layer = entry.factory(...argsWithName(call.args, 'custom'));
      expect(named.name).toBe('custom');
      // Built again from its own factoryCall (what a checkpoint or a repro does), it keeps the name.
      expect(entry.factory(...named.factoryCall!.args).name).toBe('custom');
      const unnamed = call.args.map((arg) => (isOptions(arg) ? { ...arg, name: undefined } : arg));
      expect(entry.factory(...unnamed).name).toBe(entry.factory.name);
    });
  }

  it('refuses a name that is not a non-empty string, naming the factory', () => {
    expect(() => relu({ name: '' })).toThrow(new TypeError('relu: the name option must be a non-empty string, got ""'));
    expect(() => batchNorm(3, { name: 7 as never })).toThrow(new TypeError('batchNorm: the name option must be a non-empty string, got 7'));
    expect(() => leakyRelu(0.1, null as never)).toThrow(new TypeError('leakyRelu: options must be an object, got null'));
  });

  it('keeps the factoryCall of a call without options as it was (relu() is recorded with no arguments)', () => {
    expect(relu().factoryCall).toEqual({ factory: 'relu', args: [] });
    expect(leakyRelu(0.2).factoryCall).toEqual({ factory: 'leakyRelu', args: [0.2] });
  });

  it('names the layer in its own errors', () => {
    expect(() => batchNorm(3, { eps: -1, name: 'bn1' })).toThrow(new RangeError('bn1: eps must be a finite number ≥ 0, got -1'));
    expect(dropout(0.5, { name: 'drop1' }).name).toBe('drop1');
  });
});
