/**
 * Reading a command's arguments: Node's own `util.parseArgs` (strict, positionals allowed)
 * splits them by the command's option table and refuses unknown options, a value missing
 * and a value given to a flag; then every value is read by its option's {@link ValueType}. Every
 * refusal is a {@link UsageError} that names the option, the value and what was expected.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './command.ts';
import { InvalidValue, type ValueType } from './valueTypes.ts';
import { printable, quoted } from './printable.ts';

/** An option that takes no value (`--quick`). */
export interface FlagOption {
  readonly kind: 'flag';
  /** One line for the usage; says the default where there is one. */
  readonly description: string;
}

/** An option that takes a value (`--seed N`), read by its type. */
export interface ValueOption<T = unknown> {
  readonly kind: 'value';
  /** One line for the usage; says the default where there is one. */
  readonly description: string;
  readonly type: ValueType<T>;
  /** May be given more than once (`--allow-host a --allow-host b`): its value is then the list, in order. Default: the last one given counts. */
  readonly repeatable?: boolean | undefined;
}

/** One command-line option. */
export type OptionSpec = FlagOption | ValueOption;

/** A command's options by name (without the leading `--`). */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** The values of the options given: `true` for a flag, the read value otherwise. */
export type OptionValues<Table extends OptionTable> = {
  -readonly [Name in keyof Table]?: Table[Name] extends ValueOption<infer T> ? (Table[Name] extends { readonly repeatable: true } ? T[] : T) : true;
};

/** Arguments read by {@link readArguments}. */
export interface ReadArguments<Table extends OptionTable> {
  readonly positionals: string[];
  readonly values: OptionValues<Table>;
  /** The options given, as typed (validated): what a scenario receives. */
  readonly raw: Record<string, string | true>;
}

/** The option every command has: it prints the command's usage (main answers it before parsing). */
export const helpOption = { kind: 'flag', description: 'print this help and exit' } as const satisfies FlagOption;

/** True when the arguments ask for help (`--help` or `-h` before any `--`). */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/**
 * Splits `args` by `table` and reads every value by its type. A negative number after an
 * option that takes a value is that option's value (`--seed -5`), which strict `parseArgs`
 * would refuse as ambiguous; anything else starting with `-` after it is refused as a
 * missing value. An option given twice keeps its last value.
 */
export function readArguments<Table extends OptionTable>(command: string, table: Table, args: readonly string[]): ReadArguments<Table> {
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: joinNegativeValues(args, table), options: parseArgsOptions(table), strict: true, allowPositionals: true });
  } catch (error) {
    if (!isParseArgsError(error)) throw error;
    throw new UsageError(`${command}: ${describeRefusal(args, table)}`);
  }
  const values: Record<string, unknown> = {};
  const raw: Record<string, string | true> = {};
  for (const [name, given] of Object.entries(parsed.values)) {
    const spec = specOf(table, name);
    if (given === undefined || spec === undefined) continue; // `help` is main's
    if (spec.kind === 'flag') {
      values[name] = raw[name] = true;
      continue;
    }
    if (Array.isArray(given)) {
      values[name] = given.map((text) => readValue(command, name, spec.type, String(text)));
      raw[name] = given.join(',');
      continue;
    }
    values[name] = readValue(command, name, spec.type, String(given));
    raw[name] = String(given);
  }
  return { positionals: parsed.positionals, values: values as OptionValues<Table>, raw };
}

/** One option's value read by its type; a refusal becomes a usage error naming the option. */
function readValue<T>(command: string, name: string, type: ValueType<T>, text: string): T {
  try {
    return type.parse(text);
  } catch (error) {
    if (error instanceof InvalidValue) throw new UsageError(`${command}: --${name} ${error.message}`);
    throw error;
  }
}

/** `--name -5` → `--name=-5` for options that take a value, before the first `--`. */
function joinNegativeValues(args: readonly string[], table: OptionTable): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...joined, ...args.slice(i)];
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && specOf(table, name)?.kind === 'value' && next !== undefined && /^-\.?\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** The option of a name, own entries only (`--constructor` is no option). */
function specOf(table: OptionTable, name: string): OptionSpec | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** The table as `parseArgs` takes it, with `--help` / `-h`. */
function parseArgsOptions(table: OptionTable): Record<string, { type: 'boolean' | 'string'; short?: string; multiple?: boolean }> {
  const options: Record<string, { type: 'boolean' | 'string'; short?: string; multiple?: boolean }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(table)) {
    options[name] = spec.kind === 'flag' ? { type: 'boolean' } : { type: 'string', ...(spec.repeatable ? { multiple: true } : {}) };
  }
  return options;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/**
 * Why strict parsing refused `args`, in the CLI's words: the first token a lenient parse
 * shows to be an unknown option, a flag given a value, or an option missing its value.
 */
function describeRefusal(args: readonly string[], table: OptionTable): string {
  const { tokens } = parseArgs({ args: joinNegativeValues(args, table), options: parseArgsOptions(table), strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = token.name === 'help' ? helpOption : specOf(table, token.name);
    const shown = printable(token.rawName);
    if (spec === undefined) return `unknown option ${shown}`;
    if (spec.kind === 'flag' && token.value !== undefined) return `${shown} takes no value, got ${quoted(token.value)}`;
    if (spec.kind === 'value' && (token.value === undefined || (!token.inlineValue && token.value.startsWith('-')))) {
      const missing = `${shown} needs a value (${spec.type.expected})`;
      const next = token.value;
      const nextIsOption = next === undefined || next === '-h' || (next.startsWith('--') && ['help', ...Object.keys(table)].includes(next.slice(2).split('=')[0]!));
      return nextIsOption ? missing : `${missing}; to give one starting with '-', write ${shown}=${printable(next)}`;
    }
  }
  return `cannot read the arguments ${args.map(quoted).join(' ')}`;
}
