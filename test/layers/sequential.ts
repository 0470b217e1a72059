/**
 * A minimal sequential network for the layer tests: forward through the layers in order,
 * backward in reverse, and a plain SGD step. The runtime in src/graph does this for real;
 * here it stays a few lines so the tests exercise only the layers.
 */
import type { Tensor } from '../../src/tensor/tensor.ts';
import type { ForwardContext, Gradients, Layer, Pass } from '../../src/layers/contract.ts';

export interface NetworkPass {
  readonly y: Tensor;
  /** Gradients of every layer, in layer order, and the network's dx. */
  backward(dy: Tensor): { dx: Tensor; layers: Gradients[] };
}

/** Runs the layers in order. */
export function forwardAll(layers: readonly Layer[], x: Tensor, context?: ForwardContext): NetworkPass {
  const passes: Pass[] = [];
  let y = x;
  for (const layer of layers) {
    const pass = layer.forward(y, context);
    passes.push(pass);
    y = pass.y;
  }
  return {
    y,
    backward(dy) {
      const gradients: Gradients[] = new Array(passes.length);
      let gradient = dy;
      for (let i = passes.length - 1; i >= 0; i--) {
        gradients[i] = passes[i]!.backward(gradient);
        gradient = gradients[i]!.dx;
      }
      return { dx: gradient, layers: gradients };
    },
  };
}

/** θ ← θ − rate·dθ for every parameter of every layer. */
export function sgdStep(layers: readonly Layer[], gradients: readonly Gradients[], rate: number): void {
  layers.forEach((layer, i) => {
    for (const [name, param] of Object.entries(layer.params)) {
      const d = gradients[i]!.dParams[name]!.data;
      const p = param.data;
      for (let j = 0; j < p.length; j++) p[j]! -= rate * d[j]!;
    }
  });
}

/** Output features of the network for input features, through each layer's outputShape. */
export function inferShapes(layers: readonly Layer[], features: readonly number[]): (readonly number[])[] {
  const shapes: (readonly number[])[] = [features];
  for (const layer of layers) shapes.push(layer.outputShape!(shapes[shapes.length - 1]!));
  return shapes;
}

/** The network as one Layer (parameters named `index.name`), so single-layer checks apply to it. */
export function asLayer(layers: readonly Layer[]): Layer {
  const params: Record<string, Tensor> = {};
  layers.forEach((layer, i) => {
    for (const [name, tensor] of Object.entries(layer.params)) params[`${i}.${name}`] = tensor;
  });
  return {
    name: layers.map((layer) => layer.name).join(' → '),
    params,
    ...(layers[0]?.indexInput ? { indexInput: layers[0].indexInput } : {}),
    forward(x, context) {
      const pass = forwardAll(layers, x, context);
      return {
        y: pass.y,
        backward(dy) {
          const { dx, layers: gradients } = pass.backward(dy);
          const dParams: Record<string, Tensor> = {};
          gradients.forEach((g, i) => {
            for (const [name, tensor] of Object.entries(g.dParams)) dParams[`${i}.${name}`] = tensor;
          });
          return { dx, dParams };
        },
      };
    },
  };
}
