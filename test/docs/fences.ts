/**
 * The fenced code blocks of a Markdown page, with the line each starts on.
 *
 * A fence is three or more backticks (or tildes), indented or not (a block inside a list item
 * is indented like the item); it closes at a line of the same character, at least as long,
 * and nothing else. The block's lines lose the fence's indentation.
 */

/** One fenced block of a page. */
export interface FencedBlock {
  /** The first word of the info string (`ts`, `sh`, …); '' for a bare fence. */
  readonly language: string;
  /** The 1-based line of the opening fence; the block's first line is the next one. */
  readonly fenceLine: number;
  /** The block's text, without the fences; ends with a newline unless empty. */
  readonly code: string;
  /** True when the last non-blank line before the fence is `<!-- run -->`: the block is a whole program. */
  readonly runnable: boolean;
  /** The file the block's first line names (`// swish.ts: …` names swish.ts), if it names one. */
  readonly fileName: string | undefined;
}

/** The marker, on the last non-blank line before a fence, of a block that is a whole program. */
export const runMarker = '<!-- run -->';

const openingFence = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
const namingComment = /^\/\/\s*([\w.-]+\.ts)\b/;

/** Every fenced block of `markdown`, in order. An unclosed fence runs to the end of the page, as on GitHub. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const opening = openingFence.exec(lines[index]!);
    if (!opening) continue;
    const [, indent = '', fence = '', language = ''] = opening;
    const closing = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let end = index + 1;
    for (; end < lines.length && !closing.test(lines[end]!); end++) body.push(outdent(lines[end]!, indent.length));
    blocks.push({
      language,
      fenceLine: index + 1,
      code: body.length === 0 ? '' : `${body.join('\n')}\n`,
      runnable: lastNonBlankBefore(lines, index) === runMarker,
      fileName: namingComment.exec(body[0] ?? '')?.[1],
    });
    index = end;
  }
  return blocks;
}

/** `line` without up to `width` leading spaces. */
function outdent(line: string, width: number): string {
  let cut = 0;
  while (cut < width && line[cut] === ' ') cut++;
  return line.slice(cut);
}

function lastNonBlankBefore(lines: readonly string[], index: number): string | undefined {
  for (let before = index - 1; before >= 0; before--) {
    const line = lines[before]!.trim();
    if (line !== '') return line;
  }
  return undefined;
}

/** The 1-based lines of `markdown` that belong to a fenced block, its fences included. */
export function fencedLines(markdown: string): Set<number> {
  const lines = new Set<number>();
  for (const block of fencedBlocks(markdown)) {
    const length = block.code === '' ? 0 : block.code.split('\n').length - 1;
    for (let line = block.fenceLine; line <= block.fenceLine + length + 1; line++) lines.add(line);
  }
  return lines;
}
