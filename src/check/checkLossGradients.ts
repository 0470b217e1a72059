/**
 * `checkLossGradients`: a loss's ∂L/∂prediction against finite differences of L, with the
 * checks that apply to a loss (no dy: the loss is already a scalar).
 */
import { Tensor, describe, formatShape, sameShape } from '../tensor/tensor.ts';
import { createRandom } from '../tensor/random.ts';
import type { Loss, LossPass } from '../layers/contract.ts';
import type { CheckResult, GradientMode, GradientReport } from './report/report.ts';
import type { TallyResult } from './numeric/tally.ts';
import { determinismCheck, finiteCheck, verdict } from './layerChecks.ts';
import { firstChange } from './numeric/tensorChecks.ts';
import { roundingFactor, type Variable } from './numeric/objective.ts';
import { compareGradients } from './numeric/compareGradients.ts';
import { assertGradientOptions, fullModeLimit } from './checkGradients.ts';
import { attempt, buildReport, gradientSkipped } from './buildReport.ts';
import { describeError } from '../util/errorText.ts';

/** Options of {@link checkLossGradients}. */
export interface CheckLossOptions {
  /** `'full'` or `'fast'`. Default: full when the prediction holds at most 1024 numbers. */
  readonly mode?: GradientMode | undefined;
  /** Seed of the probe directions. Default 0. */
  readonly seed?: number | undefined;
  /** Fast mode: random directions. Default 2. */
  readonly probes?: number | undefined;
  /** How many mismatches and kinks the report lists. Default 10. */
  readonly maxMismatches?: number | undefined;
}

/** Checks a loss's gradient with respect to the prediction; never throws for a wrong loss. */
export function checkLossGradients(loss: Loss, prediction: Tensor, target: Tensor, options: CheckLossOptions = {}): GradientReport {
  if (typeof loss?.forward !== 'function') throw new TypeError(`checkLossGradients: expected a Loss (name, forward), got ${describe(loss)}`);
  if (!(prediction instanceof Tensor) || !(target instanceof Tensor)) {
    throw new TypeError(`checkLossGradients(${loss.name}): prediction and target must be Tensors, got ${describe(prediction)} and ${describe(target)}`);
  }
  assertGradientOptions(`checkLossGradients(${loss.name})`, options);
  const owner = loss.name;
  const seed = options.seed ?? 0;
  const mode = options.mode ?? (prediction.size <= fullModeLimit ? 'full' : 'fast');
  const evaluations = { forward: 0, backward: 0 };
  const input = prediction.clone();
  const targetCopy = target.clone();
  const forward = (): LossPass => {
    evaluations.forward++;
    return loss.forward(input, targetCopy);
  };
  const backward = (pass: LossPass): Tensor => {
    evaluations.backward++;
    return pass.backward();
  };
  const checks: CheckResult[] = [];
  const header = { layer: owner, mode, inputShape: prediction.shape, seed };
  const report = (tally?: TallyResult, last?: CheckResult) => buildReport(header, last ? [...checks, last] : checks, evaluations, tally);

  const first = attempt('forward runs', forward, checks);
  if (!first) return report();
  const gradient = attempt('backward runs', () => backward(first), checks);
  checks.push(verdict('inputs unchanged', [
    firstChange(owner, 'prediction', prediction, input, 'during forward or backward'),
    firstChange(owner, 'target', target, targetCopy, 'during forward or backward'),
  ]));
  input.data.set(prediction.data);
  targetCopy.data.set(target.data);
  if (!gradient) return report();
  const shapeOk = gradient instanceof Tensor && sameShape(gradient.shape, prediction.shape);
  checks.push(shapeOk ? { name: 'gradient shapes', ok: true } : {
    name: 'gradient shapes',
    ok: false,
    detail: `${owner}: backward returned ${gradient instanceof Tensor ? `shape ${formatShape(gradient.shape)}` : 'no tensor'}, expected the prediction's shape ${formatShape(prediction.shape)}`,
  });
  if (!shapeOk) return report();
  try {
    const loss0 = first.loss;
    const second = forward();
    checks.push(finiteCheck(owner, [['loss', new Tensor(Float64Array.of(loss0), [])], ['dprediction', gradient]]));
    checks.push(determinismCheck(owner, [
      ['loss', new Tensor(Float64Array.of(loss0), []), new Tensor(Float64Array.of(second.loss), []), 'between two forward calls'],
      ['dprediction', gradient, backward(first), 'between two backward calls of one pass'],
      ['dprediction', gradient, backward(second), 'between the backward calls of two passes'],
    ]));
    if (!checks.every((c) => c.ok)) return report(undefined, gradientSkipped);
    const variables: Variable[] = [{ name: 'prediction', value: input, analytic: gradient }];
    const objective = {
      variables,
      // A loss is one sum over every element: its rounding is ε times its magnitude, wherever the change is.
      change: () => {
        const loss1 = forward().loss;
        return { delta: loss1 - loss0, noise: roundingFactor * Number.EPSILON * Math.max(Math.abs(loss0), Math.abs(loss1)) };
      },
      gradientAt: () => backward(forward()).data,
    };
    const tally = compareGradients(objective, { mode, random: createRandom(seed), probes: options.probes ?? 2, maxListed: options.maxMismatches ?? 10, owner });
    return report(tally, tally.check);
  } catch (error) {
    checks.push({ name: 'forward runs', ok: false, detail: `threw on a later call: ${describeError(error)}` });
    return report();
  }
}
