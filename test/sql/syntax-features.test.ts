/**
 * The splitter reads syntax features, never a dialect name (issue 14): a description that no
 * driver ships splits by its own features, and no code outside src/drivers compares a name.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cannotRunInTransaction } from '../../src/sql/classify.js';
import { splitStatements } from '../../src/sql/split.js';
import type { SqlSyntax } from '../../src/sql/syntax.js';
import { SYNTAX } from '../support/syntax.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

const texts = (sql: string, syntax: SqlSyntax): string[] => splitStatements(sql, syntax).map((s) => s.text);

describe('syntax features', () => {
  it('a feature changes only what it describes: SQLite with dollar quotes', () => {
    const sql = 'SELECT $$a;b$$; SELECT [c;d]; SELECT 3';
    assert.deepEqual(texts(sql, SYNTAX.sqlite), ['SELECT $$a', 'b$$', 'SELECT [c;d]', 'SELECT 3']);
    assert.deepEqual(texts(sql, { ...SYNTAX.sqlite, dollarQuotes: true }), ['SELECT $$a;b$$', 'SELECT [c;d]', 'SELECT 3']);
  });

  it('what refuses a transaction is a feature too', () => {
    assert.equal(cannotRunInTransaction('VACUUM', SYNTAX.mysql), false);
    assert.equal(cannotRunInTransaction('VACUUM', { ...SYNTAX.mysql, vacuumOutsideTransaction: true }), true);
  });

  it('no code outside src/drivers compares a dialect name or keeps a table keyed by one (src/adopt included)', () => {
    const offenders = Object.entries(sourcesOutsideDrivers()).flatMap(([path, text]) => dialectMentions(text).map((m) => `${path}:${m}`));
    assert.deepEqual(offenders, []);
  });

  it('the dialect check sees a table keyed by dialect, unquoted keys and indexing by the dialect', () => {
    const keyed = [
      "const PLACE: Partial<Record<ReadContext['dialect'], string>> = {",
      "  postgres: { schema: 'drizzle' },",
      "const USER_VERSION = { sqlite: 'PRAGMA user_version' };",
      'const sql = TABLE[ctx.dialect];',
      "if (driver.dialect === 'mysql') x();",
    ].join('\n');
    assert.equal(dialectMentions(keyed).length, 5, dialectMentions(keyed).join('\n'));
    const fine = ["const DEFAULT_DB = 'sqlite:./data/app.db';", '  // db: postgres: nothing', "export type Dialect = 'sqlite' | 'postgres' | 'mysql';", '  dialect: driver.dialect,'].join('\n');
    assert.deepEqual(dialectMentions(fine), []);
  });
});

/** Every .ts file under src/ but src/drivers/, by its path relative to src/. */
function sourcesOutsideDrivers(): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== join(SRC, 'drivers')) walk(path);
      } else if (entry.name.endsWith('.ts')) files[relative(SRC, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(SRC);
  return files;
}

/**
 * `line: text` of each line that names a dialect to compare or to key by: a quoted name (the
 * Dialect type itself lists them), a dialect name as an object key, a Record keyed by the
 * Dialect type, or a lookup by `.dialect` / `['dialect']` in a table. Comments are not code.
 */
function dialectMentions(text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (/^\s*(\/\/|\*|\/\*)/.test(line) || /^export type Dialect = /.test(line)) return;
    if (
      /'(postgres|mysql|sqlite)'/.test(line) ||
      /(^\s*|[{,]\s*)(postgres|mysql|sqlite)\s*:\s/.test(line) ||
      /Record<[^>]*(Dialect\b|\['dialect'\])/.test(line) ||
      /\[[\w.]*\.dialect\]/.test(line)
    ) {
      found.push(`${i + 1}: ${line.trim()}`);
    }
  });
  return found;
}
