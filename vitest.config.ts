import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'properties/**/*.test.ts'],
    // A consumer's project whose tests run in its own directory, against the packed package.
    exclude: [...configDefaults.exclude, 'test/package/fixtures/**'],
    // Both cores: vitest's default leaves one free (a worker per core minus one), which on a
    // two-core machine runs every file in turn; most of the slow files wait on child
    // processes, servers and browsers rather than on the CPU.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
