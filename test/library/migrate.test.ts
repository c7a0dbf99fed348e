/** The library API as an application uses it: migrate() at start-up, createMigrator, typed errors. */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AbortError, ConfigError, MigrationError, ValidationError, createMigrator, migrate, type StrataEvent } from '../../src/index.js';
import { allDialects, notListed } from '../support/dialects.js';
import { project } from '../support/project.js';

const CREATE = (table: string) => `-- migrate:up\nCREATE TABLE ${table} (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE ${table};\n`;

describe('migrate() at application start-up', () => {
  test('applies what is pending and returns { status, applied, count, durationMs }; a second call is up-to-date', async () => {
    const p = project({ '001_a.sql': CREATE('a'), '002_b.sql': CREATE('b') });
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      const first = await migrate({ db, dir: p.migrations });
      assert.equal(first.status, 'migrated');
      assert.deepEqual(first.applied, ['001', '002']);
      assert.equal(first.count, 2);
      assert.ok(Number.isInteger(first.durationMs));
      const second = await migrate({ db, dir: p.migrations });
      assert.deepEqual({ ...second, durationMs: 0 }, { status: 'up-to-date', applied: [], count: 0, durationMs: 0 });
      const sqlite = new Database(join(p.dir, 'app.db'));
      assert.equal(sqlite.pragma('user_version', { simple: true }), 2, 'PRAGMA user_version = number of applied migrations');
      sqlite.close();
    } finally {
      p.cleanup();
    }
  });

  test('db is required: a ConfigError, never a default database', async () => {
    await assert.rejects(migrate({ db: '' as string, dir: 'migrations' }), (e: unknown) => e instanceof ConfigError && e.code === 'config' && /`db` is required/.test(e.message));
    await assert.rejects(migrate({ db: undefined as unknown as string }), ConfigError);
  });

  test('the no-op check imports no code migration and creates nothing', async () => {
    const p = project({
      '001_a.ts': `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify('MARKER')}.replace('MARKER', process.env.STRATA_MARKER), 'imported');\nexport const up = (db) => db.exec('CREATE TABLE a (id INTEGER)');\nexport const down = (db) => db.exec('DROP TABLE a');\n`,
    });
    const marker = join(p.dir, 'imported.txt');
    process.env.STRATA_MARKER = marker;
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      assert.equal((await migrate({ db, dir: p.migrations })).status, 'migrated');
      assert.ok(existsSync(marker), 'a pending code migration is imported');
      rmSync(marker);
      assert.equal((await migrate({ db, dir: p.migrations })).status, 'up-to-date');
      assert.equal(existsSync(marker), false, 'an applied code migration is not imported by the no-op check');
      const empty = project({});
      try {
        const none = await migrate({ db: `sqlite:${join(empty.dir, 'never.db')}`, dir: empty.migrations });
        assert.equal(none.status, 'up-to-date');
        assert.equal(existsSync(join(empty.dir, 'never.db')), false, 'nothing to do creates no database file');
      } finally {
        empty.cleanup();
      }
    } finally {
      delete process.env.STRATA_MARKER;
      p.cleanup();
    }
  });
});

describe('createMigrator', () => {
  test('accepts an open better-sqlite3 Database and leaves it open on close()', async () => {
    const p = project({ '001_a.sql': CREATE('a') });
    const sqlite = new Database(join(p.dir, 'app.db'));
    try {
      const m = await createMigrator({ db: sqlite, dir: p.migrations });
      assert.deepEqual((await m.up()).applied, ['001']);
      await m.close();
      assert.equal(sqlite.open, true);
      assert.ok(sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'a'`).get());
    } finally {
      sqlite.close();
      p.cleanup();
    }
  });

  test('refuses a Database that is inside a transaction', async () => {
    const sqlite = new Database(':memory:');
    sqlite.exec('BEGIN');
    try {
      const m = await createMigrator({ db: sqlite, migrations: [] });
      await assert.rejects(m.status(), (e: unknown) => e instanceof ConfigError && /inside a transaction/.test(e.message));
    } finally {
      sqlite.close();
    }
  });

  test('takes migrations as a list of objects, with depends ordering them', async () => {
    const calls: string[] = [];
    const sqlite = new Database(':memory:');
    try {
      const m = await createMigrator({
        db: sqlite,
        migrations: [
          { id: '001_a', depends: ['003'], up: async (db) => { calls.push('001'); await db.exec('CREATE TABLE a (id INTEGER)'); }, down: async () => {} },
          { id: '002_b', up: async () => { calls.push('002'); } },
          { id: '003_c', checksum: 'abc', up: async () => { calls.push('003'); }, down: async () => {} },
        ],
      });
      const result = await m.up();
      assert.deepEqual(calls, ['002', '003', '001'], 'canonical order: 001 waits for its dependency 003');
      assert.deepEqual(result.applied, ['002', '003', '001']);
      const status = await m.status();
      assert.deepEqual(status.migrations.map((x) => x.version), ['002', '003', '001']);
      await assert.rejects(m.down({ steps: 3 }), (e: unknown) => e instanceof ValidationError && e.code === 'irreversible' && /002_b has no down function/.test(e.message));
      assert.equal((await m.status()).applied, 3, 'a refused down plan rolls back nothing');
      await m.close();
    } finally {
      sqlite.close();
    }
  });

  test('db.exec refuses SQL with an unclosed comment or string: none of it runs, the migration fails and rolls back', async () => {
    const sqlite = new Database(':memory:');
    try {
      const m = await createMigrator({
        db: sqlite,
        migrations: [{ id: '001_a', up: async (db) => { await db.exec('CREATE TABLE a (id INTEGER);\n/* later\nCREATE TABLE b (id INTEGER);'); } }],
      });
      const error = await m.up().then(() => null, (e: unknown) => e);
      assert.ok(error instanceof MigrationError, String(error));
      assert.match(error.message, /block comment that opens on line 2 of its SQL with \/\* is never closed/);
      assert.deepEqual(sqlite.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('a', 'b')").get(), { n: 0 });
      await m.close();
    } finally {
      sqlite.close();
    }
  });

  test('a failing migration is a MigrationError with code, file, line, hint and the driver error as cause', async () => {
    const p = project({ '001_a.sql': CREATE('a'), '002_b.sql': 'CREATE TABLE b (id INTEGER);\nINSERT INTO nope VALUES (1);\n' });
    try {
      const m = await createMigrator({ db: `sqlite:${join(p.dir, 'app.db')}`, dir: p.migrations, cwd: p.dir });
      const error = await m.up().then(() => null, (e: unknown) => e);
      assert.ok(error instanceof MigrationError);
      assert.equal(error.code, 'migration-failed');
      assert.equal(error.file, 'migrations/002_b.sql');
      assert.equal(error.line, 2);
      assert.equal(error.migration, '002_b');
      assert.match(error.message, /no such table: nope/);
      assert.ok(error.hint && /002_b/.test(error.hint));
      assert.ok(error.cause instanceof Error);
      assert.deepEqual(error.applied, ['001']);
      const status = await m.status();
      assert.deepEqual(status.migrations.map((x) => x.state), ['applied', 'failed']);
      await m.close();
    } finally {
      p.cleanup();
    }
  });

  test('--atomic rolls back the whole plan when one migration fails', async () => {
    const p = project({ '001_a.sql': CREATE('a'), '002_b.sql': CREATE('b'), '003_c.sql': 'CREATE TABLE c (id INTEGER);\nSELECT * FROM nope;\n' });
    try {
      const m = await createMigrator({ db: `sqlite:${join(p.dir, 'app.db')}`, dir: p.migrations });
      await assert.rejects(m.up({ atomic: true }), (e: unknown) => e instanceof MigrationError && e.applied.length === 0 && /whole run was rolled back/.test(e.hint ?? ''));
      const status = await m.status();
      assert.equal(status.applied, 0);
      assert.equal((await m.info()).tables.filter((t) => ['a', 'b', 'c'].includes(t.name)).length, 0, 'no table survived');
      const history = await m.history();
      assert.deepEqual(history.entries.map((e) => [e.version, e.status]), [['003', 'failed']], 'only the failed log row remains');
      await m.close();
    } finally {
      p.cleanup();
    }
  });

  test('--atomic is refused when a migration is transaction: off', async () => {
    const p = project({ '001_a.sql': `-- transaction: off\n${CREATE('a')}` });
    try {
      const m = await createMigrator({ db: `sqlite:${join(p.dir, 'app.db')}`, dir: p.migrations });
      await assert.rejects(m.up({ atomic: true }), (e: unknown) => e instanceof ValidationError && e.code === 'atomic-refused' && /transaction: off/.test(e.message));
      await m.close();
    } finally {
      p.cleanup();
    }
  });

  test('a transaction: off migration that fails part-way is left dirty and blocks until repair', async () => {
    const p = project({ '001_a.sql': '-- transaction: off\nCREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\nCREATE TABLE a (id INTEGER);\n' });
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      const m = await createMigrator({ db, dir: p.migrations });
      await assert.rejects(m.up(), (e: unknown) => e instanceof MigrationError && /recorded dirty/.test(e.hint ?? ''));
      const status = await m.status();
      assert.equal(status.migrations[0]!.state, 'dirty');
      assert.match(status.problems[0]!.message, /its up stopped part-way \(2 statements ran\)/);
      await assert.rejects(m.up(), (e: unknown) => e instanceof ValidationError && e.code === 'dirty');
      await assert.rejects(m.repair(), (e: unknown) => e instanceof ValidationError && e.code === 'dirty' && /repair --applied 001/.test(e.hint ?? ''));
      const repaired = await m.repair({ applied: '001' });
      assert.deepEqual(repaired.repaired.map((r) => [r.version, r.action]), [['001', 'applied']]);
      assert.equal((await m.status()).migrations[0]!.state, 'applied');
      await m.close();
    } finally {
      p.cleanup();
    }
  });

  test('a savepoint group: a failure rolls back only its own migration, the earlier ones commit', async () => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= 20; i++) files[`${String(i).padStart(3, '0')}_t${i}.sql`] = i === 15 ? 'CREATE TABLE t15 (id INTEGER);\nINSERT INTO missing VALUES (1);\n' : CREATE(`t${i}`);
    const p = project(files);
    try {
      const m = await createMigrator({ db: `sqlite:${join(p.dir, 'app.db')}`, dir: p.migrations });
      const error = await m.up().then(() => null, (e: unknown) => e as MigrationError);
      assert.equal(error?.applied.length, 14);
      const status = await m.status();
      assert.equal(status.applied, 14);
      const tables = (await m.info()).tables.map((t) => t.name);
      assert.ok(tables.includes('t14') && !tables.includes('t15'));
      await m.close();
    } finally {
      p.cleanup();
    }
  });

  test('aborting the signal stops at the next safe point and rolls back the migration in progress', async () => {
    const p = project({
      '001_a.sql': CREATE('a'),
      '002_slow.ts': `export async function up(db) {\n  await db.exec('CREATE TABLE slow (id INTEGER)');\n  db.log('slow started');\n  await new Promise((r) => setTimeout(r, 300));\n  await db.exec('CREATE TABLE after_slow (id INTEGER)');\n}\nexport async function down(db) {}\n`,
    });
    try {
      const controller = new AbortController();
      const events: StrataEvent[] = [];
      const m = await createMigrator({
        db: `sqlite:${join(p.dir, 'app.db')}`,
        dir: p.migrations,
        signal: controller.signal,
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'log') controller.abort();
        },
      });
      const error = await m.up().then(() => null, (e: unknown) => e);
      assert.ok(error instanceof AbortError, String(error));
      assert.deepEqual(error.applied, ['001']);
      await m.close();
      const check = await createMigrator({ db: `sqlite:${join(p.dir, 'app.db')}`, dir: p.migrations });
      const status = await check.status();
      assert.deepEqual(status.migrations.map((x) => x.state), ['applied', 'failed'], 'no half record: failed, not applied');
      assert.ok(!(await check.info()).tables.some((t) => t.name === 'slow'), 'the migration in progress was rolled back');
      assert.ok(events.some((e) => e.type === 'migration-done' && e.version === '001'));
      await check.close();
    } finally {
      p.cleanup();
    }
  });
});

describe('a list migration whose version is longer than the tracking table holds', () => {
  for (const dialect of allDialects()) {
    test(`${dialect.name}: refused before anything runs (malformed-name), never a "Data too long" half-way`, { skip: notListed(dialect.name) }, async () => {
      const fresh = await dialect.fresh();
      let ran = false;
      try {
        const id = `${'9'.repeat(300)}_x`;
        const up = async () => {
          ran = true;
        };
        await assert.rejects(migrate({ db: fresh.url, migrations: [{ id: '001_a', up }, { id, up }] }), (error: unknown) => {
          assert.ok(error instanceof ValidationError, String(error));
          assert.equal(error.code, 'malformed-name');
          assert.match(error.message, /cannot be recorded: its version is 300 characters long; the tracking table holds at most 255/);
          assert.ok(error.message.length < 300, 'the 300 digits are not printed whole');
          return true;
        });
        assert.equal(ran, false, 'no migration ran');
      } finally {
        await fresh.drop();
      }
    });
  }
});

describe('migrate() stopped by its signal or its migrationTimeout', () => {
  const AWAITING = `export async function up(db) {\n  await db.exec('CREATE TABLE w (id INTEGER)');\n  db.log('awaiting');\n  await new Promise((r) => setTimeout(r, 500));\n}\nexport async function down(db) { await db.exec('DROP TABLE w'); }\n`;

  test('aborted while a code migration awaits after its last statement: AbortError, nothing of it committed', async () => {
    const p = project({ '001_a.sql': CREATE('a'), '002_wait.ts': AWAITING });
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      const controller = new AbortController();
      const error = await migrate({ db, dir: p.migrations, signal: controller.signal, onEvent: (e) => e.type === 'log' && controller.abort() }).then((r) => r, (e: unknown) => e);
      assert.ok(error instanceof AbortError, `expected an AbortError, got ${JSON.stringify(error)}`);
      assert.match(error.message, /stopped during .*002_wait\.ts: it was rolled back/);
      const check = await createMigrator({ db, dir: p.migrations });
      assert.deepEqual((await check.status()).migrations.map((x) => x.state), ['applied', 'failed']);
      assert.ok(!(await check.info()).tables.some((t) => t.name === 'w'));
      await check.close();
    } finally {
      p.cleanup();
    }
  });

  test('migrationTimeout: a migration that runs longer fails with a MigrationError and is rolled back', async () => {
    const p = project({ '001_hang.ts': `export async function up(db) {\n  await db.exec('CREATE TABLE h (id INTEGER)');\n  await new Promise((r) => setTimeout(r, 5000));\n}\nexport async function down() {}\n` });
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      const started = Date.now();
      const error = await migrate({ db, dir: p.migrations, migrationTimeout: 0.3 }).then((r) => r, (e: unknown) => e);
      assert.ok(error instanceof MigrationError, String(error));
      assert.match(error.message, /001_hang\.ts did not finish within 0\.3 s \(migrationTimeout\): it was rolled back/);
      assert.ok(Date.now() - started < 4000, 'did not wait for the migration');
      const check = await createMigrator({ db, dir: p.migrations });
      assert.deepEqual((await check.status()).migrations.map((x) => x.state), ['failed']);
      await check.close();
    } finally {
      p.cleanup();
    }
  });
});

describe('createMigrator options', () => {
  test('a misspelled option name is a ConfigError naming the nearest one; other keys of the application pass', async () => {
    const p = project({ '001_a.sql': CREATE('a') });
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      for (const [key, nearest] of [['tabel', 'table'], ['lockTimout', 'lockTimeout'], ['DB', 'db'], ['initSQL', 'initSql']] as const) {
        await assert.rejects(
          createMigrator({ db, dir: p.migrations, [key]: 'x' } as never),
          (error: unknown) => error instanceof ConfigError && error.code === 'config' && error.message === `unknown option "${key}": did you mean "${nearest}"?`,
        );
      }
      const result = await migrate({ db, dir: p.migrations, appName: 'shop', port: 8080, log: true } as never);
      assert.deepEqual(result.applied, ['001']);
    } finally {
      p.cleanup();
    }
  });
});
