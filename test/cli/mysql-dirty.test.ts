/**
 * MySQL/MariaDB: DDL commits implicitly, so every migration follows the dirty protocol, and
 * DML after a migration's last DDL runs in the transaction that records it. A failure there
 * belongs to that migration: it stays dirty with its progress, and nothing after it starts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allDialects, notListed } from '../support/dialects.js';
import { project, strata } from '../support/project.js';

for (const dialect of allDialects().filter((d) => d.name === 'mysql')) {
  describe('dirty protocol on MySQL/MariaDB', { skip: notListed(dialect.name) }, () => {
    test('a failing trailing INSERT leaves its own migration dirty (1 statement ran), the next one never starts', async () => {
      const db = await dialect.fresh();
      const p = project({
        '001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);\nINSERT INTO a (id) VALUES (1);\n',
        '002_b.sql': '-- B\nCREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO b (id) VALUES (1);\nINSERT INTO missing_table (id) VALUES (1);\n',
        '003_c.sql': 'CREATE TABLE c (id INTEGER PRIMARY KEY);\n',
      });
      try {
        const r = await strata(['up', '--db', db.url, '--json'], { cwd: p.dir });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^error: migrations\/002_b\.sql failed at line 4: /m);
        assert.match(r.stderr, /^hint: 002_b is recorded dirty/m);
        assert.deepEqual(r.json().applied, ['001']);
        const status = (await strata(['status', '--db', db.url, '--json'], { cwd: p.dir })).json();
        assert.deepEqual(status.migrations.map((m: any) => m.state), ['applied', 'dirty', 'pending']);
        assert.match(status.problems[0].message, /002_b\.sql is dirty: its up stopped part-way \(1 statements ran\)/);
        const info = (await strata(['info', '--db', db.url, '--json'], { cwd: p.dir })).json();
        const tables = info.tables.map((t: any) => t.name);
        assert.ok(tables.includes('b') && !tables.includes('c'), 'b was created (DDL commits), c never started');
        const history = (await strata(['history', '--db', db.url, '--json'], { cwd: p.dir })).json().entries;
        assert.deepEqual(history.map((e: any) => [e.version, e.operation, e.status]), [['002', 'up', 'failed'], ['001', 'up', 'success']]);
        // The trailing INSERT INTO b rolled back with the failed transaction; repair after fixing by hand.
        assert.equal((await strata(['repair', '--rolled-back', '002', '--db', db.url, '--yes'], { cwd: p.dir })).code, 0);
      } finally {
        p.cleanup();
        await db.drop();
      }
    });

    test('a precheck that returns false after a migration with trailing DML: the earlier one is applied whole, nothing of the guarded one ran', async () => {
      const db = await dialect.fresh();
      const p = project({
        '001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);\nINSERT INTO a (id) VALUES (1);\n',
        '002_guard.ts': `export const precheck = async (db) => (await db.query('SELECT count(*) AS n FROM a'))[0].n === 2;\nexport async function up(db) { await db.exec('CREATE TABLE guarded (id INTEGER)'); }\nexport async function down() {}\n`,
      });
      try {
        const r = await strata(['up', '--db', db.url, '--json'], { cwd: p.dir });
        assert.equal(r.code, 1, r.stderr);
        assert.equal(r.json().error.code, 'precheck-failed');
        assert.deepEqual(r.json().applied, ['001']);
        const status = (await strata(['status', '--db', db.url, '--json'], { cwd: p.dir })).json();
        assert.deepEqual(status.migrations.map((m: any) => m.state), ['applied', 'failed'], 'no dirty row left for the guarded migration (its attempt failed)');
        p.write('migrations/002_guard.ts', `export const precheck = async (db) => (await db.query('SELECT count(*) AS n FROM a'))[0].n === 1;\nexport async function up(db) { await db.exec('CREATE TABLE guarded (id INTEGER)'); }\nexport async function down() {}\n`);
        const again = await strata(['up', '--db', db.url, '--json'], { cwd: p.dir });
        assert.equal(again.code, 0, `the precheck saw 001's trailing INSERT: ${again.stderr}`);
      } finally {
        p.cleanup();
        await db.drop();
      }
    });

    test('a syntax error (1064) on the first statement: the row is removed and the hint says so, not "repair"', async () => {
      const db = await dialect.fresh();
      const p = project({
        '001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n',
        '002_b.sql': '-- B\nCREAT TABLE b (id INTEGER PRIMARY KEY);\nCREATE TABLE b2 (id INTEGER PRIMARY KEY);\n',
      });
      try {
        const r = await strata(['up', '--db', db.url, '--json'], { cwd: p.dir });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^error: migrations\/002_b\.sql failed at line 2: /m);
        assert.match(r.stderr, /^hint: nothing of 002_b ran \(its first statement failed and had no effect\), so it is not recorded; fix the file and run `strata up` again$/m);
        assert.doesNotMatch(r.stderr, /repair|dirty/);
        assert.deepEqual(r.json().applied, ['001']);
        const status = (await strata(['status', '--db', db.url, '--json'], { cwd: p.dir })).json();
        assert.deepEqual(status.migrations.map((m: any) => m.state === 'applied' ? 'applied' : m.state === 'dirty' ? 'dirty' : 'not applied'), ['applied', 'not applied']);
        assert.deepEqual(status.problems, []);
        p.write('migrations/002_b.sql', '-- B\nCREATE TABLE b (id INTEGER PRIMARY KEY);\nCREATE TABLE b2 (id INTEGER PRIMARY KEY);\n');
        assert.equal((await strata(['up', '--db', db.url], { cwd: p.dir })).code, 0, 'following the hint works');
      } finally {
        p.cleanup();
        await db.drop();
      }
    });

    test('a migration that drops the tracking table is blamed for it (not the next one), and the hint\'s way back works', async () => {
      const db = await dialect.fresh();
      const p = project({
        '001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n',
        '002_wipe.sql': 'CREATE TABLE b (id INTEGER PRIMARY KEY);\nDROP TABLE strata_migrations;\n',
        '003_c.sql': 'CREATE TABLE c (id INTEGER PRIMARY KEY);\n',
      });
      try {
        const r = await strata(['up', '--db', db.url, '--json'], { cwd: p.dir });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^error: migrations\/002_wipe\.sql dropped strata's tracking table, so it could not be recorded: /m);
        assert.match(r.stderr, /^hint: .*restore the tracking table from a backup, or edit migrations\/002_wipe\.sql so that it leaves strata's tables alone, then run `strata baseline 002`/m);
        assert.doesNotMatch(r.stderr, /003_c/, 'the next migration is not blamed');
        assert.doesNotMatch(r.stderr, /recorded dirty/);
        const { error, applied } = r.json();
        assert.equal(error.migration, '002_wipe');
        assert.deepEqual(applied, ['001']);
        const info = (await strata(['info', '--db', db.url, '--json'], { cwd: p.dir })).json();
        assert.ok(!info.tables.some((t: any) => t.name === 'c'), '003 never started');
        const history = (await strata(['history', '--db', db.url, '--json'], { cwd: p.dir })).json().entries;
        assert.deepEqual([history[0].version, history[0].status], ['002', 'failed']);

        // The way back the hint gives: fix the file, baseline through it, apply the rest.
        p.write('migrations/002_wipe.sql', 'CREATE TABLE b (id INTEGER PRIMARY KEY);\n');
        const baseline = await strata(['baseline', '002', '--db', db.url], { cwd: p.dir });
        assert.equal(baseline.code, 0, baseline.stderr);
        const up = await strata(['up', '--db', db.url, '--json'], { cwd: p.dir });
        assert.equal(up.code, 0, up.stderr);
        assert.deepEqual(up.json().applied, ['003']);
      } finally {
        p.cleanup();
        await db.drop();
      }
    });
  });
}
