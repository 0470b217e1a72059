/**
 * What a failed gradient check found, each fact once: one line on what was compared, then every
 * failed check, the gradient's with one line per disagreeing entry (gradient, entry, analytic,
 * numeric, tolerance). {@link formatReport} prints the whole report; a failure message wants
 * this shorter form, in which the worst entry is not repeated after the check's summary.
 */
import type { GradientReport } from './report.ts';
import { formatComparison } from './formatReport.ts';

/** The findings of a report as indented lines (none for a report that passed). */
export function formatFindings(report: GradientReport): string[] {
  if (report.ok) return [];
  const owner = report.layer;
  const unit = report.mode === 'full' ? 'coordinates' : 'probes';
  const kinks = `${report.kinkCount} kink${report.kinkCount === 1 ? '' : 's'}`;
  const lines = [`  ${report.mode} mode, input [${report.inputShape.join(', ')}]: ${report.compared} ${unit} compared, ${kinks}`];
  for (const check of report.checks) {
    if (check.ok) {
      if (check.detail) lines.push(`  - ${check.name}: ${check.detail}`);
      continue;
    }
    if (check.name !== 'gradient') {
      lines.push(`  ✗ ${check.name}: ${check.detail ?? ''}`);
      continue;
    }
    lines.push(`  ✗ gradient: ${report.mismatchCount} of ${report.compared} ${unit} disagree with finite differences`);
    for (const c of report.mismatches) lines.push(`      ${formatComparison(owner, c)}`);
    const unlisted = report.mismatchCount - report.mismatches.length;
    if (unlisted > 0) {
      const worstListed = report.worst === undefined || report.mismatches.includes(report.worst);
      lines.push(`      … and ${unlisted} more${worstListed ? '' : `, the worst of all ${formatComparison(owner, report.worst!)}`}`);
    }
  }
  return lines;
}
