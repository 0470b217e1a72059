/**
 * The test a failure prints is a real test: written next to a real layer module, with only its
 * marked placeholders filled in, it type-checks under the repository's strict options and,
 * run by vitest in a child process, fails for the planted mistake and passes for the fixed
 * layer. `gradstream` maps to the source, as the package maps to dist/ in a user's project.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import '../../src/vitest/index.ts';
import { root } from '../reliability/fixtures/child.ts';
import { typeCheck, type TypeCheckResult } from '../docs/typeCheck.ts';
import { runPastedTests, writePastedProject, type PastedRun } from './pastedProject.ts';
import { swish } from './fixtures/swishWithMistake.ts';

const heading = 'the smallest failing case, as a test:\n\n';

/** The test a failing matcher prints. */
function pastedTest(assertion: () => void): string {
  try {
    assertion();
  } catch (error) {
    const message = (error as Error).message;
    expect(message).toContain(heading);
    return message.slice(message.indexOf(heading) + heading.length);
  }
  throw new Error('expected the assertion to fail, and it passed');
}

const fixtures = join(root, 'test/vitest/fixtures');
const modules = { withMistake: join(fixtures, 'swishWithMistake.ts'), fixed: join(fixtures, 'swish.ts') };

let folder: string;
let typeChecked: TypeCheckResult;
let pastedFiles: string[];
let ran: PastedRun;

beforeAll(async () => {
  const named = pastedTest(() => expect(() => swish({ beta: 2 })).toHaveCorrectGradients({ features: [3], seed: 42 }));
  const beta = 2;
  const placeholder = pastedTest(() => expect(() => swish({ beta })).toHaveCorrectGradients({ features: [3], seed: 42 }));
  expect(named).toContain("from './your-layer'");
  expect(placeholder).toContain('makeLayer()');

  // What a user does: put in the module's path, and for the placeholder, their factory's call.
  const fillPath = (source: string, module: string) => source.replace("'./your-layer'", JSON.stringify(module));
  const fillFactory = (source: string) => source.replace('import { makeLayer }', 'import { swish }').replace('makeLayer()', 'swish({ beta: 2 })');
  const files: Record<string, string> = {
    'withMistake.test.ts': fillPath(named, modules.withMistake),
    'fixed.test.ts': fillPath(named, modules.fixed),
    'placeholderWithMistake.test.ts': fillPath(fillFactory(placeholder), modules.withMistake),
    'placeholderFixed.test.ts': fillPath(fillFactory(placeholder), modules.fixed),
  };
  const project = writePastedProject(files, 'pasted-test-');
  folder = project.folder;
  pastedFiles = [...project.files];
  const running = runPastedTests(project); // vitest runs in a child while the compiler checks the files here
  typeChecked = typeCheck(project.tsconfig);
  ran = await running;
}, 120_000);

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe('the test a failure prints, pasted into a project', () => {
  it('type-checks once its placeholders are filled in', () => {
    // Only the pasted files' errors count: the source they import is type-checked on its own.
    const errors = typeChecked.errors.filter((error) => pastedFiles.includes(error.file));
    expect(errors.map((error) => `${error.file.slice(folder.length + 1)}:${error.line}: ${error.message}`)).toEqual([]);
    expect(typeChecked.otherOutput, 'the compiler ran on the project (no configuration error)').not.toMatch(/error TS/);
  });

  it('fails for the planted mistake, with the report of that one case', () => {
    expect(ran.code).toBe(1);
    for (const name of ['withMistake.test.ts', 'placeholderWithMistake.test.ts']) {
      expect(ran.files.get(name)?.status, name).toBe('failed');
      expect(ran.files.get(name)?.failures, name).toMatch(/swish: FAILED \(full mode, input \[1, 3\].*\n\s+✗ gradient: 1 of 3 coordinates disagree/);
    }
  });

  it('passes for the fixed layer', () => {
    expect(ran.files.get('fixed.test.ts')?.status).toBe('passed');
    expect(ran.files.get('placeholderFixed.test.ts')?.status).toBe('passed');
  });
});
