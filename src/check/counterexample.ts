/**
 * A failing case as TypeScript a person can paste into a regression test.
 */
import type { ForwardContext } from '../layers/contract.ts';
import { defaultContext } from '../layers/contract.ts';
import type { GradientMode } from './report.ts';

/** What the rendered test replays. */
export interface CounterexampleSource {
  /** The expression that builds the layer or loss, e.g. `dense(3, 4)` or `mutants.wrongSign.make()`. Default `make()`. */
  readonly make?: string;
  readonly mode?: GradientMode;
  readonly context?: ForwardContext;
  /** The replay call for the comment line, e.g. `verifyLayer(make, { features: [3], seed: 1, path: "0:1" })`. */
  readonly replay?: string;
}

/** A number as JavaScript source that reads back exactly. */
export function numberSource(value: number): string {
  if (Object.is(value, -0)) return '-0';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return String(value);
}

/** Row-major values as nested array source for a shape. */
export function nestedSource(values: readonly number[], shape: readonly number[]): string {
  if (shape.length <= 1) return `[${values.map(numberSource).join(', ')}]`;
  const rows = shape[0]!;
  const stride = values.length / Math.max(rows, 1);
  const parts: string[] = [];
  for (let r = 0; r < rows; r++) parts.push(nestedSource(values.slice(r * stride, (r + 1) * stride), shape.slice(1)));
  return `[${parts.join(', ')}]`;
}

/** The source of a layer case: build, set parameters, x, dy, check. */
export function layerCaseSource(
  name: string,
  drawn: { params: Readonly<Record<string, readonly number[]>>; x: readonly number[]; dy: readonly number[] },
  shapes: { x: readonly number[]; y: readonly number[]; params: Readonly<Record<string, readonly number[]>> },
  source: CounterexampleSource = {},
): string {
  const lines = [`// ${name}: the smallest failing case${source.replay ? `; replay with ${source.replay}` : ''}`];
  lines.push(`const layer = ${source.make ?? 'make()'};`);
  for (const [key, values] of Object.entries(drawn.params)) {
    lines.push(`layer.params[${JSON.stringify(key)}]!.data.set(${nestedSource(values, [values.length])});`);
  }
  lines.push(`const x = tensor(${nestedSource(drawn.x, shapes.x)});`);
  lines.push(`const dy = tensor(${nestedSource(drawn.dy, shapes.y)});`);
  lines.push(`const report = checkGradients(layer, x, { ${checkOptionsSource(source, 'dy')} });`);
  lines.push('expect(report.ok, formatReport(report)).toBe(true);');
  return lines.join('\n');
}

/** The source of a loss case. */
export function lossCaseSource(
  name: string,
  drawn: { prediction: readonly number[]; target: readonly number[] },
  shapes: { prediction: readonly number[]; target: readonly number[] },
  source: CounterexampleSource = {},
): string {
  const options = checkOptionsSource(source);
  return [
    `// ${name}: the smallest failing case${source.replay ? `; replay with ${source.replay}` : ''}`,
    `const loss = ${source.make ?? 'make()'};`,
    `const prediction = tensor(${nestedSource(drawn.prediction, shapes.prediction)});`,
    `const target = tensor(${nestedSource(drawn.target, shapes.target)});`,
    `const report = checkLossGradients(loss, prediction, target${options ? `, { ${options} }` : ''});`,
    'expect(report.ok, formatReport(report)).toBe(true);',
  ].join('\n');
}

function checkOptionsSource(source: CounterexampleSource, ...leading: string[]): string {
  const parts = [...leading];
  if (source.mode) parts.push(`mode: '${source.mode}'`);
  const context = source.context;
  if (context && (context.training !== defaultContext.training || context.step !== defaultContext.step)) {
    parts.push(`context: { training: ${context.training}, step: ${context.step} }`);
  }
  return parts.join(', ');
}
