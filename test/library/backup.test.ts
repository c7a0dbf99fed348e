/**
 * The library's side of §7 on a SQLite file: `migrate()` takes a restore point only where
 * something is pending, `backup: false` turns it off, `m.backup()` / `m.backups()` /
 * `m.restore()` return the documents of §5, and the copy is announced to `onEvent`.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { createMigrator, migrate, type StrataEvent } from '../../src/index.js';
import { notListed } from '../support/dialects.js';
import { project, type Project } from '../support/project.js';

describe('backups through the library (SQLite)', { skip: notListed('sqlite') }, () => {
  let p: Project;
  let db: string;
  const backupsOf = () => (existsSync(join(p.dir, 'backups')) ? readdirSync(join(p.dir, 'backups')).sort() : []);

  beforeEach(() => {
    p = project({
      '001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE a;\n',
      '002_b.sql': 'CREATE TABLE b (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE b;\n',
    });
    db = `sqlite:${join(p.dir, 'app.db')}`;
  });
  afterEach(() => p.cleanup());

  test('migrate() takes one restore point when something is pending, none on the no-op path, none with backup: false', async () => {
    const events: StrataEvent[] = [];
    await migrate({ db, dir: p.migrations, onEvent: (e) => events.push(e), target: '001' });
    assert.equal(backupsOf().length, 1);
    const done = events.find((e) => e.type === 'backup-done');
    assert.ok(done && done.type === 'backup-done' && done.operation === 'backup' && done.sizeBytes > 0, JSON.stringify(events));
    await migrate({ db, dir: p.migrations, target: '001' });
    assert.equal(backupsOf().length, 1, 'no-op: no copy');
    await migrate({ db, dir: p.migrations, backup: false });
    assert.equal(backupsOf().length, 1, 'backup: false');
  });

  test('m.backup(), m.backups() and m.restore() give the §5 documents', async () => {
    const m = await createMigrator({ db, dir: p.migrations, backup: false });
    try {
      await m.up({ target: '001' });
      const made = await m.backup();
      assert.deepEqual(Object.keys(made), ['file', 'sizeBytes', 'createdAt', 'version']);
      assert.equal(made.version, '001');
      await m.up();
      assert.deepEqual((await m.backups()).backups.map((b) => b.file), [made.file]);
      const restored = await m.restore(made.file);
      assert.equal(restored.restored, made.file);
      assert.equal(restored.version, '001');
      assert.equal(restored.versionBefore, '002');
      assert.equal((await m.status()).pending, 1);
    } finally {
      await m.close();
    }
  });

  test('options are checked: keep must be a whole number, backup a boolean', async () => {
    await assert.rejects(createMigrator({ db, dir: p.migrations, keep: -1 }), /keep must be a whole number/);
    await assert.rejects(createMigrator({ db, dir: p.migrations, backup: 'yes' as never }), /backup must be true or false/);
  });
});
