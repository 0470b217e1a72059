/** What the benchmark ran on and which commit it measured, printed and saved with the figures. */
import { cpus, loadavg, totalmem, platform, arch } from 'node:os';
import { execFileSync } from 'node:child_process';

/** The machine and software of a run. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly platform: string;
  readonly node: string;
  readonly v8: string;
  /** The 1-minute load average when the run began: other work on a shared machine shows here. */
  readonly loadAverage: number;
}

/** The current machine. */
export function currentMachine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${platform()} ${arch()}`,
    node: process.version,
    v8: process.versions.v8,
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
  };
}

/** One line describing the machine. */
export function describeMachine(machine: Machine): string {
  return `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node} (V8 ${machine.v8}), load average ${machine.loadAverage} at start`;
}

/** The checked-out commit (short hash, with `+` when the working tree has changes), or 'unknown' outside git. */
export function currentCommit(): string {
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${hash}+` : hash;
  } catch {
    return 'unknown';
  }
}
