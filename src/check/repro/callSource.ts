/**
 * A factory call written as JavaScript source, for the test `gradstream repro` prints:
 * `{ factory: 'conv2d', args: [2, 3, 3, { padding: 1 }] }` → `conv2d(2, 3, 3, { padding: 1 })`.
 * The arguments are JSON values; object keys that are identifiers are written bare, others
 * quoted; keys whose value is undefined are left out, as JSON leaves them out.
 */
import type { FactoryCall } from '../../layers/contract.ts';
import { numberSource, singleQuoted } from '../property/counterexample.ts';

/** `factory(arg, …)`, each argument as a literal. */
export function callSource(call: FactoryCall): string {
  return `${call.factory}(${call.args.map(literalSource).join(', ')})`;
}

/** A JSON value as a JavaScript literal that reads back the same. */
export function literalSource(value: unknown): string {
  if (typeof value === 'number') return numberSource(value);
  if (typeof value === 'string') return singleQuoted(value);
  if (typeof value === 'boolean' || value === null) return String(value);
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(literalSource).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));
  return `{ ${entries.map(([name, v]) => `${key(name)}: ${literalSource(v)}`).join(', ')} }`;
}
