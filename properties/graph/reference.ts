/**
 * The chain rule done directly, without the runtime: a forward over the nodes in topological
 * order with each layer's `forward`, then a backward in reverse order with each layer's
 * `backward`, adding the gradients of every consumer. Also central finite differences of the
 * whole network's loss. Both are independent of the streaming wiring they check.
 */
import { Tensor } from '../../src/tensor/tensor.ts';
import type { Loss, Pass } from '../../src/layers/contract.ts';
import type { Batch } from '../../src/data/dataset.ts';
import type { Graph } from '../../src/graph/graph.ts';

/** Output, loss and every parameter gradient (by key) of one batch. */
export interface ComposedGradients {
  readonly loss: number;
  readonly gradients: Record<string, Float64Array>;
  readonly dx: Float64Array;
}

/** The network's output for x. */
export function composeForward(graph: Graph, x: Tensor): { outputs: Tensor[]; passes: (Pass | undefined)[] } {
  const outputs: Tensor[] = [];
  const passes: (Pass | undefined)[] = [];
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((input) => outputs[input.index]!);
    if (node.kind === 'input') outputs.push(x);
    else if (node.merge) outputs.push(node.merge.forward(inputs));
    else {
      const pass = node.layer!.forward(inputs[0]!, { training: true, step: 1 });
      passes[node.index] = pass;
      outputs.push(pass.y);
    }
  }
  return { outputs, passes };
}

/** Loss and gradients by the chain rule over `forward` and `backward`, summing at fan-out. */
export function composeGradients(graph: Graph, batch: Batch, loss: Loss): ComposedGradients {
  const { outputs, passes } = composeForward(graph, batch.x);
  const lossPass = loss.forward(outputs.at(-1)!, batch.target);
  const dy: (Float64Array | undefined)[] = graph.nodes.map(() => undefined);
  dy[graph.output.index] = lossPass.backward().data.slice();
  const gradients: Record<string, Float64Array> = {};
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    const incoming = new Tensor(dy[i]!, outputs[i]!.shape);
    let dInputs: Tensor[] = [];
    if (node.merge) dInputs = node.merge.backward(incoming, node.inputs.map((input) => outputs[input.index]!));
    else if (node.layer) {
      const { dx, dParams } = passes[i]!.backward(incoming);
      dInputs = [dx];
      for (const [name, g] of Object.entries(dParams)) {
        const key = graph.parameters.find((p) => p.tensor === node.layer!.params[name])!.key;
        gradients[key] = add(gradients[key], g.data);
      }
    }
    node.inputs.forEach((input, slot) => (dy[input.index] = add(dy[input.index], dInputs[slot]!.data)));
  }
  return { loss: lossPass.loss, gradients, dx: dy[0]! };
}

/** The whole network's loss at the current parameters. */
export function networkLoss(graph: Graph, batch: Batch, loss: Loss): number {
  return loss.forward(composeForward(graph, batch.x).outputs.at(-1)!, batch.target).loss;
}

/** ∂loss/∂θᵢ for every value of every parameter, by central differences with h = 1e-6·max(1, |θᵢ|). */
export function finiteDifferences(graph: Graph, batch: Batch, loss: Loss): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const { key, tensor } of graph.parameters) {
    const values = tensor.data;
    out[key] = values.map((value, i) => {
      const h = 1e-6 * Math.max(1, Math.abs(value));
      values[i] = value + h;
      const up = networkLoss(graph, batch, loss);
      values[i] = value - h;
      const down = networkLoss(graph, batch, loss);
      values[i] = value;
      return (up - down) / (2 * h);
    });
  }
  return out;
}

function add(sum: Float64Array | undefined, values: Float64Array): Float64Array {
  if (!sum) return values.slice();
  for (let i = 0; i < sum.length; i++) sum[i]! += values[i]!;
  return sum;
}
