/**
 * `docs`: a Markdown page of the migrations — version, name, description, depends, whether it
 * can be rolled back, and when it was applied (or its state when it is not). Read-only. The page
 * holds no time or database name of its own, so it can be committed and diffed.
 */
import { readCatalog, type CatalogEntry } from './catalog.js';
import type { OperationContext } from './context.js';

export interface DocsMigration {
  readonly version: string;
  readonly name: string;
  readonly description: string | null;
  readonly depends: readonly string[];
  /** null when unknown (file gone, module does not import). */
  readonly reversible: boolean | null;
  readonly appliedAt: string | null;
  readonly state: CatalogEntry['state'];
}

export interface DocsResult {
  readonly markdown: string;
  readonly migrations: DocsMigration[];
}

export async function docs(ctx: OperationContext): Promise<DocsResult> {
  const catalog = await readCatalog(ctx);
  const migrations = catalog.map(({ version, name, description, depends, reversible, appliedAt, state }) => ({ version, name, description, depends, reversible, appliedAt, state }));
  return { markdown: docsMarkdown(migrations), migrations };
}

export function docsMarkdown(migrations: readonly DocsMigration[]): string {
  const lines = [
    '# Migrations',
    '',
    `${migrations.length} migration${migrations.length === 1 ? '' : 's'}, in the order they run.`,
    '',
    '| Version | Name | Description | Depends | Reversible | Applied at |',
    '|---|---|---|---|---|---|',
  ];
  for (const m of migrations) {
    const applied = m.appliedAt !== null && m.state !== 'dirty' ? m.appliedAt : `_${m.state}_`;
    const reversible = m.reversible === null ? 'unknown' : m.reversible ? 'yes' : 'no';
    lines.push(`| ${[m.version, m.name, m.description ?? '', m.depends.join(', '), reversible, applied].map(markdownCell).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Text safe inside one GitHub-flavoured Markdown table cell: backslashes doubled first (so a
 * `\|` of the text cannot turn into a cell separator), then pipes escaped, `<` and `&` as
 * entities (no raw HTML), and line breaks as `<br>` (a cell is one line).
 */
export function markdownCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/\|/g, '\\|')
    .replace(/\s*(?:\r\n|\r|\n)\s*/g, '<br>')
    .trim();
}
