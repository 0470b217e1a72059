/**
 * The primer's simplest network: least-squares linear regression with one weight and one bias.
 *
 *   h = w·x + b,   L = ½ (h − y)²,
 *   ∂L/∂h = h − y,   ∂L/∂w = ∂L/∂h · x,   ∂L/∂b = ∂L/∂h,
 *   w ← w − η ∂L/∂w,   b ← b − η ∂L/∂b.
 *
 * (The primer's slide writes the update as "w = η ∂L/∂w"; the rule that produces its
 * table is the one above.) Built from the library's own `dense(1, 1)` layer and
 * `halfSquaredError` loss, so the table comes out of the same code that trains networks.
 */
import { tensor } from '../tensor/tensor.ts';
import { dense } from '../layers/dense.ts';
import { halfSquaredError } from '../layers/halfSquaredError.ts';
import { formatTable } from './table.ts';

/** The primer's starting point: x = 1, y = 3, w = 0.1, b = 1, η = 0.2. */
export interface SimplestSetup {
  /** The one input. */
  readonly x: number;
  /** Its target. */
  readonly y: number;
  /** The weight before the first step. */
  readonly w: number;
  /** The bias before the first step. */
  readonly b: number;
  /** η, the step size of w ← w − η ∂L/∂w. */
  readonly learningRate: number;
}

/** The primer's values. */
export const primerSimplestSetup: SimplestSetup = Object.freeze({ x: 1, y: 3, w: 0.1, b: 1, learningRate: 0.2 });

/** One row of the primer's table: the forward values, the gradients, and w and b after the update. */
export interface SimplestRow {
  /** h = w·x + b, with this step's w and b. */
  readonly h: number;
  /** L = ½ (h − y)². */
  readonly L: number;
  /** ∂L/∂h = h − y. */
  readonly dLdh: number;
  /** ∂L/∂w = ∂L/∂h · x. */
  readonly dLdw: number;
  /** ∂L/∂b = ∂L/∂h. */
  readonly dLdb: number;
  /** w after the update, w − η ∂L/∂w. */
  readonly w: number;
  /** b after the update, b − η ∂L/∂b. */
  readonly b: number;
}

/**
 * Runs `steps` steps of gradient descent on the simplest network and returns one row per step.
 *
 * @example simplestSteps(primerSimplestSetup, 3)[0] // { h: 1.1, L: 1.805, dLdh: −1.9, … w: 0.48, b: 1.38 }
 */
export function simplestSteps(setup: SimplestSetup = primerSimplestSetup, steps = 3): SimplestRow[] {
  const layer = dense(1, 1, { W: [[setup.w]], b: [setup.b], name: 'h' });
  const loss = halfSquaredError();
  const W = layer.params.W!.data;
  const b = layer.params.b!.data;
  const x = tensor([[setup.x]]);
  const target = tensor([[setup.y]]);
  const rows: SimplestRow[] = [];
  for (let step = 0; step < steps; step++) {
    const pass = layer.forward(x);
    const lossPass = loss.forward(pass.y, target);
    const dh = lossPass.backward();
    const { dParams } = pass.backward(dh);
    W[0]! -= setup.learningRate * dParams.W!.data[0]!;
    b[0]! -= setup.learningRate * dParams.b!.data[0]!;
    rows.push({
      h: pass.y.data[0]!,
      L: lossPass.loss,
      dLdh: dh.data[0]!,
      dLdw: dParams.W!.data[0]!,
      dLdb: dParams.b!.data[0]!,
      w: W[0]!,
      b: b[0]!,
    });
  }
  return rows;
}

/** The rows as the primer prints them: h, L, ∂L/∂h, ∂L/∂w, ∂L/∂b, then w and b after the update. */
export function formatSimplestTable(rows: readonly SimplestRow[], digits = 2): string {
  return formatTable(
    ['step', 'h', 'L', '∂L/∂h', '∂L/∂w', '∂L/∂b', 'w', 'b'],
    rows.map((row, i) => [String(i + 1), row.h, row.L, row.dLdh, row.dLdw, row.dLdb, row.w, row.b]),
    digits,
  );
}
