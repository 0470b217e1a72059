/**
 * What the gradient comparison's two mechanisms that act only where they are needed cost where
 * they act: tie groups judged together (coordinates tied at a kink) and steps enlarged above
 * the noise of rounding inside a layer. A dense layer at a smooth point meets neither, so the
 * passes-by-check table shows nothing of them; here the same layer is checked at an input
 * without and with the condition, and the `gradient` check's passes are compared.
 */
import { checkGradients } from '../../src/check/checkGradients.ts';
import { maxPool2d } from '../../src/layers/maxPool2d.ts';
import { defineLayer, sameFeatures } from '../../src/layers/defineLayer.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { createRandom } from '../../src/tensor/random.ts';
import type { Layer } from '../../src/layers/contract.ts';
import type { GradientMode } from '../../src/check/report/report.ts';
import type { Cell, Table } from '../table.ts';

/**
 * tanh(u) with u = (c + a·x) − c: a·x kept only to the ulps of c (c = 10⁴, a = 0.37, steps of
 * 4.9e-12 in u), a staircase far coarser than the output's rounding; dx = dy·a·(1 − tanh²u).
 */
function offsetTanh(): Layer {
  const c = 1e4, a = 0.37;
  const u = (v: number) => c + a * v - c;
  return defineLayer({
    name: 'tanh((1e4 + 0.37·x) − 1e4)',
    outputShape: sameFeatures,
    forward: (x) => ({ y: new Tensor(x.data.map((v) => Math.tanh(u(v))), x.shape), saved: x.data.slice() }),
    backward: (dy, x) => ({ dx: new Tensor(dy.data.map((g, i) => g * a * (1 - Math.tanh(u(x[i]!)) ** 2)), dy.shape) }),
  });
}

/** A plain tanh, the same function without the offset: the comparison's baseline. */
function plainTanh(): Layer {
  const a = 0.37;
  return defineLayer({
    name: 'tanh(0.37·x)',
    outputShape: sameFeatures,
    forward: (x) => ({ y: new Tensor(x.data.map((v) => Math.tanh(a * v)), x.shape), saved: x.data.slice() }),
    backward: (dy, x) => ({ dx: new Tensor(dy.data.map((g, i) => g * a * (1 - Math.tanh(a * x[i]!) ** 2)), dy.shape) }),
  });
}

interface Case {
  readonly label: string;
  readonly make: () => Layer;
  readonly x: Tensor;
}

function cases(): Case[] {
  const random = createRandom(3);
  const image = (values: Float64Array) => new Tensor(values, [1, 1, 4, 4]);
  const row = random.uniformArray(8, -2, 2);
  return [
    { label: 'maxPool2d(2), 1×4×4, distinct values', make: () => maxPool2d(2), x: image(random.uniformArray(16, -1, 1)) },
    { label: 'maxPool2d(2), 1×4×4, every window tied (values 0, 1, 1, ½)', make: () => maxPool2d(2), x: image(Float64Array.from({ length: 16 }, (_, i) => [0, 1, 1, 0.5][i % 4]!)) },
    { label: 'tanh(0.37·x), 8 values', make: plainTanh, x: new Tensor(row, [1, 8]) },
    { label: 'tanh((1e4 + 0.37·x) − 1e4), the same 8 values', make: offsetTanh, x: new Tensor(row, [1, 8]) },
  ];
}

/** The gradient check's forward passes per case and mode, with the report's verdict. */
export function whereNeededTable(): { table: Table; figures: unknown } {
  const modes: readonly GradientMode[] = ['full', 'fast'];
  const measured = cases().map((c) => ({
    label: c.label,
    reports: modes.map((mode) => checkGradients(c.make(), c.x, { mode })),
  }));
  const rows: Cell[][] = measured.map((m) => [
    m.label,
    ...m.reports.flatMap((r) => [r.evaluations.byCheck?.gradient?.forward ?? Number.NaN, r.ok ? 'ok' : 'FAILED']),
  ]);
  return {
    table: {
      title: 'The gradient check where ties and rounding inside a layer arise: its forward passes, without and with the condition',
      columns: [{ heading: 'layer, input' }, { heading: 'full: gradient forward', decimals: 0 }, { heading: 'full' }, { heading: 'fast: gradient forward', decimals: 0 }, { heading: 'fast' }],
      rows,
      notes: [
        'Ties: full mode judges each group of tied coordinates along its sum and two random mixtures (four forward passes each), and reads a footprint where a group needs one; fast mode judges tie groups only where a probe fails.',
        'Rounding inside: where the first step shows noise the model does not account for, the estimate is taken again at steps up to 8103 h (four forward passes each) until their disagreements grow.',
      ],
    },
    figures: measured.map((m) => ({ case: m.label, ...Object.fromEntries(m.reports.map((r) => [r.mode, { ok: r.ok, evaluations: r.evaluations }])) })),
  };
}
