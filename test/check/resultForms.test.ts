/**
 * What checkGradients says when a layer returns something other than tensors: the value it
 * returned (an array, as one builds values in plain JavaScript, or nothing) and what it must be.
 */
import { describe, expect, it } from 'vitest';
import { checkGradients, defineLayer, formatReport, tensor, type Layer, type LayerDefinition } from '../../src/index.ts';

const untyped = (definition: object): Layer => defineLayer(definition as LayerDefinition<unknown>);
const x = tensor([[1, 2]]);

describe('a layer that returns no tensor', () => {
  it('y as an array', () => {
    const layer = untyped({ name: 'arrayOut', forward: (input: { data: Float64Array }) => ({ y: Array.from(input.data), saved: {} }), backward: (dy: unknown) => ({ dx: dy }) });
    const report = checkGradients(layer, x);
    expect(report.checks.find((check) => check.name === 'forward runs')).toEqual({ name: 'forward runs', ok: false, detail: 'arrayOut.forward returned an array of length 2 as y; expected a Tensor' });
  });

  it('dx as an array', () => {
    const layer = untyped({ name: 'arrayDx', forward: (input: unknown) => ({ y: input, saved: {} }), backward: (dy: { data: Float64Array }) => ({ dx: Array.from(dy.data) }) });
    expect(formatReport(checkGradients(layer, x))).toContain("✗ gradient shapes: arrayDx: backward returned an array of length 2 as dx; expected a Tensor of x's shape [1, 2]");
  });

  it("a parameter's gradient as a number", () => {
    const layer = untyped({
      name: 'numberGradient',
      params: { w: tensor([1]) },
      forward: (input: unknown) => ({ y: input, saved: {} }),
      backward: (dy: unknown) => ({ dx: dy, dParams: { w: 0 } }),
    });
    expect(formatReport(checkGradients(layer, x))).toContain("numberGradient: the gradient for 'w' is 0; expected a Tensor of shape [1]");
  });
});
