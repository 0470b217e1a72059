// @ts-check
// A TypeDoc plugin that names each entry module after its import path (`gradstream`,
// `gradstream/kernels`, ...) instead of its file name (`index`, `kernels`), so the reference's
// headings match what users import. The names live here, beside the entry list, so an entry file
// needs no `@module` tag.
import { Converter, ReflectionKind } from 'typedoc';
import { entryNames } from './entries.mjs';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module)) return;
    const file = context.getSymbolFromReflection(reflection)?.declarations?.[0]?.getSourceFile().fileName;
    const name = file === undefined ? undefined : entryNames.get(file.replaceAll('\\', '/'));
    if (name !== undefined) reflection.name = name;
  });
}
