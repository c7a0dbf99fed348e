/** `new --template recreate-table`: a TypeScript migration using db.recreateTable that runs as written. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { project, strata } from '../support/project.js';

describe('new --template recreate-table', () => {
  test('writes a .ts migration that rebuilds the table, and it applies unchanged', async () => {
    const p = project({ '001_my_table.sql': "CREATE TABLE my_table (id INTEGER PRIMARY KEY, name TEXT);\nCREATE INDEX my_table_name ON my_table (name);\nINSERT INTO my_table VALUES (1, 'a'), (2, 'b');\n" });
    try {
      const env = { DATABASE_URL: `sqlite:${join(p.dir, 'app.db')}` };
      const made = await strata(['new', 'tighten_name', '--template', 'recreate-table', '--json'], { cwd: p.dir, env });
      assert.equal(made.code, 0, made.stderr);
      assert.deepEqual(made.json(), { file: 'migrations/002_tighten_name.ts', id: '002_tighten_name', version: '002', name: 'tighten_name' });
      assert.match(readFileSync(join(p.dir, made.json().file), 'utf8'), /await db\.recreateTable\('my_table'/);
      const up = await strata(['up'], { cwd: p.dir, env });
      assert.equal(up.code, 0, up.stderr);
      const db = new Database(join(p.dir, 'app.db'), { readonly: true });
      try {
        assert.deepEqual(db.prepare('SELECT * FROM my_table ORDER BY id').all(), [{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
        assert.equal((db.prepare(`SELECT "notnull" FROM pragma_table_info('my_table') WHERE name = 'name'`).get() as { notnull: number }).notnull, 1);
        assert.ok(db.prepare(`SELECT 1 FROM sqlite_schema WHERE name = 'my_table_name'`).get(), 'the index is re-created');
      } finally {
        db.close();
      }
    } finally {
      p.cleanup();
    }
  });

  test('--sql gives the hand-written SQL form; --ts with a SQL-only template is a usage error', async () => {
    const p = project();
    try {
      const sql = await strata(['new', 'rebuild_by_hand', '--template', 'recreate-table', '--sql', '--json'], { cwd: p.dir });
      assert.equal(sql.code, 0, sql.stderr);
      assert.equal(sql.json().file, 'migrations/001_rebuild_by_hand.sql');
      const ts = await strata(['new', 'orders', '--template', 'create-table', '--ts'], { cwd: p.dir });
      assert.equal(ts.code, 2);
      assert.match(ts.stderr, /^error: --template create-table makes SQL migrations; drop --ts/m);
    } finally {
      p.cleanup();
    }
  });
});
