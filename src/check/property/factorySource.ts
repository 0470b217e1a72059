/**
 * The call that builds a layer or loss, read back from the factory a test handed over, so that
 * a pasted counterexample calls it by the name the user gave: `swish()` for `expect(swish)`,
 * `swish({ beta: 2 })` for `expect(() => swish({ beta: 2 }))`.
 *
 * A factory's source is what the engine keeps, after the test runner's transform: Vite writes
 * an imported `swish` as `(0,__vite_ssr_import_1__.swish)`, Babel and tsc's CommonJS as
 * `(0, _swish.swish)`. Those wrappers are undone; anything else that is not a plain call with
 * literal arguments (a free variable, a spread, a template, coverage counters) gives undefined,
 * and the caller writes a marked placeholder instead of a call that would not compile.
 */

/** Names that say nothing about the factory: a spec's `make` property, a local `make` or `factory`. */
const anonymousNames = new Set(['make', 'factory', 'anonymous', 'default']);

/** Identifiers that may stand as values inside literal arguments. */
const literalWords = new Set(['true', 'false', 'null', 'undefined', 'NaN', 'Infinity']);

/** Words that cannot start a call to a factory. */
const reservedWords = new Set(['new', 'typeof', 'void', 'await', 'yield', 'function', 'class', 'this', 'super', 'import', 'delete', 'default', 'return']);

/**
 * The call expression that builds what `make` builds, or undefined when it cannot be read back:
 * a named function gives `name()`; a function of no parameters whose body is one call with
 * literal arguments gives that call (whitespace folded to single spaces).
 */
export function factoryCallSource(make: unknown): string | undefined {
  if (typeof make !== 'function') return undefined;
  const name = make.name;
  if (isIdentifier(name) && !anonymousNames.has(name) && !reservedWords.has(name)) return `${name}()`;
  const body = zeroParameterBody(undoModuleTransforms(Function.prototype.toString.call(make)));
  if (body === undefined) return undefined;
  const tokens = tokenize(body);
  return tokens && isLiteralCall(tokens) ? tokens.map((t) => (t.spaced ? ` ${t.text}` : t.text)).join('').trim() : undefined;
}

/** The leading identifier of a call expression: `swish` in `swish({ beta: 2 })`, `mutants` in `mutants.wrongSign.make()`. */
export function rootIdentifier(expression: string): string | undefined {
  return /^[A-Za-z_$][\w$]*/.exec(expression)?.[0];
}

function isIdentifier(text: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(text);
}

/** `(0, module.name)` → `name`; `__vite_ssr_import_3__.name` → `name`. */
function undoModuleTransforms(source: string): string {
  return source
    .replace(/\(\s*0\s*,\s*(?:[A-Za-z_$][\w$]*\s*\.\s*)+([A-Za-z_$][\w$]*)\s*\)/g, '$1')
    .replace(/\b__(?:vite_ssr_import|vi_import)_\d+__\s*\.\s*/g, '');
}

/** The returned expression of `() => e`, `() => { return e; }` or `function () { return e; }`. */
function zeroParameterBody(source: string): string | undefined {
  const text = source.trim();
  const arrow = /^\(\s*\)\s*=>\s*([\s\S]*)$/.exec(text);
  const block = arrow ? arrow[1]!.trim() : /^function\s*[\w$]*\s*\(\s*\)\s*([\s\S]*)$/.exec(text)?.[1]?.trim();
  if (block === undefined) return undefined;
  if (!block.startsWith('{')) return arrow ? block.replace(/;\s*$/, '') : undefined;
  return /^\{\s*return\s+([\s\S]*?);?\s*\}$/.exec(block)?.[1];
}

interface Token {
  readonly kind: 'identifier' | 'number' | 'string' | 'punctuation';
  readonly text: string;
  /** Whitespace stood before it (folded to one space when the call is written back). */
  readonly spaced: boolean;
}

/** Splits into identifiers, numbers, quoted strings and the punctuation of literals; undefined for anything else. */
function tokenize(source: string): Token[] | undefined {
  const tokens: Token[] = [];
  const pattern = /(\s+)|([A-Za-z_$][\w$]*)|(0[xXoObB][\da-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)|('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")|([()[\]{},:.+-])/y;
  let match: RegExpExecArray | null;
  let spaced = false;
  while (pattern.lastIndex < source.length && (match = pattern.exec(source)) !== null) {
    const kind = match[2] !== undefined ? 'identifier' : match[3] !== undefined ? 'number' : match[4] !== undefined ? 'string' : match[5] !== undefined ? 'punctuation' : undefined;
    if (kind) tokens.push({ kind, text: match[0], spaced });
    spaced = kind === undefined;
  }
  return pattern.lastIndex === source.length ? tokens : undefined;
}

/**
 * `a.b.c(args)`, where the arguments hold only literals: numbers, strings, the words of
 * {@link literalWords}, arrays, and objects whose keys are names or strings. Any other name
 * would be a variable of the user's test, undefined where the case is pasted.
 */
function isLiteralCall(tokens: readonly Token[]): boolean {
  const first = tokens[0];
  if (first?.kind !== 'identifier' || reservedWords.has(first.text)) return false;
  let i = 1;
  while (tokens[i]?.text === '.' && tokens[i + 1]?.kind === 'identifier') i += 2;
  if (tokens[i]?.text !== '(' || tokens[tokens.length - 1]?.text !== ')') return false;
  let depth = 0;
  for (let k = i; k < tokens.length; k++) {
    const token = tokens[k]!;
    if ('([{'.includes(token.text) && token.kind === 'punctuation') depth++;
    else if (')]}'.includes(token.text) && token.kind === 'punctuation') {
      depth--;
      if (depth === 0 && k !== tokens.length - 1) return false;
    } else if (token.kind === 'identifier') {
      const isKey = tokens[k + 1]?.text === ':' && (tokens[k - 1]?.text === '{' || tokens[k - 1]?.text === ',');
      if (!isKey && !literalWords.has(token.text)) return false;
    }
  }
  return depth === 0;
}
