/**
 * Later migrate() calls in one process reuse a parked SQLite connection and its last
 * tracking read (src/drivers/sqlite/parked.ts), and the folder's cached file texts
 * (src/sources/file-cache.ts). These tests change the database and the folder in every way
 * another process or this one could between two calls, and check the next call sees it (§9).
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdirSync, renameSync, rmSync, stat, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
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

  test('a database file replaced by another (renamed over it) between calls is read as the new file, not through the parked connection', async () => {
    const { p, file, db } = setup();
    try {
      assert.equal((await migrate({ db, dir: p.migrations })).status, 'migrated');
      assert.equal((await migrate({ db, dir: p.migrations })).status, 'up-to-date');
      const replacement = join(p.dir, 'replacement.db');
      const other = new Database(replacement);
      other.exec('CREATE TABLE unrelated (id INTEGER)');
      other.close();
      renameSync(replacement, file);
      const again = await migrate({ db, dir: p.migrations });
      assert.deepEqual([again.status, again.applied], ['migrated', ['001', '002']]);
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

/** Runs `fn` from inside an I/O callback, as a request handler would: the poll phase that ran it has already read the inotify queue. */
function fromIoCallback<T>(fn: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => stat('.', () => fn().then(resolve, reject)));
}

const outcome = async (call: Promise<{ status: string; applied: string[] }>): Promise<string> => {
  try {
    const r = await call;
    return `${r.status} ${r.applied.join(',')}`.trim();
  } catch (error) {
    return `refused: ${(error as { code?: string }).code}`;
  }
};

describe('later calls never see a stale migrations folder (§9)', () => {
  test('a release symlink swapped to a folder with a new migration: the next call applies it', async () => {
    const p = project({});
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    try {
      const release = (n: number, files: Record<string, string>) => {
        const folder = join(p.dir, 'releases', String(n));
        mkdirSync(folder, { recursive: true });
        for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
        return folder;
      };
      const current = join(p.dir, 'current');
      symlinkSync(release(1, { '001_a.sql': CREATE('a') }), current);
      assert.equal(await outcome(migrate({ db, dir: current })), 'migrated 001');
      assert.equal(await outcome(migrate({ db, dir: current })), 'up-to-date');
      // Capistrano's swap: a new symlink renamed over the old one, atomically.
      symlinkSync(release(2, { '001_a.sql': CREATE('a'), '002_b.sql': CREATE('b') }), join(p.dir, 'current.next'));
      renameSync(join(p.dir, 'current.next'), current);
      assert.equal(await outcome(migrate({ db, dir: current })), 'migrated 002');
      // And an edit in the new release is seen too (the old release's watch would not see it).
      writeFileSync(join(p.dir, 'releases/2/002_b.sql'), CREATE('x'));
      assert.equal(await outcome(migrate({ db, dir: current })), 'refused: checksum-mismatch');
    } finally {
      p.cleanup();
    }
  });

  test('a folder deleted and re-created: a migration added to the new folder is seen on the next call', async () => {
    const p = project({ '001_a.sql': CREATE('a'), '002_b.sql': CREATE('b') });
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    try {
      assert.equal(await outcome(migrate({ db, dir: p.migrations })), 'migrated 001,002');
      rmSync(p.migrations, { recursive: true });
      mkdirSync(p.migrations);
      writeFileSync(join(p.migrations, '001_a.sql'), CREATE('a'));
      writeFileSync(join(p.migrations, '002_b.sql'), CREATE('b'));
      assert.equal(await outcome(migrate({ db, dir: p.migrations })), 'up-to-date');
      writeFileSync(join(p.migrations, '003_c.sql'), CREATE('c'));
      assert.equal(await outcome(migrate({ db, dir: p.migrations })), 'migrated 003');
    } finally {
      p.cleanup();
    }
  });

  test('a folder moved away and replaced by one whose copy of an applied file differs: refused on the next call', async () => {
    const p = project({ '001_a.sql': CREATE('a'), '002_b.sql': CREATE('b') });
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    try {
      assert.equal(await outcome(migrate({ db, dir: p.migrations })), 'migrated 001,002');
      renameSync(p.migrations, join(p.dir, 'migrations.old'));
      mkdirSync(p.migrations);
      writeFileSync(join(p.migrations, '001_a.sql'), CREATE('x'));
      writeFileSync(join(p.migrations, '002_b.sql'), CREATE('b'));
      assert.equal(await outcome(migrate({ db, dir: p.migrations })), 'refused: checksum-mismatch');
    } finally {
      p.cleanup();
    }
  });

  test('a file edited (same size), added or removed just before a call made from an I/O callback is seen by that call', async () => {
    const p = project({ '001_a.sql': CREATE('a'), '002_b.sql': CREATE('b') });
    const m = await createMigrator({ db: `sqlite:${join(p.dir, 'app.db')}`, dir: p.migrations });
    try {
      assert.equal(await outcome(m.up()), 'migrated 001,002');
      assert.equal(await outcome(m.up()), 'up-to-date');
      const first = join(p.migrations, '001_a.sql');
      const edited = fromIoCallback(() => {
        writeFileSync(first, CREATE('x'));
        return outcome(m.up());
      });
      assert.equal(await edited, 'refused: checksum-mismatch', 'edited');
      writeFileSync(first, CREATE('a'));
      assert.equal(await outcome(m.up()), 'up-to-date');
      const added = fromIoCallback(() => {
        writeFileSync(join(p.migrations, '003_c.sql'), CREATE('c'));
        return outcome(m.up());
      });
      assert.equal(await added, 'migrated 003', 'added');
      const removed = fromIoCallback(() => {
        rmSync(join(p.migrations, '003_c.sql'));
        return outcome(m.up());
      });
      assert.equal(await removed, 'refused: missing-file', 'removed');
    } finally {
      await m.close();
      p.cleanup();
    }
  });

  test('a symlinked migration whose target is edited to the same size with its mtime put back: seen on the next call', async () => {
    const p = project({ '001_a.sql': CREATE('a') });
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    try {
      const target = p.write('shared/002_b.sql', CREATE('b'));
      // A whole-second mtime, so it can be put back exactly (as a copy tool that keeps timestamps does).
      const tick = 1_700_000_000;
      utimesSync(target, tick, tick);
      symlinkSync(target, join(p.migrations, '002_b.sql'));
      assert.equal(await outcome(migrate({ db, dir: p.migrations })), 'migrated 001,002');
      assert.equal(await outcome(migrate({ db, dir: p.migrations })), 'up-to-date');
      writeFileSync(target, CREATE('x'));
      utimesSync(target, tick, tick);
      assert.equal(statSync(target).size, Buffer.byteLength(CREATE('b')));
      assert.equal(await outcome(migrate({ db, dir: p.migrations })), 'refused: checksum-mismatch');
    } finally {
      p.cleanup();
    }
  });
});
