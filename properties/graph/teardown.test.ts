/**
 * No subscription is left open after a run completes, fails or is stopped: every edge's
 * subscription (counted by an edge operator that wraps each one), the data source's, and
 * every listener of the telemetry and the taps, which all see `complete`.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Observable, asyncScheduler, observeOn, from } from 'rxjs';
import type { Batch } from '../../src/data/dataset.ts';
import { train } from '../../src/graph/trainer.ts';
import { sgd } from '../../src/optim/sgd.ts';
import type { EdgeOperator } from '../../src/graph/wiring.ts';
import type { Message } from '../../src/graph/message.ts';
import { batchesOf, buildGraph, lossOf, recipes } from './randomGraphs.ts';
import { propertyRuns } from '../../test/setup/propertyRuns.ts';
import { faultyLayer } from '../../test/graph/helpers.ts';

type Ending = { kind: 'complete' } | { kind: 'stop'; atStep: number } | { kind: 'throw'; atStep: number; phase: 'forward' | 'backward' } | { kind: 'stop-waiting' };

const endings: fc.Arbitrary<Ending> = fc.oneof(
  fc.constant({ kind: 'complete' as const }),
  fc.record({ kind: fc.constant('stop' as const), atStep: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('throw' as const), atStep: fc.integer({ min: 1, max: 4 }), phase: fc.constantFrom('forward' as const, 'backward' as const) }),
  fc.constant({ kind: 'stop-waiting' as const }),
);

describe('teardown', () => {
  it('leaves no subscription open after a run completes, fails or is stopped', async () => {
    await fc.assert(
      fc.asyncProperty(recipes(4), endings, fc.boolean(), async (recipe, ending, asynchronous) => {
        let openEdges = 0;
        let openData = 0;
        const counted: EdgeOperator = (source) =>
          new Observable<Message>((subscriber) => {
            openEdges++;
            const inner = (asynchronous ? source.pipe(observeOn(asyncScheduler)) : source).subscribe(subscriber);
            return () => { openEdges--; inner.unsubscribe(); };
          });
        // A parameter-free layer at the end of the random graph that throws at a chosen step.
        const fault = ending.kind === 'throw' ? ending : undefined;
        const net = buildGraph(recipe, faultyLayer({
          forward: (step) => { if (fault?.phase === 'forward' && step === fault.atStep) throw new Error('forward fault'); },
          backward: (step) => { if (fault?.phase === 'backward' && step === fault.atStep) throw new Error('backward fault'); return undefined; },
        }));
        const batches = batchesOf(recipe, 5);
        const data = new Observable<Batch>((subscriber) => {
          openData++;
          const source = ending.kind === 'stop-waiting' ? from(batches.slice(0, 2)) : from(batches);
          const subscription = source.subscribe({ next: (b) => subscriber.next(b), complete: () => { if (ending.kind !== 'stop-waiting') subscriber.complete(); } });
          return () => { openData--; subscription.unsubscribe(); };
        });
        const run = train(net, data, { loss: lossOf(recipe), optimizer: sgd(0.1), edge: counted });
        let completions = 0;
        for (const stream of [run.telemetry$, run.taps.forward$, run.taps.backward$, run.taps.update$, run.taps.step$] as Observable<unknown>[]) {
          stream.subscribe({ complete: () => completions++ });
        }
        if (ending.kind === 'stop') run.taps.step$.subscribe(({ step }) => step === ending.atStep && run.stop());
        if (ending.kind === 'stop-waiting') run.taps.step$.subscribe(({ step }) => step === 2 && setTimeout(() => run.stop(), 2));
        const outcome = await run.result.then((r) => r.reason, (e: Error) => e.message);
        if (ending.kind === 'throw') expect(outcome).toContain(`${ending.phase} fault`);
        else expect(outcome).toBe(ending.kind === 'complete' ? 'completed' : 'stopped');
        expect(openEdges).toBe(0);
        expect(openData).toBe(0);
        expect(completions).toBe(5);
      }),
      { numRuns: propertyRuns(30) },
    );
  });
});
