// @ts-check
// TypeDoc settings for gradstream's API reference (docs/api/) and its documentation check.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { entryNames } from './entries.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** @type {Partial<import('typedoc').TypeDocOptions & import('typedoc-plugin-markdown').PluginOptions>} */
const config = {
  entryPoints: [...entryNames.keys()],
  tsconfig: join(here, 'tsconfig.json'),
  plugin: ['typedoc-plugin-markdown', join(here, 'entryNames.mjs'), join(here, 'compactReExports.mjs')],
  theme: 'gradstream-markdown',
  out: join(here, '../../docs/api'),
  // docs/api/README.md: the introduction, then the list of entries.
  readme: join(here, 'index-intro.md'),
  mergeReadme: true,
  // No "Defined in" lines: they would change with every edit of a source file.
  disableSources: true,
  hidePageHeader: true,
  parametersFormat: 'table',
  interfacePropertiesFormat: 'table',
  classPropertiesFormat: 'table',
  typeAliasPropertiesFormat: 'table',
  typeDeclarationFormat: 'table',
  excludeInternal: true,
  excludePrivate: true,
  excludeProtected: true,
  excludeExternals: true,
  // Types that public signatures mention but no entry exports: the reference shows their names
  // without a link. Each is a candidate for a type-only export. A new one fails the check
  // until it is exported or listed here.
  intentionallyNotExported: [
    'GraphFingerprint', 'NonFiniteGradient', 'TapSubjects', 'SseClientStats', 'LayerErrorSite', 'Vector2', 'Matrix2',
  ],
  // notDocumented: every exported function, class, interface, type alias and variable, and the
  // properties, methods and accessors of each (TypeDoc's default requiredToBeDocumented), needs a
  // doc comment; parameters do not. Any validation warning fails the run.
  validation: { notExported: true, invalidLink: true, invalidPath: true, notDocumented: true },
  treatValidationWarningsAsErrors: true,
};

export default config;
