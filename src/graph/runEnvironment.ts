/**
 * Where a run ran, as its `run-start` event records it: gradstream's version, the machine's
 * name and the JavaScript runtime. Enough to tell two runs of a sweep apart when one was made
 * on another machine or with another release.
 *
 * Portable: in Node the host name comes from `node:os`, asked for at run time; in a browser
 * there is none (null), and the runtime is the browser's user agent.
 */
import type * as Os from 'node:os';
import { knownPackageVersion } from '../packageVersion.ts';
import type { RunEnvironment } from '../telemetry/events.ts';

/** The environment of a run starting now, in this process. */
export function runEnvironment(): RunEnvironment {
  const host = globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown }; navigator?: { userAgent?: string } };
  const node = host.process?.versions?.node;
  const os = typeof host.process?.getBuiltinModule === 'function' ? (host.process.getBuiltinModule('node:os') as typeof Os | undefined) : undefined;
  return {
    gradstream: knownPackageVersion(),
    host: os ? os.hostname() : null,
    runtime: node !== undefined ? `node ${node}` : (host.navigator?.userAgent ?? 'unknown'),
  };
}
