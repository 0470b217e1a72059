/**
 * Every optional field in src is declared `field?: T | undefined`, so that projects compiled
 * with `exactOptionalPropertyTypes` can pass a value that may be undefined (the functions read
 * undefined as not given). The project itself compiles without that flag, where the two
 * spellings mean the same; this test keeps the published declarations consistent.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A one-line optional field: indentation, `readonly` or not, a name, `?:`, its type, `;`. */
const optionalField = /^\s+(?:readonly\s+)?[A-Za-z_$][\w$]*\?: (.+);(?:\s*\/\/.*)?$/;

/** The lines of optional fields whose type does not end in `| undefined`. */
export function fieldsWithoutUndefined(source: string): string[] {
  return source.split('\n').filter((line) => {
    const type = optionalField.exec(line)?.[1]?.trim();
    return type !== undefined && !/(^|\|\s*)undefined$/.test(type);
  });
}

function typeScriptFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('optional fields', () => {
  it('tells the two spellings apart (a check of the rule itself)', () => {
    expect(fieldsWithoutUndefined('  readonly seed?: number;\n  name?: string | undefined;\n  readonly on?: ((x: number) => void) | undefined;')).toEqual(['  readonly seed?: number;']);
  });

  it('take undefined everywhere in src', () => {
    const offenders = typeScriptFiles(join(root, 'src')).flatMap((path) => fieldsWithoutUndefined(readFileSync(path, 'utf8')).map((line) => `${relative(root, path)}: ${line.trim()}`));
    expect(offenders, 'declare them field?: T | undefined (a function type in parentheses)').toEqual([]);
  });
});
