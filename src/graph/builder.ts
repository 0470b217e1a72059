/**
 * Building graphs: a chain with {@link sequential}, or any DAG with {@link graph}'s builder.
 * Every node's output shape is inferred as it is added, so a misfit fails at the line that
 * adds the node, naming both nodes and both shapes. A chain whose first layer declares its
 * input features (`dense(3, 4)` takes [3]) needs no `inputFeatures`.
 *
 * ```ts
 * const g = graph({ inputFeatures: [784] });
 * const x = g.input();
 * const a = g.node(dense(784, 64), x);
 * const b = g.node(dense(784, 64), x);   // x fans out to a and b
 * const net = g.output(g.node(dense(128, 10), g.concat(g.add(a, b), b)));
 * ```
 */
import { ShapeError, describe, formatShape } from '../tensor/tensor.ts';
import type { Layer } from '../layers/contract.ts';
import { checkFeatures } from '../layers/defineLayer.ts';
import { freezeGraph, type Graph, type NodeDraft } from './graph.ts';
import { addMerge, concatMerge, type Merge } from './merges.ts';
import { declaredInputFeatures, endsWith, inferLayerFeatures } from './shapes.ts';

/** Options of {@link graph}. */
export interface GraphOptions {
  /** Shape of one input sample, without the batch axis (`[784]`, `[1, 28, 28]`). Required. */
  readonly inputFeatures: readonly number[];
}

/** Options of {@link sequential}. */
export interface SequentialOptions {
  /**
   * Shape of one input sample, without the batch axis. Default: the input features the
   * first layer declares (`[in]` for `dense(in, out)`); required when it declares none
   * (conv2d, batchNorm, an embedding, activations).
   */
  readonly inputFeatures?: readonly number[] | undefined;
}

/** Options of a node. */
export interface NodeOptions {
  /** Unique name in the graph. Default `${layer.name}_${k}`, k counting that layer's nodes from 1. */
  readonly name?: string | undefined;
}

/** A node being built: pass it to later nodes as their input. */
export interface NodeRef {
  /** The node's unique name in the graph (`dense_2`). */
  readonly name: string;
  /** Output shape without the batch axis. */
  readonly features: readonly number[];
}

/** Builds a graph node by node; `output` seals it into a {@link Graph}. */
export interface GraphBuilder {
  /** The graph's input node (the same node on every call). */
  input(): NodeRef;
  /** A node applying `layer` to `input`'s output. */
  node(layer: Layer, input: NodeRef, options?: NodeOptions): NodeRef;
  /** y = a + b + …: every input must have the same features. */
  add(...inputs: NodeRef[]): NodeRef;
  /** The inputs joined along the last axis; every other axis must agree. */
  concat(...inputs: NodeRef[]): NodeRef;
  /** Declares the output and returns the built graph; every node must lead to it. */
  output(node: NodeRef): Graph;
}

/**
 * A builder for a graph whose samples have `inputFeatures`. They are required here, even
 * when the first layer declares its own: the input node exists, with its shape, before any
 * layer is attached to it, and several layers may read it.
 */
export function graph(options: GraphOptions): GraphBuilder {
  const inputFeatures = validateFeatures(options);
  const drafts: NodeDraft[] = [{ name: 'input', kind: 'input', op: 'input', inputs: [], features: inputFeatures }];
  const refs = new Map<NodeRef, NodeDraft>();
  let sealed = false;

  const ref = (draft: NodeDraft): NodeRef => {
    const handle: NodeRef = Object.freeze({ name: draft.name, features: draft.features });
    refs.set(handle, draft);
    return handle;
  };
  const inputRef = ref(drafts[0]!);
  const draftOf = (value: unknown, where: string): NodeDraft => {
    const draft = refs.get(value as NodeRef);
    if (!draft) throw new TypeError(`graph.${where}: expected a node of this graph (from input(), node(), add() or concat()), got ${describe(value)}`);
    return draft;
  };
  const open = (where: string) => {
    if (sealed) throw new Error(`graph.${where}: the graph was already built by output(); start a new graph()`);
  };
  const push = (draft: NodeDraft) => {
    drafts.push(draft);
    return ref(draft);
  };
  const merge = (op: Merge, inputs: readonly NodeRef[]): NodeRef => {
    open(op.name);
    if (inputs.length < 2) throw new RangeError(`graph.${op.name}: expected at least two inputs, got ${inputs.length}`);
    const producers = inputs.map((input) => draftOf(input, op.name));
    const name = uniqueName(drafts, op.name);
    const features = op.outputShape(`graph: ${name}`, producers.map((p) => ({ node: p.name, features: p.features })));
    return push({ name, kind: 'merge', op: op.name, merge: op, inputs: producers, features });
  };

  return {
    input: () => inputRef,
    node(layer, input, nodeOptions = {}) {
      open('node');
      assertLayer(layer);
      const producer = draftOf(input, 'node');
      const name = nodeOptions.name === undefined ? uniqueName(drafts, layer.name) : explicitName(drafts, nodeOptions.name);
      const features = inferLayerFeatures(layer, name, producer);
      return push({ name, kind: 'layer', op: layer.name, layer, inputs: [producer], features });
    },
    add: (...inputs) => merge(addMerge, inputs),
    concat: (...inputs) => merge(concatMerge, inputs),
    output(node) {
      open('output');
      const last = draftOf(node, 'output');
      sealed = true;
      return freezeGraph(inputFeatures, orderForOutput(drafts, last));
    },
  };
}

/**
 * A chain of layers, each feeding the next, like PyTorch's `nn.Sequential`. The input
 * features default to those the first layer declares: `sequential([dense(3, 4), tanh(),
 * dense(4, 2)])` takes samples of shape [3].
 */
export function sequential(layers: readonly Layer[], options: SequentialOptions = {}): Graph {
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new RangeError(`sequential: expected a non-empty array of layers, got ${describe(layers)}`);
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`sequential: options must be an object such as { inputFeatures: [784] }, got ${describe(options)}`);
  }
  const g = graph({ inputFeatures: sequentialInput(layers[0], options.inputFeatures) });
  let node = g.input();
  layers.forEach((layer) => (node = g.node(layer, node)));
  return g.output(node);
}

/** The chain's input features: the given ones, else the first layer's declared ones; throws when neither is known or they disagree. */
function sequentialInput(first: unknown, given: readonly number[] | undefined): readonly number[] {
  assertLayer(first, 'sequential');
  const declared = declaredInputFeatures(first, `sequential: the first layer (${first.name})`);
  if (given === undefined) {
    if (declared) return declared;
    throw new TypeError(
      `sequential: the first layer (${first.name}) does not declare its input features, so the input shape cannot be inferred; ` +
        `pass { inputFeatures }, the shape of one sample without the batch axis (such as [784] for vectors, [channels, height, width] for images)`,
    );
  }
  const features = checkFeatures(given, 'sequential: inputFeatures');
  if (declared && !endsWith(features, declared)) {
    throw new ShapeError(
      `sequential: { inputFeatures: ${formatShape(features)} } disagrees with the first layer (${first.name}), which declares input features ${formatShape(declared)}; ` +
        `pass { inputFeatures: ${formatShape(declared)} } (or more leading axes before them), or leave it out`,
    );
  }
  return features;
}

/** The drafts with the output last; throws when a node does not lead to the output. */
function orderForOutput(drafts: readonly NodeDraft[], output: NodeDraft): NodeDraft[] {
  const leads = new Set<NodeDraft>([output]);
  for (let i = drafts.length - 1; i >= 0; i--) {
    const draft = drafts[i]!;
    if (leads.has(draft)) draft.inputs.forEach((input) => leads.add(input));
  }
  const stray = drafts.filter((draft) => !leads.has(draft));
  if (stray.length > 0) {
    throw new ShapeError(
      `graph.output: ${stray.map((d) => d.name).join(', ')} ${stray.length === 1 ? 'does' : 'do'} not lead to the output ${output.name}; ` +
        `every node must contribute to the output (merge it in with add or concat, or leave it out)`,
    );
  }
  // Creation order is topological; only nodes created after the output could follow it, and those were refused above.
  return drafts.slice();
}

function uniqueName(drafts: readonly NodeDraft[], base: string): string {
  const taken = new Set(drafts.map((d) => d.name));
  for (let k = 1; ; k++) if (!taken.has(`${base}_${k}`)) return `${base}_${k}`;
}

function explicitName(drafts: readonly NodeDraft[], name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`graph.node: a node name must be a non-empty string, got ${describe(name)}`);
  if (drafts.some((d) => d.name === name)) throw new RangeError(`graph.node: the name '${name}' is already used by another node; names must be unique`);
  return name;
}

function validateFeatures(options: GraphOptions): readonly number[] {
  if (options?.inputFeatures === undefined) {
    throw new TypeError(
      `graph: expected options { inputFeatures }, the shape of one sample without the batch axis (such as [784]), got ${describe(options)}; ` +
        `only sequential can take them from its first layer`,
    );
  }
  return checkFeatures(options.inputFeatures, 'graph: inputFeatures');
}

function assertLayer(layer: unknown, where = 'graph.node'): asserts layer is Layer {
  const candidate = layer as Layer | null;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.forward !== 'function' || typeof candidate.name !== 'string' || typeof candidate.params !== 'object') {
    throw new TypeError(`${where}: expected a Layer (name, params, forward), got ${describe(layer)}`);
  }
}
