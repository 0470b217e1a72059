/**
 * The one place that loads `.proto` files with protobufjs, an optional package: the
 * TensorBoard writer and the Prometheus remote-write sink each keep their messages in a
 * `proto/` folder beside them. Field names stay the files' own (snake_case), and imports
 * resolve beside the importing file. Without protobufjs, a MissingPackageError says how to
 * add it.
 */
import { dirname, isAbsolute, join } from 'node:path';
import type * as Protobuf from 'protobufjs';
import { requireOptional } from '../data/optionalPackage.ts';

/** protobufjs itself, loaded on first use. */
export function protobufjs(neededBy: string): typeof Protobuf {
  return requireOptional<typeof Protobuf>('protobufjs', neededBy, 'Protocol Buffers for JavaScript, to encode its messages');
}

/** The definitions of `files` (names in `folder`), for `neededBy` (named in the error when protobufjs is missing). */
export function loadProtoRoot(folder: string, files: readonly string[], neededBy: string): Protobuf.Root {
  const root = new (protobufjs(neededBy).Root)();
  root.resolvePath = (origin, target) => (isAbsolute(target) ? target : join(dirname(origin), target));
  return root.loadSync(files.map((file) => join(folder, file)), { keepCase: true });
}

/** Decoding options that give plain objects: int64 and enums as numbers, absent fields as their defaults (proto3 leaves zeros out). */
export const plainObjects: Protobuf.IConversionOptions = { longs: Number, enums: Number, defaults: true };
