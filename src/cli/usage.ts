/**
 * A command's usage text, built from its option table so that the help can never leave an
 * option out: the synopsis, the arguments, then every option with its one-line description.
 *
 * ```
 * usage: gradstream replay <file.jsonl> [options]
 *
 * arguments:
 *   file.jsonl          a run recorded with --jsonl
 *
 * options:
 *   --every N           a progress line every N steps (default: about ten lines per run)
 *   -h, --help          print this help and exit
 * ```
 */
import { helpOption, type OptionTable } from './options.ts';

/** A titled block of `[name, description]` rows. */
export interface UsageSection {
  readonly title: string;
  readonly rows: readonly (readonly [string, string])[];
}

/** What a usage text shows. */
export interface UsageParts {
  /** Synopsis lines, without `gradstream ` in front: `run <scenario> [options]`. */
  readonly synopsis: readonly string[];
  /** The positional arguments, `[name, description]`. Default none. */
  readonly arguments?: readonly (readonly [string, string])[] | undefined;
  /** The command's options; `--help` is added. */
  readonly options: OptionTable;
  /** Further blocks after the options (a scenario's own options). Default none. */
  readonly sections?: readonly UsageSection[] | undefined;
}

/** The usage text of `parts`, starting `usage: gradstream …`. */
export function formatUsage(parts: UsageParts): string {
  const [first, ...others] = parts.synopsis;
  const synopsis = [`usage: gradstream ${first ?? ''}`, ...others.map((line) => `       gradstream ${line}`)];
  const sections: UsageSection[] = [];
  if (parts.arguments?.length) sections.push({ title: 'arguments', rows: parts.arguments });
  sections.push({ title: 'options', rows: [...optionRows(parts.options), ['-h, --help', helpOption.description]] });
  sections.push(...(parts.sections ?? []));
  const blocks = sections.map((section) => {
    const width = Math.max(...section.rows.map(([name]) => name.length));
    return [`${section.title}:`, ...section.rows.map(([name, description]) => `  ${name.padEnd(width)}  ${description}`.trimEnd())].join('\n');
  });
  return [synopsis.join('\n'), ...blocks].join('\n\n');
}

/** One `[--name PLACEHOLDER, description]` row per option of `table`. */
export function optionRows(table: OptionTable): [string, string][] {
  return Object.entries(table).map(([name, spec]) => [spec.kind === 'flag' ? `--${name}` : `--${name} ${spec.type.placeholder}`, spec.description]);
}
