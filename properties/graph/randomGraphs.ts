/**
 * Random graphs for the runtime's properties: chains of built-in layers of random depth and
 * width, with random fan-out (any earlier node may feed a later one) and residual merges (add)
 * and concatenations. A graph is drawn as a recipe of small integers, so fast-check shrinks a
 * failure to the fewest, narrowest nodes, and the recipe prints as readable JSON.
 */
import fc from 'fast-check';
import { Tensor } from '../../src/tensor/tensor.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { dense } from '../../src/layers/dense.ts';
import { sigmoid } from '../../src/layers/sigmoid.ts';
import { tanh } from '../../src/layers/tanh.ts';
import { relu } from '../../src/layers/relu.ts';
import { leakyRelu } from '../../src/layers/leakyRelu.ts';
import { softmax } from '../../src/layers/softmax.ts';
import { logSoftmax } from '../../src/layers/logSoftmax.ts';
import { mse } from '../../src/layers/mse.ts';
import { halfSquaredError } from '../../src/layers/halfSquaredError.ts';
import { softmaxCrossEntropy } from '../../src/layers/softmaxCrossEntropy.ts';
import { probabilityTarget, realTarget } from '../../src/layers/registry.ts';
import type { Layer, Loss } from '../../src/layers/contract.ts';
import type { Batch } from '../../src/data/dataset.ts';
import { graph, type NodeRef } from '../../src/graph/builder.ts';
import type { Graph } from '../../src/graph/graph.ts';

const activations: readonly (() => Layer)[] = [sigmoid, tanh, relu, () => leakyRelu(0.1), softmax, logSoftmax];
const losses: readonly { make: () => Loss; target: typeof realTarget }[] = [
  { make: mse, target: realTarget },
  { make: halfSquaredError, target: realTarget },
  { make: softmaxCrossEntropy, target: probabilityTarget },
];

/** One step of a recipe; node indices are taken modulo the nodes built so far. */
export type Operation =
  | { readonly op: 'dense'; readonly from: number; readonly width: number; readonly seed: number }
  | { readonly op: 'activation'; readonly from: number; readonly which: number }
  | { readonly op: 'add'; readonly a: number; readonly b: number; readonly seed: number }
  | { readonly op: 'concat'; readonly a: number; readonly b: number };

/** How to build a graph, its data and its loss. */
export interface Recipe {
  readonly inputFeatures: number;
  readonly operations: readonly Operation[];
  readonly outputs: number;
  readonly loss: number;
  readonly batch: number;
  /** Seeds the input and target values. */
  readonly dataSeed: number;
}

const index = fc.nat({ max: 20 });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ op: fc.constant('dense' as const), from: index, width: fc.integer({ min: 1, max: 4 }), seed: fc.nat({ max: 1000 }) }),
  fc.record({ op: fc.constant('activation' as const), from: index, which: fc.nat({ max: activations.length - 1 }) }),
  fc.record({ op: fc.constant('add' as const), a: index, b: index, seed: fc.nat({ max: 1000 }) }),
  fc.record({ op: fc.constant('concat' as const), a: index, b: index }),
);

/** Random recipes: 1 to `maxOperations` operations on 1 to 4 input features. */
export function recipes(maxOperations = 6): fc.Arbitrary<Recipe> {
  return fc.record({
    inputFeatures: fc.integer({ min: 1, max: 4 }),
    operations: fc.array(operation, { minLength: 1, maxLength: maxOperations }),
    outputs: fc.integer({ min: 2, max: 3 }),
    loss: fc.nat({ max: losses.length - 1 }),
    batch: fc.integer({ min: 1, max: 4 }),
    dataSeed: fc.nat({ max: 1_000_000 }),
  });
}

/**
 * The graph of a recipe. Every node that feeds nothing is concatenated into the final dense
 * layer, so all lead to the output; `tail`, when given, is applied after that layer.
 */
export function buildGraph(recipe: Recipe, tail?: Layer): Graph {
  const g = graph({ inputFeatures: [recipe.inputFeatures] });
  const nodes: NodeRef[] = [g.input()];
  const used = new Set<NodeRef>();
  const pick = (i: number) => {
    const node = nodes[i % nodes.length]!;
    used.add(node);
    return node;
  };
  const width = (node: NodeRef) => node.features[0]!;
  for (const step of recipe.operations) {
    if (step.op === 'dense') {
      const from = pick(step.from);
      nodes.push(g.node(dense(width(from), step.width, { seed: step.seed }), from));
    } else if (step.op === 'activation') {
      nodes.push(g.node(activations[step.which]!(), pick(step.from)));
    } else if (step.op === 'concat') {
      nodes.push(g.concat(pick(step.a), pick(step.b)));
    } else {
      const a = pick(step.a);
      let b = pick(step.b);
      if (width(b) !== width(a)) {
        b = g.node(dense(width(b), width(a), { seed: step.seed }), b); // a projected residual
        nodes.push(b);
        used.add(b);
      }
      nodes.push(g.add(a, b));
    }
  }
  const sinks = nodes.filter((node) => !used.has(node));
  const last = sinks.length === 1 ? sinks[0]! : g.concat(...sinks);
  const output = g.node(dense(width(last), recipe.outputs, { seed: 7 }), last);
  return g.output(tail ? g.node(tail, output) : output);
}

/** The recipe's loss. */
export function lossOf(recipe: Recipe): Loss {
  return losses[recipe.loss]!.make();
}

/** `count` batches for the recipe, from its data seed. */
export function batchesOf(recipe: Recipe, count = 1, batch = recipe.batch): Batch[] {
  const random = createRandom(recipe.dataSeed);
  const uniform = () => random.uniform();
  return Array.from({ length: count }, () => ({
    x: new Tensor(random.uniformArray(batch * recipe.inputFeatures, -2, 2), [batch, recipe.inputFeatures]),
    target: losses[recipe.loss]!.target([batch, recipe.outputs], uniform),
  }));
}
