/**
 * What a check run adds up to: its closing line, which counts every spec found and every spec
 * checked (`12 specs found in 2 modules, 12 checked: 11 passed, 1 failed`), and its exit code.
 * Exit 0 means that every module given was loaded, every spec it exports was checked, and every
 * check passed; nothing that stopped, hung or was skipped can end in 0.
 */
import type { CheckRun } from './checkInWorkers.ts';

/** `1 spec`, `2 specs`. */
function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** The closing line of a run. */
export function formatSummary(run: CheckRun): string {
  const specs = run.specs;
  const passed = specs.filter((s) => s.status === 'passed').length;
  const failed = specs.filter((s) => s.status === 'failed').length;
  const notChecked = specs.length - passed - failed;
  const builtins = run.modules.length === 1 && run.modules[0]!.path === null;
  const searched = run.modules.filter((m) => m.status !== 'failed').length;
  const where = builtins ? ' among the built-ins' : searched > 0 ? ` in ${count(searched, 'module')}` : '';
  const checked = passed + failed;
  let line = `${count(specs.length, 'spec')} found${where}, ${checked} checked`;
  if (checked > 0) line += `: ${passed} passed${failed > 0 ? `, ${failed} failed` : ''}`;
  const problems = [
    ...(notChecked > 0 ? [`${notChecked} not checked`] : []),
    ...(run.modules.some((m) => m.status === 'failed') ? [`${count(run.modules.filter((m) => m.status === 'failed').length, 'module')} did not load`] : []),
    ...(run.modules.some((m) => m.status === 'empty') ? [`${count(run.modules.filter((m) => m.status === 'empty').length, 'module')} with no spec`] : []),
    ...(run.incidents.length > 0 ? [`${count(run.incidents.length, 'worker')} stopped between checks`] : []),
  ];
  return problems.length > 0 ? `${line}; ${problems.join(', ')}` : line;
}

/**
 * The exit code: 2 when a module exports no spec or no module could be loaded at all, 1 when any
 * spec failed or was not checked, a module did not load or a worker stopped between checks,
 * else 0.
 */
export function exitCodeOf(run: CheckRun): 0 | 1 | 2 {
  if (run.modules.some((m) => m.status === 'empty')) return 2;
  if (run.modules.every((m) => m.status === 'failed')) return 2;
  const clean = run.specs.every((s) => s.status === 'passed') && run.modules.every((m) => m.status === 'loaded') && run.incidents.length === 0;
  return clean ? 0 : 1;
}
