import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'properties/**/*.test.ts'],
    // A consumer's project whose tests run in its own directory, against the packed package.
    exclude: [...configDefaults.exclude, 'test/package/fixtures/**'],
    // At least two workers: vitest's default (a worker per core minus one) runs every file in
    // turn on a two-core machine, while most of the slow files wait on child processes,
    // servers and browsers rather than on the CPU.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
