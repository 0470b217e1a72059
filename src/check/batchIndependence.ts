/**
 * `rows independent`: most layers compute each row of a batch (each index along axis 0) on
 * its own, and a reduction over the wrong axis (a softmax, a mean or a sum over the batch, a
 * window that runs over the flat data across rows) mixes them. At a batch of one row that is
 * invisible, and where the backward is the true derivative of the mixing forward, finite
 * differences agree with it at every batch size: only a comparison between batches finds it.
 *
 * The batch that {@link passesInFlight} runs between the others takes its even rows from x₂
 * and its odd rows from x₁, so any row that depends on a row of the other parity sees a
 * different input. Row i of its y must equal row i of y(x₁) or y(x₂), and, for the cotangent
 * mixed the same way from dy₁ and dy₂, row i of its dx row i of dx(x₁, dy₁) or dx(x₂, dy₂):
 * bit for bit, since a row computed on its own runs the same operations on the same numbers
 * whatever the other rows hold (the kernels' order of summation does not depend on values).
 * From three rows on, the mixed cotangent's last row is zero, and dx's last row must then be zero
 * (a backward that skips a zero row of dy and leaves there what it wrote for another row shows
 * only so).
 * PyTorch's check_batched_grad asks the same of vmap over the batch.
 *
 * Parameter gradients are sums over rows, and what each row contributes follows from dx's
 * property with `linear in dy` and the finite differences at batches of several rows, so they
 * are not compared again here. A layer that couples the batch on purpose (batch
 * normalisation in training) declares `batchIndependent: false` and is skipped.
 */
import { Tensor, formatShape } from '../tensor/tensor.ts';
import type { Gradients, Layer, Pass } from '../layers/contract.ts';
import type { CheckResult } from './report/report.ts';
import { verdict } from './layerChecks.ts';
import { coordinateName, firstChange } from './numeric/tensorChecks.ts';
import { formatNumber } from './report/formatNumber.ts';
import { describeError } from '../util/errorText.ts';
import type { HeldPass } from './passesInFlight.ts';

/** A batch of a's rows at even positions (0, 2, …) and b's at odd ones; a and b of one shape, rank ≥ 1. */
export function mixedBatch(a: Tensor, b: Tensor): Tensor {
  const rows = a.shape[0] ?? 0;
  const rowSize = rows === 0 ? 0 : a.size / rows;
  const data = new Float64Array(a.size);
  for (let r = 0; r < rows; r++) {
    const from = r % 2 === 0 ? a.data : b.data;
    data.set(from.subarray(r * rowSize, (r + 1) * rowSize), r * rowSize);
  }
  return new Tensor(data, a.shape.slice());
}

/**
 * Compares the mixed batch's y and dx with the rows of the passes of x₁ (`first`) and x₂
 * (`second`) alone, running the mixed pass's backward once. Undefined below two rows (nothing
 * to mix); passes with a `skipped` detail for a layer that declares `batchIndependent: false`.
 */
export function rowsIndependentCheck(
  layer: Layer,
  backward: (pass: Pass) => (dy: Tensor) => Gradients,
  first: HeldPass,
  second: HeldPass,
  mixed: Pass,
): CheckResult | undefined {
  const owner = layer.name;
  const rows = first.x.shape[0] ?? 0;
  if (rows < 2) return undefined;
  if (layer.batchIndependent === false) {
    return { name: 'rows independent', ok: true, detail: `skipped: ${owner} mixes the rows of a batch (it declares batchIndependent: false)` };
  }
  const notBatch = [first.y, second.y, mixed.y].find((y) => !(y instanceof Tensor) || y.shape[0] !== rows);
  if (notBatch) {
    const shape = notBatch instanceof Tensor ? formatShape(notBatch.shape) : 'no tensor';
    return { name: 'rows independent', ok: false, detail: `${owner}.y has shape ${shape} for a batch of ${rows} rows; axis 0 of the output must be the batch` };
  }
  const yChange = firstChange(owner, 'y', mixedBatch(second.y, first.y), mixed.y, 'when the other rows of x changed (row i of y must depend on row i of x alone)');
  // From three rows on, the cotangent's last row is zero: row i of dx must then be zero too,
  // whatever the rows before it held (a backward that skips a zero row of dy and leaves what an
  // earlier row or call wrote there shows only with such a row, which drawn cotangents almost
  // never hold). Rows of both parities are still compared before it.
  const zeroLast = rows >= 3;
  const cotangent = mixedBatch(second.dy, first.dy);
  if (zeroLast) cotangent.data.fill(0, (rows - 1) * (cotangent.size / rows));
  let gradients: Gradients;
  try {
    gradients = backward(mixed)(cotangent);
  } catch (error) {
    return { name: 'rows independent', ok: false, detail: `${owner}: the backward of a batch mixing the rows of two inputs threw ${describeError(error)}` };
  }
  if (!(gradients?.dx instanceof Tensor)) return { name: 'rows independent', ok: false, detail: `${owner}: the backward of a batch mixing the rows of two inputs returned no dx tensor` };
  const expectedDx = mixedBatch(second.snapshot.dx, first.snapshot.dx);
  const compared = zeroLast ? rows - 1 : rows;
  // The rows before a zero one must be bit for bit those of the passes alone.
  const leading = (t: Tensor) => (compared === rows ? t : new Tensor(t.data.subarray(0, compared * (t.size / rows)), [compared, ...t.shape.slice(1)]));
  if (gradients.dx.size !== expectedDx.size) return verdict('rows independent', [yChange, `${owner}.dx has shape ${formatShape(gradients.dx.shape)} for x of shape ${formatShape(expectedDx.shape)}`]);
  const dxChange = firstChange(owner, 'dx', leading(expectedDx), leading(gradients.dx), 'when the other rows of x and dy changed (row i of dx must depend on row i of x and of dy alone)');
  return verdict('rows independent', [yChange, dxChange ?? (zeroLast ? zeroRowChange(owner, expectedDx, gradients.dx, rows) : undefined)]);
}

/**
 * The first entry of dx's last row that is not zero for a last row of dy that is zero, where the
 * same row's dx for a nonzero dy (`reference`) is finite (0·∞ is left to `finite values`).
 */
function zeroRowChange(owner: string, reference: Tensor, dx: Tensor, rows: number): string | undefined {
  const rowSize = dx.size / rows;
  for (let i = (rows - 1) * rowSize; i < dx.size; i++) {
    const value = dx.data[i]!;
    if (value !== 0 && Number.isFinite(reference.data[i]!)) {
      return `${coordinateName(owner, 'dx', dx.shape, i)} is ${formatNumber(value)} for a row of dy that is all zero (expected 0: row i of dx must depend on row i of dy alone, and vanish with it)`;
    }
  }
  return undefined;
}
