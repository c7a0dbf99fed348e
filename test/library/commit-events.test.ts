/**
 * `migration-done` (the CLI's "applied X") means X is committed: a listener that reads the
 * tracking table from a second connection the moment it sees the event finds X's row
 * `applied` — on SQLite's group commits, MariaDB's deferred completions and PostgreSQL's
 * `transaction: off` migrations alike.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { createMigrator } from '../../src/index.js';
import { allDialects, notListed, type DialectName } from '../support/dialects.js';
import { REPO, project } from '../support/project.js';

/**
 * The state of `version`'s tracking row as another connection sees it, read synchronously so
 * the run cannot move on (and commit) while the listener looks.
 */
function rowStateSeenElsewhere(dialect: DialectName, url: string, version: string): string | null {
  if (dialect === 'sqlite') {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true, fileMustExist: true });
    try {
      const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'strata_migrations'`).get();
      if (!exists) return null;
      const row = db.prepare('SELECT state FROM strata_migrations WHERE version = ?').get(version) as { state: string } | undefined;
      return row?.state ?? null;
    } finally {
      db.close();
    }
  }
  const script = dialect === 'mysql'
    ? `const m = require('mysql2/promise'); (async () => { const c = await m.createConnection({ uri: process.argv[1] }); const [rows] = await c.query('SELECT state FROM strata_migrations WHERE version = ?', [process.argv[2]]); process.stdout.write(JSON.stringify(rows[0]?.state ?? null)); await c.end(); })();`
    : `const pg = require('pg'); (async () => { const c = new pg.Client({ connectionString: process.argv[1] }); await c.connect(); const r = await c.query('SELECT state FROM strata_migrations WHERE version = $1', [process.argv[2]]); process.stdout.write(JSON.stringify(r.rows[0]?.state ?? null)); await c.end(); })();`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script, url, version], { cwd: REPO, encoding: 'utf8' })) as string | null;
}

for (const dialect of allDialects()) {
  describe(`migration-done follows the commit (${dialect.name})`, { skip: notListed(dialect.name) }, () => {
    // PostgreSQL commits each transactional migration alone already; `transaction: off` takes the dirty protocol.
    const off = dialect.name === 'postgres' ? '-- transaction: off\n' : '';
    test('when migration-done arrives, another connection already sees the migration applied', async () => {
      const db = await dialect.fresh();
      const p = project({
        '001_a.sql': `${off}CREATE TABLE a (id INTEGER PRIMARY KEY);\n`,
        '002_b.sql': `${off}CREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO b (id) VALUES (1);\n`,
        '003_c.sql': `${off}CREATE TABLE c (id INTEGER PRIMARY KEY);\n`,
      });
      const seen: [string, string | null][] = [];
      try {
        const migrator = await createMigrator({
          db: db.url,
          dir: p.migrations,
          onEvent: (event) => {
            if (event.type === 'migration-done') seen.push([event.version, rowStateSeenElsewhere(dialect.name, db.url, event.version)]);
          },
        });
        try {
          const result = await migrator.up();
          assert.deepEqual(result.applied, ['001', '002', '003']);
        } finally {
          await migrator.close();
        }
        assert.deepEqual(seen, [['001', 'applied'], ['002', 'applied'], ['003', 'applied']]);
      } finally {
        p.cleanup();
        await db.drop();
      }
    });
  });
}
