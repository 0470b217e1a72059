/**
 * What the console sink prints, as pure functions of events: the progress bar, the
 * periodic line, and the lines for milestones (run start and end, evaluations, failed
 * audits, alarms). Text that comes from user code or a file (run ids, layer names, alarm and
 * error messages, a split's name) has its control characters escaped, so no line can move
 * the cursor, clear the screen or break into two.
 */
import { terminalSafe, terminalSafeLines } from './terminalText.ts';
import type { AlarmEvent, AuditEvent, EvaluationEvent, RunEndEvent, RunStartEvent, StepEvent } from './events.ts';

/** A number for people: 4 significant digits, or exponent form when very small or large. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude === 0) return '0';
  if (magnitude >= 1e-3 && magnitude < 1e5) return String(Number(value.toPrecision(4)));
  return value.toExponential(2);
}

/** Seconds as m:ss, or h:mm:ss from an hour on. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** The run's gradient audits so far, as the console sink counts them. */
export interface AuditTally {
  readonly passed: number;
  readonly failed: number;
  /** Distinct layers audited. */
  readonly layers: number;
  /** Layers the audits take in turn, when the audit events say (`auditableLayers`); null otherwise. */
  readonly of: number | null;
}

/** Where a run stands, as the console sink tracks it. */
export interface Progress {
  readonly step: StepEvent;
  readonly startStep: number;
  readonly totalSteps: number | null;
  readonly audits: AuditTally;
  readonly alarms: number;
}

/** Seconds left at the run's average pace so far, or null when unknown. */
export function secondsLeft({ step, startStep, totalSteps }: Progress): number | null {
  const done = step.step - startStep;
  if (totalSteps === null || done <= 0 || step.wallTime <= 0) return null;
  return ((totalSteps - step.step) * step.wallTime) / done;
}

const barCells = 24;
const partialBlocks = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `cells` character cells filled to `fraction`, in eighths of a cell. */
export function bar(fraction: number, cells = barCells): string {
  const eighths = Math.round(Math.min(1, Math.max(0, fraction)) * cells * 8);
  const full = Math.floor(eighths / 8);
  const partial = partialBlocks[eighths % 8]!;
  return '█'.repeat(full) + partial + ' '.repeat(cells - full - (partial ? 1 : 0));
}

/** `audits 12 ok over 3 of 3 layers`, `audits 1/12 FAILED over 2 of 3 layers`, or null before the first audit. */
export function auditsText({ passed, failed, layers, of }: AuditTally): string | null {
  const total = passed + failed;
  if (total === 0) return null;
  const counted = failed === 0 ? `${total} ok` : `${failed}/${total} FAILED`;
  const over = of === null ? `${layers} layer${layers === 1 ? '' : 's'}` : `${layers} of ${of} layer${of === 1 ? '' : 's'}`;
  return `audits ${counted} over ${over}`;
}

function auditSummary(progress: Progress): string {
  const text = auditsText(progress.audits);
  return text === null ? '' : ` · ${text}`;
}

/** The progress bar line (no newline), cut to `columns`. */
export function progressBarLine(progress: Progress, columns: number): string {
  const { step, totalSteps } = progress;
  const left = secondsLeft(progress);
  const head = totalSteps !== null
    ? `▕${bar(step.step / totalSteps)}▏ ${String(Math.floor((100 * step.step) / totalSteps)).padStart(3)}% step ${step.step}/${totalSteps}`
    : `step ${step.step} · epoch ${step.epoch}`;
  const timing = left !== null ? `ETA ${formatDuration(left)}` : `${formatDuration(step.wallTime)} elapsed`;
  const alarms = progress.alarms > 0 ? ` · ${progress.alarms} alarm${progress.alarms === 1 ? '' : 's'}` : '';
  const line = `${head} · loss ${formatNumber(step.loss)} · ${formatNumber(step.samplesPerSecond)} samples/s · ${timing}${auditSummary(progress)}${alarms}`;
  return [...line].slice(0, Math.max(10, columns - 1)).join('');
}

/** The periodic line written when the output is not a terminal. */
export function progressLine(progress: Progress): string {
  const { step, totalSteps } = progress;
  const left = secondsLeft(progress);
  const where = totalSteps !== null ? `step ${step.step}/${totalSteps} (${Math.floor((100 * step.step) / totalSteps)}%)` : `step ${step.step}`;
  const eta = left !== null ? ` ETA ${formatDuration(left)}` : '';
  return `${where} epoch ${step.epoch} loss ${formatNumber(step.loss)} lr ${formatNumber(step.learningRate)} ${formatNumber(step.samplesPerSecond)} samples/s elapsed ${formatDuration(step.wallTime)}${eta}${auditSummary(progress)}`;
}

/** The line that opens a run. */
export function runStartLine(event: RunStartEvent): string {
  const parameters = event.graph.reduce((sum, node) => sum + node.parameters, 0);
  const steps = event.totalSteps ? `, ${event.totalSteps} steps` : '';
  const resumed = event.startStep > 0 ? `, resuming at step ${event.startStep}` : '';
  return terminalSafe(`run ${event.runId}: ${event.graph.length} nodes, ${parameters.toLocaleString('en-US')} parameters, seed ${event.seed}${steps}${resumed}`);
}

/** An evaluation's line. */
export function evaluationLine(event: EvaluationEvent): string {
  const accuracy = event.accuracy === null ? '' : `, accuracy ${(100 * event.accuracy).toFixed(2)}%`;
  return terminalSafe(`evaluation (${event.split}) at step ${event.step}, epoch ${event.epoch}: loss ${formatNumber(event.loss)}${accuracy}`);
}

/** A failed audit's line (passing audits are only counted). */
export function failedAuditLine(event: AuditEvent): string {
  return terminalSafe(`✗ gradient audit FAILED at step ${event.step}: layer ${event.layer}, worst relative error ${formatNumber(event.worstRelativeError)} — ${event.summary}`);
}

/** An alarm's line; with its repro bundle, the command that shrinks it to a test. */
export function alarmLine(event: AlarmEvent): string {
  const layer = event.layer ? ` in layer ${event.layer}` : '';
  const policy = event.policy === 'stop' ? 'the run stops' : 'the run goes on';
  const repro = event.repro === undefined ? '' : `; a test from it: gradstream repro ${/[\s'"]/.test(event.repro) ? JSON.stringify(event.repro) : event.repro}`;
  return terminalSafe(`⚠ alarm at step ${event.step} (${event.kind})${layer}: ${event.message}; ${policy}${repro}`);
}

/**
 * The line that closes a run, with the run's audits when there were any. A failed run's
 * error message keeps its own line breaks (an error may span lines); every other control
 * character is escaped.
 */
export function runEndLine(event: RunEndEvent, lastLoss: number | null, audits?: AuditTally): string {
  return terminalSafeLines(runEndText(event, lastLoss, audits));
}

function runEndText(event: RunEndEvent, lastLoss: number | null, audits?: AuditTally): string {
  const loss = lastLoss === null ? '' : `; final loss ${formatNumber(lastLoss)}`;
  const audited = audits ? auditsText(audits) : null;
  const tally = audited === null ? '' : `; ${audited}`;
  const took = `${formatDuration(event.durationSeconds)}`;
  switch (event.reason) {
    case 'completed': return `run completed: ${event.step} steps in ${took}${loss}${tally}`;
    case 'stopped': return `run stopped at step ${event.step} after ${took}${loss}${tally}`;
    case 'alarm': return `run stopped by an alarm at step ${event.step} after ${took}${loss}${tally}`;
    case 'error': return `run failed at step ${event.step} after ${took}: ${event.error ?? 'unknown error'}${tally}`;
  }
}
