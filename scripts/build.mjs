#!/usr/bin/env node
// `npm run build`: compiles src/ to ES modules and declarations in dist/ with the repository's
// TypeScript, then copies the dashboard's static files beside the compiled server and the
// .proto files (TensorBoard's, remote write's) beside the modules that load them. Plain Node,
// so that `prepack` needs nothing but the development dependencies.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
cpSync(join(root, 'src/telemetry/dashboard/client'), join(root, 'dist/telemetry/dashboard/client'), { recursive: true });
for (const folder of ['telemetry/tensorboard/proto', 'telemetry/remoteWrite/proto']) cpSync(join(root, 'src', folder), join(root, 'dist', folder), { recursive: true });
