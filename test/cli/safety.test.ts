/**
 * `strata test` and `strata drift` on every dialect of the matrix, through the real binary:
 * round trips that pass and fail (a down that forgets an index, an irreversible migration,
 * --idempotent), drift after `up` and after changes by hand, --against a dump, the configured
 * database left untouched, and the scratch database dropped after success, failure and a signal.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Driver } from '../../src/drivers/driver.js';
import { openDriver } from '../../src/drivers/load-driver.js';
import { SCRATCH_PREFIX } from '../../src/scratch/scratch.js';
import { allDialects, notListed, type DialectName } from '../support/dialects.js';
import { driverOptions } from '../support/driver-fixtures.js';
import { nativeConnection } from '../support/native.js';
import { suiteResources } from '../support/suite-resources.js';
import { strata, type CliResult } from '../support/project.js';

const sql = (up: string, down?: string) => `-- migrate:up\n${up}\n${down === undefined ? '' : `-- migrate:down\n${down}\n`}`;

const dropIndex = (dialect: DialectName, index: string, table: string) =>
  dialect === 'mysql' ? `DROP INDEX ${index} ON ${table}` : `DROP INDEX ${index}`;

/** A project whose migrations all round-trip, on every dialect. */
const ROUND_TRIPS = (dialect: DialectName) => ({
  '001_items.sql': sql('CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, note VARCHAR(20));', 'DROP TABLE items;'),
  '002_items_name.sql': sql('CREATE INDEX items_name_idx ON items (name);', `${dropIndex(dialect, 'items_name_idx', 'items')};`),
  '003_item_names.sql': sql('CREATE VIEW item_names AS SELECT name FROM items;', 'DROP VIEW item_names;'),
});

/** The scratch databases a run announced on stderr. */
const announced = (r: CliResult): string[] => [...r.stderr.matchAll(/created the scratch database (strata_scratch_\w+)/g)].map((m) => m[1]!);

for (const dialect of allDialects()) {
  describe(`test and drift on ${dialect.name}`, { skip: notListed(dialect.name) }, () => {
    const { fresh, withMigrations } = suiteResources(dialect);
    /** The scratch databases that exist now on the configured server (or SQLite's temp folder). */
    const scratches = async (url: string): Promise<string[]> => {
      const driver: Driver = await openDriver(url, driverOptions());
      try {
        return await (await driver.safetyNet!()).scratch!.list(SCRATCH_PREFIX);
      } finally {
        await driver.close();
      }
    };
    const assertDropped = async (url: string, r: CliResult) => {
      const names = announced(r);
      assert.ok(names.length > 0, `a scratch database was announced: ${r.stderr}`);
      const left = await scratches(url);
      for (const name of names) assert.ok(!left.includes(name), `${name} was dropped`);
    };
    const tables = async (url: string): Promise<string[]> => {
      const native = await nativeConnection(dialect.name, url);
      try {
        const rows = dialect.name === 'sqlite'
          ? await native.query(`SELECT name FROM sqlite_master WHERE type IN ('table', 'view', 'index') AND name NOT LIKE 'sqlite_%'`)
          : dialect.name === 'postgres'
            ? await native.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`)
            : await native.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()');
        return rows.map((row) => String(row.name ?? row.NAME)).sort();
      } finally {
        await native.end();
      }
    };
    const run = async (url: string, statements: string[]) => {
      const native = await nativeConnection(dialect.name, url);
      try {
        for (const statement of statements) await native.query(statement);
      } finally {
        await native.end();
      }
    };
    test('migrations that all round-trip: ok, exit 0, the configured database untouched, the scratch database dropped', async () => {
      const db = await fresh();
      const p = withMigrations(ROUND_TRIPS(dialect.name));
      const before = await tables(db.url);
      const r = await strata(['test', '--db', db.url, '--json'], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json(), { ok: true, tested: ['001', '002', '003'], notTested: [], failures: [] });
      assert.deepEqual(await tables(db.url), before, 'nothing created in the configured database');
      await assertDropped(db.url, r);
      const human = await strata(['test', '--db', db.url], { cwd: p.dir });
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /✓ 002 round-trips/);
      assert.match(human.stdout, /^ok: 3 tested, 0 not tested, 0 failures$/m);
    });

    test('a down that forgets to drop an index fails, naming the index; an irreversible migration is not tested', async () => {
      const db = await fresh();
      const p = withMigrations({
        '001_items.sql': sql('CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50));', 'DROP TABLE items;'),
        '002_seed.sql': sql('CREATE TABLE seeds (id INTEGER PRIMARY KEY);'),
        '003_tags.sql': sql('CREATE TABLE tags (id INTEGER PRIMARY KEY);\nCREATE INDEX items_name_idx ON items (name);', 'DROP TABLE tags;'),
      });
      const r = await strata(['test', '--db', db.url, '--json'], { cwd: p.dir });
      assert.equal(r.code, 1, r.stderr);
      const doc = r.json();
      assert.equal(doc.ok, false);
      assert.deepEqual(doc.tested, ['001', '003']);
      assert.equal(doc.notTested.length, 1);
      assert.equal(doc.notTested[0].version, '002');
      assert.match(doc.notTested[0].reason, /002_seed\.sql has no "-- migrate:down"/);
      // MySQL's indexes are part of their table's CREATE TABLE.
      const left = dialect.name === 'mysql' ? { object: 'items', change: 'changed', type: 'table' } : { object: 'items_name_idx', change: 'added', type: 'index' };
      assert.deepEqual(doc.failures[0], { version: '003', step: 'down', differences: [left], error: null });
      assert.equal(doc.failures[1].step, 'reapply', 'the up cannot run again over the index left behind');
      assert.match(doc.failures[1].error, /items_name_idx/);
      assert.deepEqual(await tables(db.url), [], 'nothing created in the configured database');
      await assertDropped(db.url, r);
      const human = await strata(['test', '--db', db.url], { cwd: p.dir });
      assert.equal(human.code, 1);
      assert.match(human.stdout, dialect.name === 'mysql' ? /✗ 003\n\s+after down: table items differs/ : /✗ 003\n\s+after down: index items_name_idx is there but should not be/);
      assert.match(human.stdout, /- 002 not tested: /);
    });

    test('--idempotent: a plain CREATE TABLE fails the second up, CREATE TABLE IF NOT EXISTS passes', async () => {
      const db = await fresh();
      const plain = withMigrations({ '001_items.sql': sql('CREATE TABLE items (id INTEGER PRIMARY KEY);', 'DROP TABLE items;') });
      const r = await strata(['test', '--idempotent', '--db', db.url, '--json'], { cwd: plain.dir });
      assert.equal(r.code, 1, r.stderr);
      const doc = r.json();
      assert.equal(doc.failures[0].version, '001');
      assert.equal(doc.failures[0].step, 'idempotent');
      assert.match(doc.failures[0].error, /items/);
      assert.equal((await strata(['test', '--db', db.url], { cwd: plain.dir })).code, 0, 'without --idempotent it round-trips');
      const safe = withMigrations({ '001_items.sql': sql('CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY);', 'DROP TABLE IF EXISTS items;') });
      const ok = await strata(['test', '--idempotent', '--db', db.url, '--json'], { cwd: safe.dir });
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual(ok.json(), { ok: true, tested: ['001'], notTested: [], failures: [] });
      await assertDropped(db.url, ok);
    });

    test('SIGINT during test stops it (exit 130) and the scratch database is dropped', async () => {
      const db = await fresh();
      const p = withMigrations({
        '001_items.sql': sql('CREATE TABLE items (id INTEGER PRIMARY KEY);', 'DROP TABLE items;'),
        '002_slow.ts': `export async function up(db) {\n  db.log('slow migration running');\n  await new Promise((r) => setTimeout(r, 20000));\n}\nexport async function down(db) {}\n`,
      });
      const r = await strata(['test', '--db', db.url], { cwd: p.dir, onOutput: (text, child) => text.includes('slow migration running') && !child.killed && child.kill('SIGINT') });
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stderr, /^error: stopped/m);
      assert.deepEqual(await tables(db.url), []);
      await assertDropped(db.url, r);
    });

    test('drift: none after up; a hand-added index, a dropped index, a changed view and a dropped column are found (exit 6)', async () => {
      const db = await fresh();
      const p = withMigrations(ROUND_TRIPS(dialect.name));
      const none = await strata(['drift', '--db', db.url, '--json'], { cwd: p.dir });
      assert.equal(none.code, 0, none.stderr);
      assert.deepEqual(none.json(), { drift: false, differences: [] });
      assert.deepEqual(await tables(db.url), [], 'drift is read-only: no tracking table created');
      assert.equal((await strata(['up', '--db', db.url, '--no-backup'], { cwd: p.dir })).code, 0);
      const clean = await strata(['drift', '--db', db.url], { cwd: p.dir });
      assert.equal(clean.code, 0, clean.stderr);
      assert.match(clean.stdout, /no drift: the live schema matches the 3 applied migrations/);
      await assertDropped(db.url, clean);

      await run(db.url, [
        'CREATE INDEX hand_idx ON items (note)',
        dropIndex(dialect.name, 'items_name_idx', 'items'),
        'DROP VIEW item_names',
        'CREATE VIEW item_names AS SELECT id, name FROM items',
      ]);
      const r = await strata(['drift', '--db', db.url, '--json'], { cwd: p.dir });
      assert.equal(r.code, 6, r.stderr);
      const doc = r.json();
      assert.equal(doc.drift, true);
      const seen = doc.differences.map((d: { type: string; object: string; change: string }) => `${d.change} ${d.type} ${d.object}`).sort();
      const indexes = dialect.name === 'mysql' ? ['changed table items'] : ['added index hand_idx', 'removed index items_name_idx'];
      assert.deepEqual(seen, [...indexes, 'changed view item_names'].sort());
      const changed = doc.differences.find((d: { change: string; type: string }) => d.change === 'changed' && d.type === 'view');
      assert.match(changed.expected, /item_names/);
      assert.match(changed.actual, /id/);
      await assertDropped(db.url, r);

      await run(db.url, ['DROP VIEW item_names', dropIndex(dialect.name, 'hand_idx', 'items'), 'ALTER TABLE items DROP COLUMN note']);
      const human = await strata(['drift', '--db', db.url], { cwd: p.dir });
      assert.equal(human.code, 6, human.stderr);
      assert.match(human.stdout, /^ {2}table items: changed by hand$/m);
      assert.match(human.stdout, /^ {2}view item_names: removed by hand$/m);
    });

    test('drift --against a dump: equal, then a hand-added table found; a missing dump file is one error line', async () => {
      const db = await fresh();
      const p = withMigrations(ROUND_TRIPS(dialect.name));
      assert.equal((await strata(['up', '--db', db.url, '--no-backup'], { cwd: p.dir })).code, 0);
      assert.equal((await strata(['dump', '--db', db.url, '--out', 'schema.sql'], { cwd: p.dir })).code, 0);
      const same = await strata(['drift', '--db', db.url, '--against', 'schema.sql', '--json'], { cwd: p.dir });
      assert.equal(same.code, 0, same.stderr);
      assert.deepEqual(same.json(), { drift: false, differences: [] });
      await run(db.url, ['CREATE TABLE hand (id INTEGER PRIMARY KEY)']);
      const r = await strata(['drift', '--db', db.url, '--against', 'schema.sql', '--json'], { cwd: p.dir });
      assert.equal(r.code, 6, r.stderr);
      assert.deepEqual(r.json().differences.map((d: { change: string; type: string; object: string }) => [d.change, d.type, d.object]), [['added', 'table', 'hand']]);
      await assertDropped(db.url, r);
      const missing = await strata(['drift', '--db', db.url, '--against', join(p.dir, 'nope.sql')], { cwd: p.dir });
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /^error: cannot read the dump .*nope\.sql/m);
      assert.match(missing.stderr, /strata dump --out/);
    });
  });
}
