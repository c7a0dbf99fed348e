/**
 * Restore points, `backup`, `backups` and `restore` on SQLite files (§7), through the real
 * `strata` binary. PostgreSQL and MariaDB: backup-servers.test.ts.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { notListed } from '../support/dialects.js';
import { project, strata, type Project } from '../support/project.js';

/** The version in a restore point's name (a second one in the same second and of the same version is `…~2.db`). */
const NAME = /^app_\d{8}T\d{6}Z_(.+?)(?:~\d+)?\.db$/;

describe('backups on SQLite', { skip: notListed('sqlite') }, () => {
  let p: Project;
  const run = (...args: string[]) => strata([...args, '--db', 'sqlite:./app.db'], { cwd: p.dir });
  // Oldest first: two restore points in the same second differ only in the version in their
  // names, so the names alone do not order them.
  const backupsOf = () => {
    const folder = join(p.dir, 'backups');
    if (!existsSync(folder)) return [];
    return readdirSync(folder).sort((a, b) => statSync(join(folder, a)).mtimeMs - statSync(join(folder, b)).mtimeMs || (a < b ? -1 : 1));
  };
  const query = <T>(sql: string): T[] => {
    const db = new Database(join(p.dir, 'app.db'), { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  };

  beforeEach(() => {
    p = project({
      '001_users.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n-- migrate:down\nDROP TABLE users;\n',
      '002_seed.sql': "INSERT INTO users (name) VALUES ('ada'), ('grace');\n-- migrate:down\nDELETE FROM users;\n",
    });
  });
  afterEach(() => p.cleanup());

  test('up takes a restore point beside the database, named <db>_<UTC time>_<version applied>.db, before it applies', async () => {
    const first = await run('up', '--target', '001');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /restore point backups\/app_\d{8}T\d{6}Z_none\.db/);
    const second = await run('up');
    assert.equal(second.code, 0, second.stderr);
    const files = backupsOf();
    assert.deepEqual(files.map((f) => NAME.exec(f)?.[1]), ['none', '001'], files.join(', '));
    // The second one holds the database as it was before 002: the table, no rows.
    const copy = new Database(join(p.dir, 'backups', files[1]!), { readonly: true });
    try {
      assert.deepEqual(copy.prepare('SELECT count(*) AS n FROM users').get(), { n: 0 });
      assert.deepEqual(copy.prepare('SELECT count(*) AS n FROM strata_migrations_lock').get(), { n: 0 }, 'the copy carries no lease');
    } finally {
      copy.close();
    }
  });

  test('no restore point on the no-op path, for read-only commands, with --dry-run, --no-backup or backup: false', async () => {
    assert.equal((await run('up', '--no-backup')).code, 0);
    assert.deepEqual(backupsOf(), [], '--no-backup');
    assert.equal((await run('up')).code, 0);
    assert.equal((await run('status')).code, 0);
    assert.equal((await run('plan')).code, 0);
    assert.equal((await run('down', '--dry-run')).code, 0);
    assert.equal((await run('history')).code, 0);
    assert.deepEqual(backupsOf(), [], 'nothing to do, or nothing changed: no copy');
    p.write('strata.config.json', JSON.stringify({ backup: false }));
    assert.equal((await run('down', '--steps', '2')).code, 0);
    assert.deepEqual(backupsOf(), [], 'backup: false in the config');
    assert.equal((await run('redo', '--no-backup')).code, 0);
    assert.deepEqual(backupsOf(), []);
  });

  test('down, redo and reset take one each', async () => {
    assert.equal((await run('up', '--no-backup')).code, 0);
    assert.equal((await run('down')).code, 0);
    assert.equal((await run('redo')).code, 0);
    const reset = await run('reset', '--yes');
    assert.equal(reset.code, 0, reset.stderr);
    assert.deepEqual(backupsOf().map((f) => NAME.exec(f)?.[1]), ['002', '001', '001'], 'redo and reset found 001 applied');
  });

  test('keep: only the newest n stay per database, the oldest removed first', async () => {
    p.write('strata.config.json', JSON.stringify({ keep: 2, backups: 'saved' }));
    assert.equal((await run('up', '--target', '001')).code, 0);
    assert.equal((await run('up')).code, 0);
    assert.equal((await run('down')).code, 0);
    const listed = await run('backups', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const { backups } = listed.json();
    assert.deepEqual(backups.map((b: any) => b.version), ['001', '002'], 'the `none` one was removed');
    for (const b of backups) {
      assert.deepEqual(Object.keys(b), ['file', 'sizeBytes', 'createdAt', 'version']);
      assert.ok(b.file.startsWith(join(p.dir, 'saved')), b.file);
      assert.ok(b.sizeBytes > 0);
      assert.match(b.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    }
  });

  test('backup makes one now; restore puts it back where another open connection sees it, and logs it', async () => {
    assert.equal((await run('up', '--no-backup')).code, 0);
    const made = await run('backup', '--json');
    assert.equal(made.code, 0, made.stderr);
    const doc = made.json();
    assert.deepEqual(Object.keys(doc), ['file', 'sizeBytes', 'createdAt', 'version']);
    assert.equal(doc.version, '002');
    assert.match(doc.file, /app_\d{8}T\d{6}Z_002\.db$/);

    // An application's connection, open across the whole restore.
    const app = new Database(join(p.dir, 'app.db'));
    try {
      assert.equal((await run('down', '--steps', '2', '--no-backup')).code, 0);
      assert.equal((app.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'users'").get() as { n: number }).n, 0);
      const restored = await run('restore', doc.file, '--yes', '--json');
      assert.equal(restored.code, 0, restored.stderr);
      assert.deepEqual(restored.json(), { restored: doc.file, version: '002', versionBefore: null });
      assert.deepEqual(app.prepare('SELECT name FROM users ORDER BY id').all(), [{ name: 'ada' }, { name: 'grace' }], 'the open connection sees the restored rows');
    } finally {
      app.close();
    }
    const status = (await run('status', '--json')).json();
    assert.equal(status.applied, 2);
    const log = query<{ operation: string; version: string | null; detail: string }>('SELECT operation, version, detail FROM strata_migrations_log ORDER BY id');
    assert.deepEqual(log.map((r) => r.operation), ['up', 'up', 'down', 'down', 'restore'], 'the downs after the backup are kept in the audit trail');
    const detail = JSON.parse(log.at(-1)!.detail);
    assert.equal(detail.file, doc.file);
    assert.equal(detail.versionBefore, null);
    assert.equal(detail.versionAfter, '002');
  });

  test('restore asks: without --yes and without a terminal it changes nothing (exit 2)', async () => {
    assert.equal((await run('up', '--no-backup')).code, 0);
    const made = (await run('backup', '--json')).json();
    const r = await run('restore', made.file, '--json');
    assert.equal(r.code, 2);
    assert.equal(r.json().error.code, 'confirmation-required');
  });

  test('restore in a protected environment needs --force', async () => {
    assert.equal((await run('up', '--no-backup')).code, 0);
    const made = (await run('backup', '--json')).json();
    p.write('strata.config.json', JSON.stringify({ environments: { production: {} } }));
    const refused = await run('restore', made.file, '--yes', '--env', 'production', '--json');
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(refused.json().error.code, 'protected-environment');
    assert.match(refused.stderr, /--force/);
    const forced = await run('restore', made.file, '--yes', '--env', 'production', '--force');
    assert.equal(forced.code, 0, forced.stderr);
  });

  test('restore of a file that is not there, or not a database, changes nothing', async () => {
    assert.equal((await run('up', '--no-backup')).code, 0);
    const missing = await run('restore', 'backups/nope.db', '--yes', '--json');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /error: cannot restore .*nope\.db: no such file/);
    const junk = p.write('junk.db', 'this is not a database');
    const bad = await run('restore', junk, '--yes', '--json');
    assert.equal(bad.code, 1, bad.stderr);
    assert.equal(bad.json().error.code, 'backup-failed');
    assert.equal((await run('status', '--json')).json().applied, 2);
  });

  test('a backup that cannot be written stops up before anything is applied (exit 1, backup-failed)', async () => {
    writeFileSync(join(p.dir, 'blocker'), 'a file where the folder should be');
    p.write('strata.config.json', JSON.stringify({ backups: 'blocker/backups' }));
    const r = await run('up', '--json');
    assert.equal(r.code, 1, r.stderr);
    const error = r.json().error;
    assert.equal(error.code, 'backup-failed');
    assert.match(r.stderr, /^error: cannot create the backup folder .*blocker\/backups/m);
    assert.match(r.stderr, /--no-backup/);
    assert.deepEqual(query('SELECT version FROM strata_migrations'), [], 'nothing applied');
    assert.deepEqual(query("SELECT name FROM sqlite_master WHERE name = 'users'"), []);
  });

  test('an in-memory database is not backed up', async () => {
    const r = await strata(['up', '--db', 'sqlite::memory:'], { cwd: p.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /restore point/);
    assert.deepEqual(backupsOf(), []);
  });
});
