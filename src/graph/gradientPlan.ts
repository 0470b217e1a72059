/**
 * Which gradients a backward sweep needs. A node needs ∂L/∂y when a parameter lies at it or
 * upstream of it (the gradient leads somewhere an optimizer reads), or when it is the graph's
 * input and the caller asked for ∂L/∂x (`computeGradients` does, `train` does not). Every
 * other node heads a frozen branch: the graph's input, or layers and merges with no parameter
 * anywhere upstream. Its consumers are told `{ dx: false }` on that edge (PyTorch's
 * `needs_input_grad`), and its own backward is skipped.
 *
 *     input ──▶ relu ──▶ dense_1 ──▶ relu ──▶ dense_2 ──▶ loss
 *     no         no       yes         yes      yes        (∂L/∂y needed)
 *
 * dense_1 is told `{ dx: false }` and skips dy·W; relu after the input does not run backward.
 */
import type { Graph, GraphNode } from './graph.ts';

/** Per node of a graph, by node index: whether its ∂L/∂y is needed. */
export type GradientPlan = readonly boolean[];

/**
 * The plan of `graph`: node i needs its gradient when it has parameters, when any producer
 * needs its gradient, or when it is the input and `inputGradient` is set.
 *
 * @param inputGradient whether ∂L/∂x of the graph's input is wanted. Default true.
 */
export function gradientPlan(graph: Graph, inputGradient = true): GradientPlan {
  const needed: boolean[] = [];
  // Nodes are in topological order: every producer is decided before its consumers.
  for (const node of graph.nodes) needed[node.index] = nodeNeedsGradient(node, needed, inputGradient);
  return Object.freeze(needed);
}

function nodeNeedsGradient(node: GraphNode, needed: readonly boolean[], inputGradient: boolean): boolean {
  if (node.kind === 'input') return inputGradient;
  if (node.layer && Object.keys(node.layer.params).length > 0) return true;
  return node.inputs.some((producer) => needed[producer.index]);
}
