/**
 * A built graph: an immutable DAG of nodes from one input to one output, with every shape
 * known. Build one with {@link graph} or {@link sequential}; run it with `train`,
 * `evaluate`, `predict` or `computeGradients`.
 */
import type { Layer } from '../layers/contract.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { GraphNodeSummary } from '../telemetry/events.ts';
import type { Merge } from './merges.ts';
import { formatSummary, summaryRows } from './summary.ts';

/** What a node computes: the graph's input, a layer, or a merge of several inputs. */
export type NodeKind = 'input' | 'layer' | 'merge';

/** An edge seen from its producer: the consuming node and which of its inputs the edge feeds. */
export interface ConsumerEdge {
  /** The consuming node. */
  readonly node: GraphNode;
  /** Which of its inputs the edge feeds: the index into its `inputs`. */
  readonly slot: number;
}

/** One node of a built graph. */
export interface GraphNode {
  /** Position in topological order (the input is 0, the output is last). */
  readonly index: number;
  /** Unique in the graph: given, or `${layer.name}_${k}` (`dense_1`, `dense_2`, `add_1`). */
  readonly name: string;
  /** Whether the node is the input, a layer or a merge. */
  readonly kind: NodeKind;
  /** What the node runs: the layer's name, the merge's name, or `input`. */
  readonly op: string;
  /** The layer, for kind `layer`. */
  readonly layer?: Layer | undefined;
  /** The merge, for kind `merge`. */
  readonly merge?: Merge | undefined;
  /** Producers, in slot order. */
  readonly inputs: readonly GraphNode[];
  /** Consumers, in the order their edges were created; the output also feeds the loss. */
  readonly consumers: readonly ConsumerEdge[];
  /** Output shape without the batch axis. */
  readonly features: readonly number[];
  /** Number of trainable values in the node's layer. */
  readonly parameterCount: number;
}

/** A trainable tensor of the graph, under the key optimizers and checkpoints use. */
export interface GraphParameter {
  /** `${node}.${param}` of the first node that uses it (`dense_1.W`). */
  readonly key: string;
  /** The parameter itself, shared with the layer: optimizers update its `data` in place. */
  readonly tensor: Tensor;
  /** The nodes whose layer holds this tensor (more than one when a layer is shared). */
  readonly nodes: readonly {
    /** A node whose layer holds the tensor. */
    readonly node: GraphNode;
    /** The tensor's key in that layer's `params` (`W`). */
    readonly param: string;
  }[];
}

/** A built, shape-checked graph. */
export interface Graph {
  /** Shape of one input sample (the batch axis excluded). */
  readonly inputFeatures: readonly number[];
  /** Every node in topological order: `nodes[0]` is the input, the last is the output. */
  readonly nodes: readonly GraphNode[];
  /** The input node, `nodes[0]`: it passes the batch on unchanged. */
  readonly input: GraphNode;
  /** The output node, the last of `nodes`: its activations go to the loss. */
  readonly output: GraphNode;
  /** The distinct layers, in node order. */
  readonly layers: readonly Layer[];
  /** The distinct trainable tensors, in node order. */
  readonly parameters: readonly GraphParameter[];
  /** Total number of trainable values. */
  readonly parameterCount: number;
  /** One entry per node (the telemetry run-start event carries it). */
  summaryRows(): GraphNodeSummary[];
  /** A readable table of nodes, inputs, output shapes and parameter counts. */
  summary(): string;
}

/** The node record the builder fills in, before consumers are known. */
export interface NodeDraft {
  readonly name: string;
  readonly kind: NodeKind;
  readonly op: string;
  readonly layer?: Layer | undefined;
  readonly merge?: Merge | undefined;
  readonly inputs: readonly NodeDraft[];
  readonly features: readonly number[];
}

/** Freezes drafts (in topological order, output last) into a {@link Graph}. */
export function freezeGraph(inputFeatures: readonly number[], drafts: readonly NodeDraft[]): Graph {
  const nodes: GraphNode[] = [];
  const consumers = drafts.map((): ConsumerEdge[] => []);
  const indexOf = new Map(drafts.map((draft, index) => [draft, index]));
  drafts.forEach((draft, index) => {
    const node: GraphNode = Object.freeze({
      index,
      name: draft.name,
      kind: draft.kind,
      op: draft.op,
      ...(draft.layer ? { layer: draft.layer } : {}),
      ...(draft.merge ? { merge: draft.merge } : {}),
      inputs: Object.freeze(draft.inputs.map((input) => nodes[indexOf.get(input)!]!)),
      consumers: consumers[index]!,
      features: Object.freeze(draft.features.slice()),
      parameterCount: draft.layer ? countValues(Object.values(draft.layer.params)) : 0,
    });
    node.inputs.forEach((input, slot) => consumers[input.index]!.push(Object.freeze({ node, slot })));
    nodes.push(node);
  });
  consumers.forEach((edges) => Object.freeze(edges));
  const parameters = collectParameters(nodes);
  const layers = [...new Set(nodes.flatMap((node) => (node.layer ? [node.layer] : [])))];
  const built: Graph = {
    inputFeatures: Object.freeze(inputFeatures.slice()),
    nodes: Object.freeze(nodes),
    input: nodes[0]!,
    output: nodes[nodes.length - 1]!,
    layers: Object.freeze(layers),
    parameters,
    parameterCount: countValues(parameters.map((p) => p.tensor)),
    summaryRows: () => summaryRows(nodes),
    summary: () => formatSummary(nodes, countValues(parameters.map((p) => p.tensor))),
  };
  return Object.freeze(built);
}

/** Parameters by tensor identity, so a layer used by two nodes is one parameter with two contributions. */
function collectParameters(nodes: readonly GraphNode[]): readonly GraphParameter[] {
  const byTensor = new Map<Tensor, { key: string; tensor: Tensor; nodes: { node: GraphNode; param: string }[] }>();
  for (const node of nodes) {
    for (const [param, tensor] of Object.entries(node.layer?.params ?? {})) {
      const entry = byTensor.get(tensor);
      if (entry) entry.nodes.push({ node, param });
      else byTensor.set(tensor, { key: `${node.name}.${param}`, tensor, nodes: [{ node, param }] });
    }
  }
  return Object.freeze([...byTensor.values()].map((entry) => Object.freeze({ ...entry, nodes: Object.freeze(entry.nodes) })));
}

function countValues(tensors: readonly Tensor[]): number {
  return tensors.reduce((sum, t) => sum + t.size, 0);
}
