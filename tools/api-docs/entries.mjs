// @ts-check
// The public entries the reference documents, in the order TypeDoc converts them: a symbol
// exported by several entries is documented under the first and listed as a re-export by the
// others, so `gradstream` (the Node entry) owns the full API and the others point into it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = join(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Import path of each entry, by source file. */
const all = [
  ['index.ts', 'gradstream'],
  ['browser.ts', 'gradstream (browser)'],
  ['kernels.ts', 'gradstream/kernels'],
  ['vitest/index.ts', 'gradstream/vitest'],
  ['tensorboard.ts', 'gradstream/tensorboard'],
  ['remoteWrite.ts', 'gradstream/remote-write'],
  ['tfjs.ts', 'gradstream/tfjs'],
].map(([file, name]) => /** @type {const} */ ([join(src, file).replaceAll('\\', '/'), name]));

/** The entries whose files exist (`src/vitest/index.ts` is documented from the moment it does). */
export const entryNames = new Map(all.filter(([file]) => existsSync(file)));
