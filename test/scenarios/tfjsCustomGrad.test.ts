import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { tfjsCustomGrad, geluTanhOp } from '../../src/scenarios/tfjsCustomGrad.ts';
import { recordingContext } from '../../src/scenarios/scenario.ts';
import { tensor } from '../../src/tensor/tensor.ts';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { fromTfjsFunction } from '../../src/tfjs.ts';

it('catches the planted slip in the TensorFlow.js gradient, shrunk and named, passes the fix, and the fix matches its float64 twin', async () => {
  const context = recordingContext({ seed: tfjsCustomGrad.defaultSeed, quick: true });
  const outcome = await tfjsCustomGrad.run(context);
  expect(outcome.mistakeCaught).toBe(true);
  expect(outcome.counterexample?.batch).toBe(1);
  expect(outcome.mistakeReport!.mismatches.length).toBeGreaterThan(0);
  expect(outcome.mistakeReport!.mismatches.every((m) => m.tensor === 'x')).toBe(true);
  expect(outcome.mistakeReport!.precision).toBe('float32');
  expect(outcome.fixedOk).toBe(true);
  expect(outcome.twinOk).toBe(true);
  expect(outcome.tensorsLeft).toBe(0);
  expect(context.lines.join('\n')).toContain('the smallest failing case, as a test:');
});

it('the smallest failing case it prints fails as a regression test would, and the fix passes there', () => {
  const x = tensor([[0, 0, 0.5]]), dy = tensor([[0, 0, 1]]);
  expect(checkGradients(fromTfjsFunction(geluTanhOp(tf, { plantedMistake: true })), x, { dy }).ok).toBe(false);
  expect(checkGradients(fromTfjsFunction(geluTanhOp(tf)), x, { dy }).ok).toBe(true);
});
