/**
 * A graph's structure, as a checkpoint records it: every node (name, what it runs, its
 * inputs, its output features) and every parameter and buffer (key and shape). A checkpoint
 * applies only to a graph with the same fingerprint; the first difference is what a refusal
 * reports.
 */
import { formatShape, type Tensor } from '../tensor/tensor.ts';
import type { Graph } from '../graph/graph.ts';

/** One node of a {@link GraphFingerprint}. */
export interface NodeFingerprint {
  readonly name: string;
  /** `input`, the layer's name, or the merge's. */
  readonly op: string;
  readonly inputs: readonly string[];
  /** Output shape without the batch axis. */
  readonly features: readonly number[];
}

/** The structure a checkpoint belongs to. */
export interface GraphFingerprint {
  readonly inputFeatures: readonly number[];
  readonly nodes: readonly NodeFingerprint[];
  /** Parameter key (`dense_1.W`) → shape, in the graph's order. */
  readonly parameters: Readonly<Record<string, readonly number[]>>;
  /** Buffer key (`batchNorm_1.running_mean`) → shape. */
  readonly buffers: Readonly<Record<string, readonly number[]>>;
}

/** A tensor the checkpoint holds, under its key. */
export interface KeyedTensor {
  readonly key: string;
  readonly tensor: Tensor;
}

/** The graph's fingerprint. */
export function graphFingerprint(graph: Graph): GraphFingerprint {
  return {
    inputFeatures: graph.inputFeatures.slice(),
    nodes: graph.nodes.map((node) => ({ name: node.name, op: node.op, inputs: node.inputs.map((input) => input.name), features: node.features.slice() })),
    parameters: Object.fromEntries(graph.parameters.map((p) => [p.key, p.tensor.shape.slice()])),
    buffers: Object.fromEntries(graphBuffers(graph).map(({ key, tensor }) => [key, tensor.shape.slice()])),
  };
}

/**
 * The graph's non-trainable buffers (running statistics), keyed `${node}.${buffer}` by the
 * first node whose layer holds them, as parameters are; a layer shared by two nodes is one set.
 */
export function graphBuffers(graph: Graph): KeyedTensor[] {
  const seen = new Set<Tensor>();
  const buffers: KeyedTensor[] = [];
  for (const node of graph.nodes) {
    for (const [name, tensor] of Object.entries(node.layer?.buffers ?? {})) {
      if (seen.has(tensor)) continue;
      seen.add(tensor);
      buffers.push({ key: `${node.name}.${name}`, tensor });
    }
  }
  return buffers;
}

/** The first way `saved` differs from `current`, in words, or undefined when they agree. */
export function fingerprintDifference(saved: GraphFingerprint, current: GraphFingerprint): string | undefined {
  if (!sameNumbers(saved.inputFeatures, current.inputFeatures)) {
    return `its input features are ${formatShape(saved.inputFeatures)}, this graph's ${formatShape(current.inputFeatures)}`;
  }
  const count = Math.max(saved.nodes.length, current.nodes.length);
  for (let i = 0; i < count; i++) {
    const a = saved.nodes[i], b = current.nodes[i];
    if (!a || !b) return `it has ${saved.nodes.length} nodes, this graph ${current.nodes.length}`;
    if (a.name !== b.name || a.op !== b.op || a.inputs.join() !== b.inputs.join() || !sameNumbers(a.features, b.features)) {
      return `node ${i} is ${describeNode(a)} there, ${describeNode(b)} here`;
    }
  }
  return tensorDifference('parameter', saved.parameters, current.parameters) ?? tensorDifference('buffer', saved.buffers, current.buffers);
}

function tensorDifference(kind: string, saved: GraphFingerprint['parameters'], current: GraphFingerprint['parameters']): string | undefined {
  for (const [key, shape] of Object.entries(current)) {
    const other = saved[key];
    if (!other) return `it has no ${kind} ${key}, which this graph has`;
    if (!sameNumbers(other, shape)) return `its ${kind} ${key} has shape ${formatShape(other)}, this graph's ${formatShape(shape)}`;
  }
  const extra = Object.keys(saved).find((key) => !(key in current));
  return extra === undefined ? undefined : `it has a ${kind} ${extra}, which this graph lacks`;
}

function describeNode(node: NodeFingerprint): string {
  const inputs = node.inputs.length > 0 ? ` of ${node.inputs.join(', ')}` : '';
  return `${node.name} (${node.op}${inputs}) → ${formatShape(node.features)}`;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((value, i) => value === b[i]);
}
