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

  it('no code outside src/drivers compares a dialect name', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (path !== join(SRC, 'drivers')) walk(path);
        } else if (entry.name.endsWith('.ts')) {
          readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
            // The Dialect type itself lists the names; any other mention is a comparison or a default.
            if (/'(postgres|mysql|sqlite)'/.test(line) && !/^export type Dialect = /.test(line)) offenders.push(`${relative(SRC, path)}:${i + 1}: ${line.trim()}`);
          });
        }
      }
    };
    walk(SRC);
    assert.deepEqual(offenders, []);
  });
});
