/**
 * `test` and `drift` edges on SQLite: the library calls, --scratch-db naming an empty database
 * (used, emptied after) or a non-empty one (exit 2 with the hint), drift refused on a changed
 * applied file (exit 3), SIGTERM during drift (exit 143, nothing left behind), and a PostgreSQL
 * user who may not create databases (exit 2, scratch-unavailable).
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createMigrator } from '../../src/index.js';
import { allDialects, notListed } from '../support/dialects.js';
import { pgClient } from '../support/postgres.js';
import { project, strata } from '../support/project.js';

const skip = notListed('sqlite');
const items = { '001_items.sql': '-- migrate:up\nCREATE TABLE items (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE items;\n' };

test('m.test() and m.drift() return the documents; the configured file is not even created by test', { skip }, async () => {
  const p = project(items);
  try {
    const file = join(p.dir, 'app.db');
    const m = await createMigrator({ db: `sqlite:${file}`, dir: join(p.dir, 'migrations') });
    try {
      const result = await m.test({ idempotent: false });
      assert.equal(result.ok, true);
      assert.deepEqual(result.tested, ['001']);
      assert.equal(existsSync(file), false, 'test touched nothing of the configured database');
      await m.up();
      new Database(file).exec('CREATE TABLE extra (id INTEGER)');
      const drift = await m.drift();
      assert.equal(drift.drift, true);
      assert.deepEqual(drift.differences.map((d) => [d.change, d.type, d.object]), [['added', 'table', 'extra']]);
      assert.deepEqual(drift.replayed, ['001']);
    } finally {
      await m.close();
    }
  } finally {
    p.cleanup();
  }
});

test('--scratch-db naming an empty database uses it and empties it after; a non-empty one is exit 2 with the hint', { skip }, async () => {
  const p = project(items);
  try {
    const scratch = join(p.dir, 'scratch.db');
    new Database(scratch).close();
    const r = await strata(['test', '--db', `sqlite:${join(p.dir, 'app.db')}`, '--scratch-db', `sqlite:${scratch}`, '--json'], { cwd: p.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json().ok, true);
    const after = new Database(scratch);
    assert.deepEqual(after.prepare(`SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`).all(), [], 'emptied after');
    after.exec('CREATE TABLE mine (id INTEGER)');
    after.close();
    const refused = await strata(['drift', '--db', `sqlite:${join(p.dir, 'app.db')}`, '--scratch-db', `sqlite:${scratch}`], { cwd: p.dir });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^error: the scratch database .* is not empty \(table mine\)/m);
    assert.match(refused.stderr, /^hint: point --scratch-db/m);
  } finally {
    p.cleanup();
  }
});

test('drift is refused (exit 3) when an applied file changed: the replay would not be what was applied', { skip }, async () => {
  const p = project(items);
  try {
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    assert.equal((await strata(['up', '--db', db, '--no-backup'], { cwd: p.dir })).code, 0);
    writeFileSync(join(p.dir, 'migrations', '001_items.sql'), '-- migrate:up\nCREATE TABLE items (id INTEGER PRIMARY KEY, x TEXT);\n-- migrate:down\nDROP TABLE items;\n');
    const r = await strata(['drift', '--db', db], { cwd: p.dir });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^error: drift refused: .*001_items/m);
  } finally {
    p.cleanup();
  }
});

test('SIGTERM during drift stops it (exit 143) and the scratch file is removed', { skip }, async () => {
  const p = project({
    ...items,
    '002_slow.ts': `export async function up(db) {\n  db.log('slow migration running');\n  await new Promise((r) => setTimeout(r, 20000));\n}\n`,
  });
  try {
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    assert.equal((await strata(['up', '--db', db, '--no-backup', '--target', '001'], { cwd: p.dir })).code, 0);
    assert.equal((await strata(['mark-applied', '002', '--db', db], { cwd: p.dir })).code, 0);
    const r = await strata(['drift', '--db', db], { cwd: p.dir, onOutput: (text, child) => text.includes('slow migration running') && !child.killed && child.kill('SIGTERM') });
    assert.equal(r.code, 143, r.stderr);
    assert.match(r.stderr, /^error: stopped/m);
    const name = /created the scratch database (strata_scratch_\w+)/.exec(r.stderr)?.[1];
    assert.ok(name, r.stderr);
    assert.equal(readdirSync(tmpdir()).some((entry) => entry.startsWith(name)), false, 'the scratch folder was removed');
  } finally {
    p.cleanup();
  }
});

test('PostgreSQL: a user who may not create databases gets exit 2 (scratch-unavailable) with the hint, no password shown', { skip: notListed('postgres') }, async () => {
  const db = await allDialects().find((d) => d.name === 'postgres')!.fresh();
  const role = `strata_nocreate_${process.pid}`;
  const admin = await pgClient();
  const p = project(items);
  try {
    await admin.query(`CREATE ROLE ${role} LOGIN NOCREATEDB PASSWORD 'Se3cret-pw'`);
    const limited = new URL(db.url);
    limited.username = role;
    limited.password = 'Se3cret-pw';
    for (const command of ['test', 'drift']) {
      const r = await strata([command, '--db', limited.toString(), '--json'], { cwd: p.dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^error: cannot create a scratch database on .*permission denied/m);
      assert.match(r.stderr, /--scratch-db/);
      assert.equal(r.json().error.code, 'scratch-unavailable');
      assert.doesNotMatch(r.stdout + r.stderr, /Se3cret-pw/);
    }
  } finally {
    p.cleanup();
    await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await admin.end();
    await db.drop();
  }
});
