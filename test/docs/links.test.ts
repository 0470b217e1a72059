/**
 * Every relative link of the documentation leads somewhere: its file or folder exists, and its
 * #anchor is a heading (or an `<a id>`) of the Markdown page it points at, by GitHub's rules.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { githubAnchor, pageAnchors, renderedHeading } from './anchors.ts';
import { relativeLinks } from './links.ts';
import { documentationPages, root } from './pages.ts';

const pages = documentationPages();

describe('every relative link resolves', () => {
  it.each(pages.map((page) => [page.path, page] as const))('%s', (_, page) => {
    const broken: string[] = [];
    for (const link of relativeLinks(page.text)) {
      const file = link.path === '' ? join(root, page.path) : join(root, dirname(page.path), link.path);
      const where = `${page.path}:${link.line}: (${link.target})`;
      if (relative(root, file).startsWith('..')) broken.push(`${where} leaves the repository`);
      else if (!existsSync(file)) broken.push(`${where} ${relative(root, file)} does not exist`);
      else if (link.anchor !== undefined) {
        if (statSync(file).isDirectory() || !file.endsWith('.md')) broken.push(`${where} an anchor into ${relative(root, file)}, which is not a Markdown page`);
        else if (!pageAnchors(readFileSync(file, 'utf8')).has(link.anchor)) broken.push(`${where} ${relative(root, file)} has no heading with the anchor #${link.anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('anchors by GitHub rules', () => {
  it.each([
    ["The primer's worked examples", 'the-primers-worked-examples'],
    ['Scenarios: runnable stories', 'scenarios-runnable-stories'],
    ['`gradstream run --checkpoint`', 'gradstream-run---checkpoint'],
    ['Compared with gradcheck and check_grads', 'compared-with-gradcheck-and-check_grads'],
    ['**Bold** and *emphasis*, [a link](x.md)', 'bold-and-emphasis-a-link'],
    ['Prüfung ÷ 2 — Ende', 'prüfung--2--ende'],
  ])('%s → #%s', (heading, anchor) => {
    expect(githubAnchor(renderedHeading(heading))).toBe(anchor);
  });

  it('numbers a repeated heading, and skips headings inside fenced blocks', () => {
    const page = ['# Notes', '## Notes', '```sh', '# not a heading', '```', '### Notes', '<a id="kept"></a>'].join('\n');
    expect([...pageAnchors(page)]).toEqual(['notes', 'notes-1', 'notes-2', 'kept']);
  });
});

describe('relative links', () => {
  it('are found in prose, images, reference definitions and <a href>, not in code', () => {
    const page = [
      'See [the runtime](docs/runtime.md#training "title") and ![chart](docs/dashboard.png).',
      '`[not a link](nowhere.md)` and [out](https://example.com).',
      '[ref]: CHANGELOG.md',
      '<a href="bench/README.md#latest-figures">figures</a>',
      '```md',
      '[inside a block](nowhere.md)',
      '```',
      '[here](#notes)',
    ].join('\n');
    expect(relativeLinks(page).map((link) => [link.line, link.path, link.anchor])).toEqual([
      [1, 'docs/runtime.md', 'training'],
      [1, 'docs/dashboard.png', undefined],
      [3, 'CHANGELOG.md', undefined],
      [4, 'bench/README.md', 'latest-figures'],
      [8, '', 'notes'],
    ]);
  });
});
