/** A graph's summary: one row per node, as data (for telemetry) and as a table (for people). */
import { formatShape } from '../tensor/tensor.ts';
import type { GraphNodeSummary } from '../telemetry/events.ts';
import type { GraphNode } from './graph.ts';

/** One {@link GraphNodeSummary} per node, in topological order. */
export function summaryRows(nodes: readonly GraphNode[]): GraphNodeSummary[] {
  return nodes.map((node) => ({
    name: node.name,
    layer: node.op,
    inputs: node.inputs.map((input) => input.name),
    outputShape: node.features.slice(),
    parameters: node.parameterCount,
  }));
}

/**
 * The summary table: text columns left-aligned, parameter counts right-aligned, and the total.
 *
 * ```
 * node     layer  inputs   output  parameters
 * ───────  ─────  ───────  ──────  ──────────
 * input    input  —        [784]            0
 * dense_1  dense  input    [128]      100,480
 * ```
 */
export function formatSummary(nodes: readonly GraphNode[], total: number): string {
  const header = ['node', 'layer', 'inputs', 'output', 'parameters'];
  const rows = nodes.map((node) => [
    node.name,
    node.op,
    node.inputs.length === 0 ? '—' : node.inputs.map((input) => input.name).join(', '),
    formatShape(node.features),
    thousands(node.parameterCount),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ');
  return [
    line(header),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...rows.map(line),
    `${thousands(total)} trainable parameters in ${nodes.length} nodes`,
  ].join('\n');
}

function thousands(value: number): string {
  return value.toLocaleString('en-US');
}
