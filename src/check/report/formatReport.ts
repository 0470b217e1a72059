/**
 * Reports for people: one line per finding, naming layer, gradient and index, e.g.
 * `dense.b[2]: analytic −0.31, numeric −1.24 (rel. error 0.75, tolerance 2.4e-10), at b[2] = 0.1`.
 */
import type { GradientComparison, GradientReport, Kink, TieGroupSite } from './report.ts';
import { formatError, formatNumber } from './formatNumber.ts';

/** Tied coordinates listed by name, at most this many. */
const listedTieMembers = 4;

/**
 * `dense.W[1, 0]`, `dense.W (probe 0)` for a fast-mode direction, or
 * `maxPool2d.x[0, 0, 1, 1] + x[0, 0, 1, 2] along their sum` for tied coordinates judged together.
 */
function formatSite(owner: string, site: { tensor: string; index: readonly number[]; probe?: number; tieGroup?: TieGroupSite }): string {
  if (site.tieGroup) {
    const { members, along } = site.tieGroup;
    const { tensors, signs } = site.tieGroup;
    const listed = members.slice(0, listedTieMembers).map((index, i) => `${tensors?.[i] ?? site.tensor}[${index.join(', ')}]`);
    const joined = listed.map((member, i) => (i === 0 ? member : `${(signs?.[i] ?? 1) < 0 ? '−' : '+'} ${member}`)).join(' ');
    const more = members.length > listedTieMembers ? ` + … (${members.length} tied)` : '';
    return `${owner}.${joined}${more} along ${along === 'sum' ? 'their sum' : 'a random mixture'}`;
  }
  return site.index.length > 0 || site.probe === undefined
    ? `${owner}.${site.tensor}[${site.index.join(', ')}]`
    : `${owner}.${site.tensor} along probe ${site.probe}`;
}

/** One comparison in one line. */
export function formatComparison(owner: string, c: GradientComparison): string {
  const where = Number.isNaN(c.input) ? '' : `, at ${c.tensor}[${c.index.join(', ')}] = ${formatNumber(c.input)}`;
  const kink = c.kink ? `, a kink: one-sided ${formatNumber(c.kink.left)} and ${formatNumber(c.kink.right)}` : '';
  return (
    `${formatSite(owner, c)}: analytic ${formatNumber(c.analytic)}, numeric ${formatNumber(c.numeric)} ` +
    `(rel. error ${formatError(c.relativeError)}, tolerance ${formatError(c.tolerance)})${kink}${where}`
  );
}

/** One kink in one line. */
function formatKink(owner: string, k: Kink): string {
  const at = Number.isNaN(k.input) ? '' : ` at ${formatNumber(k.input)}`;
  const verdict =
    k.explained === 'several kinks' ? 'crosses several kinks; every part passed on its own'
    : k.explained === 'neighbouring piece' ? 'a tie shared with other coordinates; the derivative on a neighbouring piece'
    : k.explained === 'kinks of several outputs' ? 'several outputs kink at once; the derivative of each lies between its own one-sided derivatives'
    : k.ok ? 'a subgradient' : 'NOT between them';
  return `${formatSite(owner, k)}${at}: one-sided derivatives ${formatNumber(k.left)} and ${formatNumber(k.right)}, analytic ${formatNumber(k.analytic)}, ${verdict}`;
}

/** The whole report: a summary line, then every failed check with its findings, then the kinks. */
export function formatReport(report: GradientReport): string {
  const owner = report.layer;
  const unit = report.mode === 'full' ? 'coordinates' : 'probes';
  const jvps = report.evaluations.jvp ? ` / ${report.evaluations.jvp} jvp` : '';
  const passes = `${report.evaluations.forward} forward / ${report.evaluations.backward} backward${jvps} passes`;
  const kinks = `${report.kinkCount} kink${report.kinkCount === 1 ? '' : 's'}`;
  const worst = report.worst ? `, worst rel. error ${formatError(report.worst.relativeError)}` : '';
  const precision = report.precision ? `${report.precision}, ` : '';
  const lines = [
    `${owner}: ${report.ok ? 'ok' : 'FAILED'} (${precision}${report.mode} mode, input [${report.inputShape.join(', ')}], ${report.compared} ${unit}${worst}, ${kinks}, ${passes})`,
  ];
  for (const check of report.checks) {
    if (check.ok) continue;
    lines.push(`  ✗ ${check.name}: ${check.detail ?? ''}`);
    if (check.name === 'gradient') {
      for (const c of report.mismatches) lines.push(`      ${formatComparison(owner, c)}`);
      if (report.mismatchCount > report.mismatches.length) lines.push(`      … and ${report.mismatchCount - report.mismatches.length} more`);
    }
  }
  for (const check of report.checks) {
    if (check.ok && check.detail) lines.push(`  - ${check.name}: ${check.detail}`);
  }
  if (report.kinks.length > 0) {
    lines.push(`  kinks (${report.kinkCount}, the analytic value must lie between the one-sided derivatives):`);
    for (const k of report.kinks) lines.push(`      ${formatKink(owner, k)}`);
    if (report.kinkCount > report.kinks.length) lines.push(`      … and ${report.kinkCount - report.kinks.length} more`);
  }
  return lines.join('\n');
}
