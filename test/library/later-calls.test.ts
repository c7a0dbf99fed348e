/**
 * Later migrate() calls in one process reuse a parked SQLite connection and its last
 * tracking read (src/drivers/sqlite/parked.ts). These tests change the database in every
 * way another process or this one could between two calls, and check the second call sees it.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createMigrator, migrate } from '../../src/index.js';
import { closeParked } from '../../src/drivers/sqlite/parked.js';
import { project } from '../support/project.js';

const CREATE = (table: string) => `-- migrate:up\nCREATE TABLE ${table} (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE ${table};\n`;

function setup() {
  const p = project({ '001_a.sql': CREATE('a'), '002_b.sql': CREATE('b') });
  const file = join(p.dir, 'app.db');
  return { p, file, db: `sqlite:${file}` };
}

describe('later migrate() calls in one process', () => {
  test('a row removed and its table dropped by another connection between calls is applied again', async () => {
    const { p, file, db } = setup();
    try {
      assert.equal((await migrate({ db, dir: p.migrations })).status, 'migrated');
      assert.equal((await migrate({ db, dir: p.migrations })).status, 'up-to-date');
      const other = new Database(file);
      other.exec(`DELETE FROM strata_migrations WHERE version = '002'; DROP TABLE b;`);
      other.close();
      const again = await migrate({ db, dir: p.migrations });
      assert.deepEqual([again.status, again.applied], ['migrated', ['002']]);
      assert.equal((await migrate({ db, dir: p.migrations })).status, 'up-to-date');
    } finally {
      p.cleanup();
    }
  });

  test('a checksum changed by another connection (rows only, no schema change) is refused by the next call', async () => {
    const { p, file, db } = setup();
    try {
      await migrate({ db, dir: p.migrations });
      assert.equal((await migrate({ db, dir: p.migrations })).status, 'up-to-date');
      const other = new Database(file);
      other.exec(`UPDATE strata_migrations SET checksum = 'edited' WHERE version = '001'`);
      other.close();
      await assert.rejects(migrate({ db, dir: p.migrations }), (e: unknown) => (e as { code?: string }).code === 'checksum-mismatch');
    } finally {
      p.cleanup();
    }
  });

  test('a database file deleted between calls is created anew and migrated, not read through the old connection', async () => {
    const { p, file, db } = setup();
    try {
      await migrate({ db, dir: p.migrations });
      rmSync(file);
      const again = await migrate({ db, dir: p.migrations });
      assert.deepEqual([again.status, again.applied], ['migrated', ['001', '002']]);
      const fresh = new Database(file);
      assert.equal((fresh.prepare('SELECT count(*) AS n FROM strata_migrations').get() as { n: number }).n, 2);
      fresh.close();
    } finally {
      p.cleanup();
    }
  });

  test('a change made in this process through the same parked connection (unmark) is seen by the next call', async () => {
    const { p, db } = setup();
    try {
      await migrate({ db, dir: p.migrations });
      assert.equal((await migrate({ db, dir: p.migrations })).status, 'up-to-date');
      const m = await createMigrator({ db, dir: p.migrations });
      await m.unmark('002');
      await m.close();
      const status = await (async () => {
        const s = await createMigrator({ db, dir: p.migrations });
        try {
          return await s.status();
        } finally {
          await s.close();
        }
      })();
      assert.deepEqual(status.migrations.filter((row) => row.state === 'pending').map((row) => row.version), ['002']);
      // 002's table is still there (unmark records only), so applying it again fails on CREATE TABLE:
      // proof that the call did not answer "up-to-date" from its last read.
      await assert.rejects(migrate({ db, dir: p.migrations }), /table b already exists/);
    } finally {
      p.cleanup();
    }
  });

  test('a parked connection holds no lock: another connection can take an exclusive lock at once', async () => {
    const { p, file, db } = setup();
    try {
      await migrate({ db, dir: p.migrations });
      const other = new Database(file, { timeout: 0 });
      other.exec('BEGIN EXCLUSIVE');
      other.exec('ROLLBACK');
      other.close();
      closeParked();
      assert.equal((await migrate({ db, dir: p.migrations })).status, 'up-to-date', 'after closeParked a call opens the file again');
    } finally {
      p.cleanup();
    }
  });
});
