/**
 * A failing case as a whole test file a person can paste: the imports (vitest, gradstream and
 * the user's own factory, whose module path only the user knows and so is a marked
 * placeholder), then one `test` that rebuilds the case and checks it at that one point.
 */
import type { ForwardContext } from '../../layers/contract.ts';
import { defaultContext } from '../../layers/contract.ts';
import { builtinLayers, builtinLosses, findLayer, findLoss } from '../../layers/registry.ts';
import type { GradientMode } from '../report/report.ts';
import { rootIdentifier } from './factorySource.ts';

/** What the rendered test replays. */
export interface CounterexampleSource {
  /**
   * The expression that builds the layer or loss, e.g. `dense(3, 4)` or `mutants.wrongSign.make()`;
   * its leading name is imported. Default: a marked placeholder, `makeLayer()` or `makeLoss()`.
   */
  readonly make?: string | undefined;
  /**
   * The module `make`'s leading name is imported from: `'gradstream'` for a built-in layer
   * (imported with `tensor`), or the user's module when the caller knows it (`gradstream repro
   * --module`). Default: a marked placeholder the user replaces with their module.
   */
  readonly module?: string | undefined;
  readonly mode?: GradientMode | undefined;
  /** The check's seed (fast mode's probe directions), when the case needs one other than 0. */
  readonly seed?: number | undefined;
  /** Fast mode's directions per tensor, when the case needs other than 2. */
  readonly probes?: number | undefined;
  readonly context?: ForwardContext | undefined;
  /**
   * The replay call of the whole property. Not written into the test: the failure's first line
   * states the seed and path once, and the pasted test needs neither.
   */
  readonly replay?: string | undefined;
}

/** Where the pasted test imports the user's factory from: a placeholder the user replaces. */
const factoryModulePlaceholder = './your-layer';

/** Names gradstream itself exports that a case may start with (the registry's look-ups). */
const libraryRoots: ReadonlySet<string> = new Set([findLayer.name, findLoss.name]);

/**
 * The built-in factories' names. A case that starts with one may still be the user's own layer
 * of the same name (a gelu variant called `gelu`), and a failing case almost always is: the
 * import stays a placeholder, with a word on the built-in.
 */
const builtinFactoryNames: ReadonlySet<string> = new Set([...builtinLayers, ...builtinLosses].map((entry) => entry.factory.name));

/** A number as JavaScript source that reads back exactly. */
export function numberSource(value: number): string {
  if (Object.is(value, -0)) return '-0';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return String(value);
}

/** Row-major values as nested array source for a shape. */
function nestedSource(values: readonly number[], shape: readonly number[]): string {
  if (shape.length <= 1) return `[${values.map(numberSource).join(', ')}]`;
  const rows = shape[0]!;
  const stride = values.length / Math.max(rows, 1);
  const parts: string[] = [];
  for (let r = 0; r < rows; r++) parts.push(nestedSource(values.slice(r * stride, (r + 1) * stride), shape.slice(1)));
  return `[${parts.join(', ')}]`;
}

/** The test of a layer case: build, set parameters, x, dy, check. */
export function layerCaseSource(
  name: string,
  drawn: { params: Readonly<Record<string, readonly number[]>>; x: readonly number[]; dy: readonly number[] },
  shapes: { x: readonly number[]; y: readonly number[]; params: Readonly<Record<string, readonly number[]>> },
  source: CounterexampleSource = {},
): string {
  const lines = [`const layer = ${source.make ?? 'makeLayer()'};${source.make ? '' : ' // ← your layer factory, called as in your test'}`];
  for (const [key, values] of Object.entries(drawn.params)) {
    lines.push(`layer.params[${JSON.stringify(key)}]!.data.set(${nestedSource(values, [values.length])});`);
  }
  lines.push(`const x = tensor(${nestedSource(drawn.x, shapes.x)});`);
  lines.push(`const dy = tensor(${nestedSource(drawn.dy, shapes.y)});`);
  lines.push(`const report = checkGradients(layer, x, { ${checkOptionsSource(source, 'dy')} });`);
  lines.push('expect(report.ok, formatReport(report)).toBe(true);');
  return testFileSource(name, 'checkGradients', source.make ?? 'makeLayer()', source.make === undefined, lines, source.module);
}

/** The test of a loss case: build, prediction, target, check. */
export function lossCaseSource(
  name: string,
  drawn: { prediction: readonly number[]; target: readonly number[] },
  shapes: { prediction: readonly number[]; target: readonly number[] },
  source: CounterexampleSource = {},
): string {
  const options = checkOptionsSource(source);
  const lines = [
    `const loss = ${source.make ?? 'makeLoss()'};${source.make ? '' : ' // ← your loss factory, called as in your test'}`,
    `const prediction = tensor(${nestedSource(drawn.prediction, shapes.prediction)});`,
    `const target = tensor(${nestedSource(drawn.target, shapes.target)});`,
    `const report = checkLossGradients(loss, prediction, target${options ? `, { ${options} }` : ''});`,
    'expect(report.ok, formatReport(report)).toBe(true);',
  ];
  return testFileSource(name, 'checkLossGradients', source.make ?? 'makeLoss()', source.make === undefined, lines, source.module);
}

/**
 * The imports and the `test` around a case's body. The factory's leading name comes from the
 * user's module, at a placeholder path; gradstream's own look-ups (`findLayer`) from gradstream.
 */
function testFileSource(name: string, check: string, make: string, placeholder: boolean, body: readonly string[], module?: string): string {
  const factory = rootIdentifier(make) ?? 'makeLayer';
  const fromLibrary = libraryRoots.has(factory) || (module === 'gradstream' && !placeholder);
  const imports = [
    "import { expect, test } from 'vitest';",
    `import { ${[...(fromLibrary ? [factory] : []), 'tensor', check, 'formatReport'].join(', ')} } from 'gradstream';`,
  ];
  if (!fromLibrary && module !== undefined && !placeholder) {
    const note = module === 'gradstream' ? '' : ' // ← the module as given, from where the check ran: adjust the path for your test file';
    imports.push(`import { ${factory} } from ${singleQuoted(module)};${note}`);
  } else if (!fromLibrary) {
    const builtin = builtinFactoryNames.has(factory) ? ` ('gradstream' for the built-in ${factory})` : '';
    const note = placeholder
      ? `replace ${factory} with your factory, and '${factoryModulePlaceholder}' with its module`
      : `replace '${factoryModulePlaceholder}' with the module that exports ${factory}${builtin}`;
    imports.push(`import { ${factory} } from '${factoryModulePlaceholder}'; // ← ${note}`);
  }
  return [
    ...imports,
    '',
    `test(${singleQuoted(`${name}: the smallest failing case`)}, () => {`,
    ...body.map((line) => `  ${line}`),
    '});',
  ].join('\n');
}

/** A string literal in single quotes, as the imports above it are written. */
export function singleQuoted(text: string): string {
  return `'${JSON.stringify(text).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'")}'`;
}

function checkOptionsSource(source: CounterexampleSource, ...leading: string[]): string {
  const parts = [...leading];
  if (source.mode) parts.push(`mode: '${source.mode}'`);
  if (source.seed !== undefined && source.seed !== 0) parts.push(`seed: ${source.seed}`);
  if (source.probes !== undefined && source.probes !== 2) parts.push(`probes: ${source.probes}`);
  const context = source.context;
  if (context && (context.training !== defaultContext.training || context.step !== defaultContext.step)) {
    parts.push(`context: { training: ${context.training}, step: ${context.step} }`);
  }
  return parts.join(', ');
}
