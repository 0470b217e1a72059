/**
 * The #anchors a Markdown page offers, by GitHub's rules: each heading's text as rendered
 * (code, links and emphasis reduced to their text), lowercased, with every character that is
 * not a letter, a digit, a mark, '_', '-' or a space dropped and each space turned into '-';
 * a repeated anchor gets -1, -2, … in order. `<a id>` and `<a name>` add theirs as written.
 */
import { fencedLines } from './fences.ts';

/** The anchor GitHub gives a heading whose rendered text is `text`. */
export function githubAnchor(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replaceAll(' ', '-');
}

/** A heading's text as GitHub renders it, from its Markdown. */
export function renderedHeading(markdown: string): string {
  return markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // [text](target) and ![alt](target): their text
    .replace(/<[^>]+>/g, '') // inline HTML: its text only
    .replace(/(`+)(.*?)\1/g, '$2') // `code`: its text
    .replace(/(\*\*|__)(.+?)\1/g, '$2') // strong
    .replace(/(^|[^\w*])[*_]([^*_]+)[*_](?=$|[^\w*])/g, '$1$2') // emphasis; a_b keeps its '_'
    .trim();
}

const atxHeading = /^ {0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$/;
const htmlAnchor = /<a\s+(?:[^>]*?\s)?(?:id|name)="([^"]+)"/g;

/** Every anchor of `markdown`, outside its fenced blocks. */
export function pageAnchors(markdown: string): Set<string> {
  const lines = markdown.split('\n');
  const insideFence = fencedLines(markdown);
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  lines.forEach((line, index) => {
    if (insideFence.has(index + 1)) return;
    for (const match of line.matchAll(htmlAnchor)) anchors.add(match[1]!);
    const heading = atxHeading.exec(line);
    if (!heading) return;
    const anchor = githubAnchor(renderedHeading(heading[1] ?? ''));
    const count = seen.get(anchor) ?? 0;
    seen.set(anchor, count + 1);
    anchors.add(count === 0 ? anchor : `${anchor}-${count}`);
  });
  return anchors;
}
