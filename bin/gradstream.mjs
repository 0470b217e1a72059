#!/usr/bin/env node
// The `gradstream` command: the compiled CLI in dist/, run by plain Node.
// In a clone of the repository, `npm run build` makes dist/ (or use `npm run gradstream -- …`,
// which runs the TypeScript source).
let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist')) throw error;
  process.stderr.write('gradstream: the compiled CLI (dist/) is missing; in a clone of the repository run `npm run build` first, or `npm run gradstream -- <command>`\n');
  process.exit(2);
}
await cli.runFromProcess();
