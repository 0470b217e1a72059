/** Small networks, data and faulty layers shared by the runtime's tests. */
import { Tensor } from '../../src/tensor/tensor.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { defineLayer, sameFeatures } from '../../src/layers/defineLayer.ts';
import type { Gradients, Layer } from '../../src/layers/contract.ts';
import type { Batch } from '../../src/data/dataset.ts';

/** `count` batches of `size` samples with uniform x in [−1, 1) and one-hot targets. */
export function classificationBatches(count: number, size: number, features: number, classes: number, seed = 1): Batch[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const target = new Float64Array(size * classes);
    for (let r = 0; r < size; r++) target[r * classes + random.int(classes)] = 1;
    return { x: new Tensor(random.uniformArray(size * features, -1, 1), [size, features]), target: new Tensor(target, [size, classes]) };
  });
}

/** `count` batches of regression data: targets uniform in [−1, 1). */
export function regressionBatches(count: number, size: number, features: number, outputs: number, seed = 1): Batch[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => ({
    x: new Tensor(random.uniformArray(size * features, -1, 1), [size, features]),
    target: new Tensor(random.uniformArray(size * outputs, -1, 1), [size, outputs]),
  }));
}

/** Every parameter's values, copied, by key. */
export function snapshot(parameters: readonly { key: string; tensor: Tensor }[]): Record<string, number[]> {
  return Object.fromEntries(parameters.map((p) => [p.key, Array.from(p.tensor.data)]));
}

/** A parameter-free identity layer that calls `fault(step)` in forward or backward; fault may throw or return a broken gradient. */
export function faultyLayer(options: {
  readonly name?: string;
  readonly forward?: (step: number) => void;
  readonly backward?: (step: number, dy: Tensor) => Gradients | undefined;
}): Layer {
  const name = options.name ?? 'faulty';
  return {
    name,
    params: {},
    outputShape: sameFeatures,
    forward(x, context = { training: true, step: 0 }) {
      options.forward?.(context.step);
      return {
        y: x,
        backward: (dy) => options.backward?.(context.step, dy) ?? { dx: dy, dParams: {} },
      };
    },
  };
}

/** A layer with one parameter `scale` [features]: y = x ⊙ scale, whose backward is rewritten by `breakGradients`. */
export function scaleLayer(features: number, breakGradients?: (g: { dx: Tensor; dParams: Record<string, Tensor> }) => unknown): Layer {
  const scale = new Tensor(new Float64Array(features).fill(1.5), [features]);
  const layer = defineLayer({
    name: 'scale',
    params: { scale },
    outputShape: sameFeatures,
    forward: (x, params) => {
      const y = new Float64Array(x.size);
      const s = params.scale!.data;
      for (let i = 0; i < y.length; i++) y[i] = x.data[i]! * s[i % features]!;
      return { y: new Tensor(y, x.shape), saved: x };
    },
    backward: (dy, x, params) => {
      const dx = new Float64Array(x.size);
      const ds = new Float64Array(features);
      const s = params.scale!.data;
      for (let i = 0; i < dx.length; i++) {
        dx[i] = dy.data[i]! * s[i % features]!;
        ds[i % features]! += dy.data[i]! * x.data[i]!;
      }
      return { dx: new Tensor(dx, x.shape), dParams: { scale: new Tensor(ds, [features]) } };
    },
  });
  if (!breakGradients) return layer;
  return {
    ...layer,
    forward(x, context) {
      const pass = layer.forward(x, context);
      return { y: pass.y, backward: (dy) => breakGradients(pass.backward(dy) as { dx: Tensor; dParams: Record<string, Tensor> }) as Gradients };
    },
  };
}
