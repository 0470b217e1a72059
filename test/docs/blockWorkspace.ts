/**
 * The TypeScript blocks of the documentation, written out as files a compiler and tsx can
 * take, with `gradstream` and its subpaths (`gradstream/kernels`, `gradstream/vitest`, …) mapped to the source.
 *
 *   .tmp/docs-blocks-<random>/
 *     package.json          {"type": "module"}: blocks are ES modules, top-level await allowed
 *     tsconfig.json         the repository's options; paths: gradstream → src/index.ts, …
 *     vitest-setup.ts       import 'gradstream/vitest', as a user's setup file does
 *     README/line-48.ts     a block of README.md whose fence is on line 48
 *     README/swish.ts       a block whose first line names its file (`// swish.ts: …`)
 *     docs-layers/line-9.ts …
 *
 * Each page has a folder of its own, so a block can import a file an earlier block of the same
 * page names (`import { swish } from './swish.ts'`). The folder sits inside the repository so
 * that `vitest`, `rxjs` and the rest resolve from its node_modules, as in a user's project.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fencedBlocks, type FencedBlock } from './fences.ts';
import { root, type Page } from './pages.ts';

/** One TypeScript block of a page, and the file it was written to. */
export interface WrittenBlock {
  readonly page: string;
  readonly block: FencedBlock;
  /** Absolute path of the block's file. */
  readonly file: string;
}

/** The written blocks and the configuration that maps gradstream's specifiers. */
export interface BlockWorkspace {
  readonly folder: string;
  readonly tsconfig: string;
  readonly blocks: readonly WrittenBlock[];
  /** The specifiers mapped to source, and to which file. */
  readonly mapped: Readonly<Record<string, string>>;
  /** Specifiers left unmapped because their source file does not exist (yet). */
  readonly unmapped: readonly string[];
}

/** The package's entry points and the source file each maps to. */
export const entryPoints: Readonly<Record<string, string>> = {
  gradstream: 'src/index.ts',
  'gradstream/kernels': 'src/kernels.ts',
  'gradstream/vitest': 'src/vitest/index.ts',
  'gradstream/tensorboard': 'src/tensorboard.ts',
  'gradstream/remote-write': 'src/remoteWrite.ts',
  'gradstream/tfjs': 'src/tfjs.ts',
};

/** The fence languages whose blocks are TypeScript. */
export const typescriptLanguages: ReadonlySet<string> = new Set(['ts', 'typescript']);

/** Writes every ```ts block of `pages` under a fresh folder in .tmp/. */
export function writeBlockWorkspace(pages: readonly Page[]): BlockWorkspace {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const folder = mkdtempSync(join(root, '.tmp', 'docs-blocks-'));
  const blocks: WrittenBlock[] = [];
  for (const page of pages) {
    const pageFolder = join(folder, page.path.replace(/\.md$/, '').replaceAll('/', '-'));
    const named = new Map<string, number>();
    for (const block of fencedBlocks(page.text)) {
      if (!typescriptLanguages.has(block.language)) continue;
      if (block.fileName !== undefined) {
        const earlier = named.get(block.fileName);
        if (earlier !== undefined) throw new Error(`${page.path}:${block.fenceLine}: a block names ${block.fileName}, which the block at line ${earlier} already names; expected one block per file name in a page`);
        named.set(block.fileName, block.fenceLine);
      }
      const file = join(pageFolder, block.fileName ?? `line-${block.fenceLine}.ts`);
      mkdirSync(pageFolder, { recursive: true });
      writeFileSync(file, block.code);
      blocks.push({ page: page.path, block, file });
    }
  }

  const mapped: Record<string, string> = {};
  const unmapped: string[] = [];
  for (const [specifier, source] of Object.entries(entryPoints)) {
    if (existsSync(join(root, source))) mapped[specifier] = join(root, source);
    else unmapped.push(specifier);
  }
  const files = blocks.map((written) => written.file);
  if (mapped['gradstream/vitest'] !== undefined) {
    writeFileSync(join(folder, 'vitest-setup.ts'), "import 'gradstream/vitest';\n");
    files.push(join(folder, 'vitest-setup.ts'));
  }
  const tsconfig = join(folder, 'tsconfig.json');
  writeFileSync(join(folder, 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`);
  writeFileSync(tsconfig, `${JSON.stringify({
    extends: relative(folder, join(root, 'tsconfig.json')),
    // Every block is a module of its own, so two blocks may both declare `net`.
    compilerOptions: { moduleDetection: 'force', paths: Object.fromEntries(Object.entries(mapped).map(([specifier, file]) => [specifier, [file]])) },
    files,
    include: [], // not the repository's own: only the blocks, and what they import
  }, null, 2)}\n`);
  return { folder, tsconfig, blocks, mapped, unmapped };
}
