/** A parser of the Prometheus text exposition format, for tests. */

export interface Sample { name: string; labels: Record<string, string>; value: number }

/** Parses the Prometheus text exposition format (0.0.4): HELP/TYPE comments and samples. */
export function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (comment) {
      if (comment[1] === 'TYPE') types.set(comment[2]!, comment[3]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not an exposition line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const pair of (sample[2] ?? '').split(',').filter(Boolean)) {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$/.exec(pair);
      if (!label) throw new Error(`bad label ${pair} in ${line}`);
      labels[label[1]!] = label[2]!;
    }
    samples.push({ name: sample[1]!, labels, value: parseValue(sample[3]!, line) });
  }
  return { types, samples };
}

/** A sample value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any letter case; prom-client writes "Nan"). */
function parseValue(text: string, line: string): number {
  if (/^nan$/i.test(text)) return Number.NaN;
  const infinity = /^([+-]?)inf(inity)?$/i.exec(text);
  if (infinity) return infinity[1] === '-' ? -Infinity : Infinity;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`bad value in ${line}`);
  return value;
}

