// @ts-check
// A TypeDoc plugin: the markdown theme, except that a group made only of re-exports (as in
// `gradstream (browser)`, whose every name is documented under `gradstream`) is one bulleted
// list of links instead of a heading, a sentence and a rule per name.
import { ReferenceReflection } from 'typedoc';
import { MarkdownTheme, MarkdownThemeContext } from 'typedoc-plugin-markdown';

class CompactContext extends MarkdownThemeContext {
  /** @param {ConstructorParameters<typeof MarkdownThemeContext>} args */
  constructor(...args) {
    super(...args);
    const groups = this.partials.groups;
    this.partials = {
      ...this.partials,
      groups: (model, options) => {
        const [reExports, others] = partition(model.groups ?? [], (group) => group.children.every((child) => child instanceof ReferenceReflection));
        if (reExports.length === 0) return groups(model, options);
        const rest = groups(Object.assign(Object.create(Object.getPrototypeOf(model)), model, { groups: others }), options);
        const lists = reExports.map((group) => `${'#'.repeat(options.headingLevel)} Re-exports\n\n${group.children.map((child) => `- ${this.reExportLink(child)}`).join('\n')}`);
        return [rest, ...lists].filter((part) => part.length > 0).join('\n\n');
      },
    };
  }

  /** @param {import('typedoc').Reflection} child */
  reExportLink(child) {
    const target = child instanceof ReferenceReflection ? child.tryGetTargetReflectionDeep() : undefined;
    return target !== undefined && this.router.hasUrl(target) ? `[${child.name}](${this.urlTo(target)})` : child.name;
  }
}

class CompactTheme extends MarkdownTheme {
  /** @param {import('typedoc-plugin-markdown').MarkdownPageEvent<import('typedoc').Reflection>} page */
  getRenderContext(page) {
    return new CompactContext(this, page, this.application.options);
  }
}

/**
 * @template T
 * @param {readonly T[]} items
 * @param {(item: T) => boolean} test
 * @returns {[T[], T[]]}
 */
function partition(items, test) {
  return [items.filter(test), items.filter((item) => !test(item))];
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.renderer.defineTheme('gradstream-markdown', CompactTheme);
}
