/**
 * The links of a Markdown page that stay inside the repository: `[text](target)`,
 * `![alt](target)`, reference definitions `[label]: target` and `<a href>`, outside fenced
 * blocks and code spans, whose target has no scheme (`https:`, `mailto:`).
 */
import { fencedLines } from './fences.ts';

/** One relative link, split at its '#'. */
export interface RelativeLink {
  /** The 1-based line it is on. */
  readonly line: number;
  /** The target as written. */
  readonly target: string;
  /** The path part, decoded ('' for a link within the page). */
  readonly path: string;
  /** The anchor without its '#' (undefined when there is none). */
  readonly anchor: string | undefined;
}

const inlineLink = /\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const referenceDefinition = /^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/;
const htmlHref = /<a\s+(?:[^>]*?\s)?href="([^"]+)"/g;
const scheme = /^[a-z][a-z0-9+.-]*:/i;

/** Every relative link of `markdown`, in order. */
export function relativeLinks(markdown: string): RelativeLink[] {
  const lines = markdown.split('\n');
  const insideFence = fencedLines(markdown);
  const links: RelativeLink[] = [];
  lines.forEach((text, index) => {
    if (insideFence.has(index + 1)) return;
    // A code span's text is no link, even when it looks like one: blank it, keeping the columns.
    const prose = text.replace(/(`+)(.*?[^`])\1(?!`)/g, (span) => ' '.repeat(span.length));
    const targets = [
      ...[...prose.matchAll(inlineLink)].map((match) => match[1]!),
      ...[...prose.matchAll(htmlHref)].map((match) => match[1]!),
      ...(referenceDefinition.exec(prose)?.slice(1, 2) ?? []),
    ];
    for (const target of targets) {
      if (scheme.test(target)) continue;
      const hash = target.indexOf('#');
      const path = decodeURI(hash < 0 ? target : target.slice(0, hash));
      links.push({ line: index + 1, target, path, anchor: hash < 0 ? undefined : target.slice(hash + 1) });
    }
  });
  return links;
}
