/**
 * `gradstream repro <bundle.json>`: checks a repro bundle's case again (a failed live audit, or
 * a layer where the guard caught a NaN or ±Infinity beginning), shrinks it to the smallest case that
 * still fails the same way, and prints it as a test to paste. A built-in layer is rebuilt from
 * the registry by the bundle's factory call; a custom one from the module given with --module
 * (see src/check/repro/rebuildLayer.ts for how the export is chosen).
 *
 * Exit codes: 1 the case fails again (its test is printed); 0 it passes now (fixed, or not the
 * run's layer); 2 a usage error, a bundle that cannot be read, or a layer that cannot be built.
 */
import { readFileSync } from 'node:fs';
import { UsageError, type Command } from '../command.ts';
import { readArguments, type OptionTable } from '../options.ts';
import { formatUsage } from '../usage.ts';
import { expecting, InvalidValue, positiveInteger, type ValueType } from '../valueTypes.ts';
import { existingFile } from '../pathTypes.ts';
import { printable, printableMessage } from '../printable.ts';
import { decodeBundle, ReproBundleError } from '../../check/repro/bundleCodec.ts';
import { builtinMaker, moduleMaker, RebuildError, type LayerMaker } from '../../check/repro/rebuildLayer.ts';
import { loadLayerModule } from '../../check/repro/loadLayerModule.ts';
import { formatReproOutcome, reproduce } from '../../check/repro/reproduce.ts';
import type { ReproBundle } from '../../check/repro/bundle.ts';
import { stackOf } from '../../util/errorText.ts';

/** Candidates the shrinker checks at most, unless --max-checks says otherwise. */
const defaultMaxChecks = 2000;

/** A JavaScript identifier: the name of an export. */
const exportName: ValueType<string> = {
  expected: 'the name of an export (a JavaScript identifier)',
  placeholder: 'NAME',
  parse(text) {
    if (!/^[A-Za-z_$][\w$]*$/.test(text)) throw expecting(exportName.expected, text);
    return text;
  },
};

/** A JSON array: a factory's arguments. */
const jsonArray: ValueType<unknown[]> = {
  expected: "a JSON array of the factory's arguments (such as '[3, 4, {\"bias\": false}]')",
  placeholder: 'JSON',
  parse(text) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw expecting(jsonArray.expected, text, ` (${(error as Error).message})`);
    }
    if (!Array.isArray(value)) throw expecting(jsonArray.expected, text);
    return value;
  },
};

const options = {
  module: { kind: 'value', type: existingFile, description: "the module that exports the layer's factory or LayerSpec (needed unless the layer is a built-in)" },
  factory: { kind: 'value', type: exportName, description: "the module's export that builds the layer (default: the factory the bundle names, a LayerSpec or a factory named as the layer)" },
  args: { kind: 'value', type: jsonArray, description: "the factory's arguments as a JSON array (default: those the bundle recorded, else none)" },
  'max-checks': { kind: 'value', type: positiveInteger, description: `candidates the shrinker checks at most (default ${defaultMaxChecks})` },
} as const satisfies OptionTable;

const usage = formatUsage({
  synopsis: ['repro <bundle.json> [--module FILE [--factory NAME] [--args JSON]] [options]'],
  arguments: [['bundle.json', 'a repro bundle a run wrote (a failed audit, or a NaN or ±Infinity the guard caught at a layer)']],
  options,
});

/** What `gradstream repro` was asked to do. */
interface ReproInvocation {
  readonly bundlePath: string;
  readonly module: string | undefined;
  readonly factory: string | undefined;
  readonly args: unknown[] | undefined;
  readonly maxChecks: number;
}

export const reproCommand: Command<ReproInvocation> = {
  name: 'repro',
  summary: "check a run's repro bundle again, shrink it and print it as a test to paste",
  usage: () => usage,
  parse(args) {
    const { positionals, values } = readArguments('repro', options, args);
    if (positionals.length !== 1) throw new UsageError(`repro: expected one bundle file, got ${positionals.length === 0 ? 'none' : positionals.map(printable).join(' ')}`);
    const bundlePath = positionals[0]!;
    try {
      existingFile.parse(bundlePath);
    } catch (error) {
      if (error instanceof InvalidValue) throw new UsageError(`repro: ${error.message}`);
      throw error;
    }
    for (const option of ['factory', 'args'] as const) {
      if (values[option] !== undefined && values.module === undefined) throw new UsageError(`repro: --${option} needs --module FILE`);
    }
    return { bundlePath, module: values.module, factory: values.factory, args: values.args, maxChecks: values['max-checks'] ?? defaultMaxChecks };
  },
  async execute(invocation, { stdout, stderr }) {
    let bundle: ReproBundle;
    let maker: LayerMaker;
    try {
      bundle = decodeBundle(readFileSync(invocation.bundlePath, 'utf8'), invocation.bundlePath);
      maker = await layerMaker(bundle, invocation);
    } catch (error) {
      if (error instanceof ReproBundleError || error instanceof RebuildError) {
        stderr.write(`${printableMessage(error.message.startsWith('repro:') ? error.message : `repro: ${error.message}`)}\n`);
        return 2;
      }
      throw error;
    }
    let outcome;
    try {
      outcome = reproduce(bundle, maker, { maxChecks: invocation.maxChecks });
    } catch (error) {
      if (!(error instanceof RebuildError)) throw error;
      stderr.write(`${printableMessage(error.message)}\n`);
      return 2;
    }
    stdout.write(`${printableMessage(formatReproOutcome(bundle, maker, outcome))}\n`);
    return outcome.reproduced ? 1 : 0;
  },
};

/** The layer's maker: from the module when one is given, else the built-in the bundle names. */
async function layerMaker(bundle: ReproBundle, { module, factory, args }: ReproInvocation): Promise<LayerMaker> {
  if (module === undefined) {
    const builtin = builtinMaker(bundle);
    if (builtin) return builtin;
    const named = bundle.layer.factoryCall ? ` (the bundle names its factory, ${bundle.layer.factoryCall.factory}, which is not a built-in)` : '';
    throw new RebuildError(`repro: the bundle's layer ${bundle.layer.name} is not a built-in layer${named}: pass --module FILE, the module that exports its factory (and --factory NAME)`);
  }
  let exports: Record<string, unknown>;
  try {
    exports = await loadLayerModule(module);
  } catch (error) {
    if (error instanceof RebuildError) throw error;
    throw new RebuildError(`repro: ${module} failed to load: ${stackOf(error)}`);
  }
  return moduleMaker(bundle, { exports, module, ...(factory !== undefined ? { factory } : {}), ...(args !== undefined ? { args } : {}) });
}
