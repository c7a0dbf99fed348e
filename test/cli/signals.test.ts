/** Ctrl-C during a run: the migration in progress rolls back, no half record, exit 130. */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { project, strata } from '../support/project.js';

/** An onOutput callback that sends `signal` once, when the output first contains `marker`. */
function signalWhen(marker: string, signal: NodeJS.Signals) {
  let sent = false;
  return (text: string, child: ChildProcess) => {
    if (!sent && text.includes(marker)) {
      sent = true;
      child.kill(signal);
    }
  };
}

describe('signals', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    test(`${signal} during a migration rolls it back, keeps earlier ones and exits ${code}`, async () => {
      const p = project({
        '001_a.sql': '-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n',
        '002_slow.ts': `export async function up(db) {\n  await db.exec('CREATE TABLE slow (id INTEGER)');\n  db.log('slow migration running');\n  await new Promise((r) => setTimeout(r, 1500));\n  await db.exec('INSERT INTO slow VALUES (1)');\n}\nexport async function down(db) { await db.exec('DROP TABLE slow'); }\n`,
      });
      try {
        const file = join(p.dir, 'app.db');
        const r = await strata(['up', '--db', `sqlite:${file}`], { cwd: p.dir, onOutput: signalWhen('slow migration running', signal) });
        assert.equal(r.code, code, r.stderr);
        assert.match(r.stderr, new RegExp(`strata: ${signal} received`));
        assert.match(r.stderr, /^error: stopped during migrations\/002_slow\.ts: it was rolled back/m);
        const db = new Database(file, { readonly: true });
        const rows = db.prepare('SELECT version, state FROM strata_migrations ORDER BY version').all();
        assert.deepEqual(rows, [{ version: '001', state: 'applied' }], 'no half record of 002');
        assert.equal(db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'slow'`).get(), undefined, 'its table was rolled back');
        const failed = db.prepare(`SELECT version, status FROM strata_migrations_log ORDER BY id DESC LIMIT 1`).get();
        assert.deepEqual(failed, { version: '002', status: 'failed' });
        assert.equal(db.prepare('SELECT count(*) AS n FROM strata_migrations_lock').get() && (db.prepare('SELECT count(*) AS n FROM strata_migrations_lock').get() as { n: number }).n, 0, 'the lock was released');
        db.close();
      } finally {
        p.cleanup();
      }
    });
  }

  test('SIGINT during a long run of plain SQL migrations stops it early, with every applied migration recorded', async () => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= 3000; i++) files[`${String(i).padStart(4, '0')}_t${i}.sql`] = `CREATE TABLE t${i} (id INTEGER PRIMARY KEY);\nINSERT INTO t${i} (id) VALUES (1);\n`;
    const p = project(files);
    try {
      const file = join(p.dir, 'app.db');
      const r = await strata(['up', '--db', `sqlite:${file}`], { cwd: p.dir, onOutput: signalWhen('applied 0010_t10', 'SIGINT') });
      assert.equal(r.code, 130, r.stderr);
      const db = new Database(file, { readonly: true });
      const recorded = (db.prepare('SELECT count(*) AS n FROM strata_migrations').get() as { n: number }).n;
      const tables = (db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name GLOB 't[0-9]*'`).get() as { n: number }).n;
      db.close();
      assert.ok(recorded < 3000, `the signal was handled before the end (${recorded} applied)`);
      assert.equal(tables, recorded, 'every table that exists has its tracking row, and no more');
    } finally {
      p.cleanup();
    }
  });
});
