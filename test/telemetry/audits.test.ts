import { describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { liveAudits, type AuditBody } from '../../src/telemetry/audits.ts';
import type { AuditEvent, EventBody } from '../../src/telemetry/events.ts';
import { tinyRun } from './tinyRun.ts';

/** The audit bodies (not their alarms) of a tiny run of `steps` steps. */
async function auditsOf(steps: number, options: Parameters<typeof liveAudits>[1]): Promise<EventBody<AuditEvent>[]> {
  const run = tinyRun(steps);
  const bodies = lastValueFrom(liveAudits(run, options).pipe(toArray()));
  await run.result;
  return (await bodies).filter((body: AuditBody): body is EventBody<AuditEvent> => body.type === 'audit');
}

const scheduleOf = (audits: readonly EventBody<AuditEvent>[]) => audits.map((a) => `${a.layer}@${a.step}`);

describe('liveAudits schedule', () => {
  it('audits every layer once in a short run, one per step from the first, before the every-N rotation', async () => {
    const audits = await auditsOf(5, { everySteps: 100 });
    expect(scheduleOf(audits)).toEqual(['dense_1@1', 'relu_1@2', 'dense_2@3']);
    expect(audits.every((a) => a.ok && a.auditableLayers === 3)).toBe(true);
  });

  it('then rotates every everySteps steps, continuing the turn, one layer per step boundary', async () => {
    const audits = await auditsOf(40, { everySteps: 10 });
    expect(scheduleOf(audits)).toEqual(['dense_1@1', 'relu_1@2', 'dense_2@3', 'dense_1@10', 'relu_1@20', 'dense_2@30', 'dense_1@40']);
    // Each boundary holds training for one layer's check at most.
    expect(new Set(audits.map((a) => a.step)).size).toBe(audits.length);
  });

  it('sweeps only the layers it is given, and says how many are in turn', async () => {
    const audits = await auditsOf(12, { everySteps: 5, layers: ['dense_2', 'dense_1'] });
    expect(scheduleOf(audits)).toEqual(['dense_1@1', 'dense_2@2', 'dense_1@5', 'dense_2@10']);
    expect(audits.map((a) => a.auditableLayers)).toEqual([2, 2, 2, 2]);
  });
});
