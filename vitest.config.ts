import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'properties/**/*.test.ts'],
    // A consumer's project whose tests run in its own directory, against the packed package.
    exclude: [...configDefaults.exclude, 'test/package/fixtures/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
