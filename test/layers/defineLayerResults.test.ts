/**
 * defineLayer's definitions as a PyTorch user first writes them: a forward or backward that
 * returns a bare tensor (as torch.autograd.Function's do) instead of { y, saved } or { dx },
 * a definition without a name, and a defineLoss forward that returns the loss itself. Each is refused with what was returned and what to return,
 * where the layer is called, in a check and in training alike.
 */
import { describe, expect, it } from 'vitest';
import { checkGradients, defineLayer, defineLoss, dense, formatReport, mse, sequential, sgd, tensor, train, type Layer, type LayerDefinition, type LossDefinition, type Tensor } from '../../src/index.ts';

/** A layer from a definition the types would refuse, as plain JavaScript passes it. */
const untyped = (definition: object): Layer => defineLayer(definition as LayerDefinition<unknown>);

const bareBackward = () => untyped({ name: 'identity', forward: (x: unknown) => ({ y: x, saved: {} }), backward: (dy: unknown) => dy });
const bareForward = () => untyped({ name: 'identity', forward: (x: unknown) => x, backward: (dy: unknown) => ({ dx: dy }) });

describe('defineLayer, results in the wrong form', () => {
  it('a backward that returns the tensor itself: what it returned, and { dx } to return', () => {
    const pass = bareBackward().forward(tensor([[1, 2]]));
    expect(() => pass.backward(tensor([[1, 1]]))).toThrow(
      'identity.backward: the definition returned a tensor of shape [1, 2]; expected { dx, dParams }: the gradients by name (return { dx: … })',
    );
  });

  it('a forward that returns the tensor itself: what it returned, and { y, saved } to return', () => {
    expect(() => bareForward().forward(tensor([[1, 2]]))).toThrow('identity.forward: the definition returned a tensor of shape [1, 2]; expected { y, saved }: the output and what backward needs');
  });

  it('a forward that returns nothing', () => {
    const layer = untyped({ name: 'forgetful', forward: () => undefined, backward: (dy: unknown) => ({ dx: dy }) });
    expect(() => layer.forward(tensor([[1]]))).toThrow('forgetful.forward: the definition returned undefined; expected { y, saved }');
  });

  it('the checks report it as the step that failed', () => {
    const report = checkGradients(bareBackward(), tensor([[1, 2]]));
    expect(report.ok).toBe(false);
    expect(formatReport(report)).toContain('identity.backward: the definition returned a tensor of shape [1, 2]; expected { dx, dParams }');
  });

  it('training fails naming the node and the step', async () => {
    const net = sequential([dense(2, 2, { seed: 1 }), bareBackward()]);
    const run = train(net, [{ x: tensor([[1, 2]]), target: tensor([[1, 1]]) }], { loss: mse(), optimizer: sgd(0.1) });
    await expect(run.result).rejects.toThrow('identity_1 (identity), backward at step 1: the layer threw: identity.backward: the definition returned a tensor of shape [1, 2]');
  });
});

describe('defineLayer, the name', () => {
  it.each([[undefined, 'undefined'], ['', '""'], [42, '42']])('refuses %j, saying what it got', (name, shown) => {
    expect(() => untyped({ name, forward: (x: unknown) => ({ y: x, saved: {} }), backward: (dy: unknown) => ({ dx: dy }) })).toThrow(
      `defineLayer: name must be a non-empty string, the name reports and errors show; got ${shown}`,
    );
  });
});

describe('defineLoss, a forward that returns the loss itself', () => {
  it('is refused with { loss, saved } to return', () => {
    const loss = defineLoss({ name: 'sumOfSquares', forward: (p: Tensor) => p.data.reduce((s, v) => s + v * v, 0), backward: () => tensor([[0]]) } as unknown as LossDefinition<unknown>);
    expect(() => loss.forward(tensor([[1, 2]]), tensor([[0, 0]]))).toThrow("sumOfSquares.forward: the definition returned 5; expected { loss, saved }: the batch's loss and what backward needs");
  });
});
