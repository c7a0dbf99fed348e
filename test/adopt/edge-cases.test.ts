/**
 * §12 edge cases on SQLite files: Flyway rows that take a version back (DELETE, UNDO), Java
 * migrations without a checksum, a migration strata holds dirty, a list source (no files to
 * check a checksum against), and Prisma's old unpadded checksums.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createMigrator, ValidationError } from '../../src/index.js';
import { allDialects, notListed } from '../support/dialects.js';
import { writeFileSync } from 'node:fs';
import { project, strata } from '../support/project.js';
import { harness, insert, raw, sha } from './support.js';

const sqlite = allDialects().find((d) => d.name === 'sqlite')!;
const skip = notListed('sqlite');
const SQL = (table: string) => `CREATE TABLE ${table} (id INTEGER PRIMARY KEY);\n`;
const FLYWAY = `CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')), "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL)`;
const flywayRow = (rank: number, version: string | null, type: string, script: string, checksum: number | null, success = true) =>
  insert('flyway_schema_history', '"', { installed_rank: rank, version, description: script, type, script, checksum, installed_by: 'app', execution_time: 1, success });

describe('import edge cases', { skip }, () => {
  test('Flyway: a version marked deleted by repair or undone is skipped; a JDBC migration is matched by version alone', async () => {
    const h = await harness(sqlite, { 'V1__a.sql': SQL('a'), 'V2__b.sql': SQL('b'), 'V3__c.sql': SQL('c'), 'V4__d.sql': SQL('d') });
    try {
      await raw('sqlite', h.url, [
        FLYWAY,
        flywayRow(1, '1', 'JDBC', 'db.migration.V1__a', null),
        flywayRow(2, '2', 'SQL', 'V2__b.sql', 42),
        flywayRow(3, '2', 'DELETE', 'V2__b.sql', 42),
        flywayRow(4, '3', 'SQL', 'V3__c.sql', 43),
        flywayRow(5, '3', 'UNDO_SQL', 'U3__c.sql', 44),
        flywayRow(6, null, 'SQL', 'R__views.sql', 45),
      ]);
      const result = await h.tool('flyway');
      assert.deepEqual(result.imported, ['1']);
      assert.deepEqual(result.unmatched, []);
      assert.deepEqual(result.skipped.map((s) => s.reason), [
        'a repeatable migration (R__): strata does not run repeatable migrations',
        'marked deleted by `flyway repair`',
        'undone by a Flyway undo migration',
      ]);
    } finally {
      await h.done();
    }
  });

  test('a migration strata holds dirty is unmatched, never overwritten by an import', async () => {
    const h = await harness(sqlite, {
      '001_a.sql': SQL('a'),
      '002_b.sql': '-- transaction: off\nCREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO nowhere VALUES (1);\n',
    });
    try {
      const m = await createMigrator({ db: h.url, dir: h.p.migrations });
      await assert.rejects(m.up());
      await m.close();
      assert.deepEqual((await h.status()).migrations.map((x) => x.state), ['applied', 'dirty']);
      await raw('sqlite', h.url, ['CREATE TABLE _migrations (version TEXT)', "INSERT INTO _migrations VALUES ('001'), ('002')"]);
      await assert.rejects(h.tool('table', { fromTable: '_migrations', versionColumn: 'version' }), (e: unknown) => e instanceof ValidationError && e.code === 'import-mismatch' && /strata has 002_b dirty: resolve it with `strata repair` first/.test(e.message));
      const accepted = await h.tool('table', { fromTable: '_migrations', versionColumn: 'version', acceptUnmatched: true });
      assert.deepEqual(accepted.imported, []);
      assert.equal(accepted.skipped[0]!.reason, '001_a is applied in strata already');
      assert.deepEqual((await h.status()).migrations.map((x) => x.state), ['applied', 'dirty']);
    } finally {
      await h.done();
    }
  });

  test('a list source: version-only tools import; a stored checksum cannot be checked without a file', async () => {
    const p = project();
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    try {
      await raw('sqlite', db, [
        'create table `knex_migrations` (`id` integer not null primary key autoincrement, `name` varchar(255), `batch` integer, `migration_time` datetime)',
        "INSERT INTO knex_migrations (name, batch) VALUES ('001_init.js', 1)",
        'CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)',
        `INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (2, 'more', TRUE, X'${sha('sha384', 'x').toString('hex')}', 1)`,
      ]);
      const migrations = [{ id: '001_init', up: async () => undefined }, { id: '002_more', up: async () => undefined }];
      const m = await createMigrator({ db, migrations });
      try {
        assert.deepEqual((await m.import('knex')).imported, ['001']);
        const sqlx = await m.import('sqlx', { dryRun: true });
        assert.deepEqual(sqlx.imported, []);
        assert.match(sqlx.unmatched[0]!.reason, /002_more has no file to check the sqlx SHA-384 against/);
      } finally {
        await m.close();
      }
    } finally {
      p.cleanup();
    }
  });

  test("Prisma: a row written before prisma-engines#1887 (hex without zero padding) still matches", async () => {
    const text = '-- CreateTable\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n';
    const h = await harness(sqlite, { '20210101000000_init/migration.sql': text });
    try {
      const unpadded = [...sha('sha256', text)].map((b) => b.toString(16)).join('');
      assert.notEqual(unpadded.length, 64, 'the fixture must have a byte below 0x10');
      await raw('sqlite', h.url, [
        'CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)',
        insert('_prisma_migrations', '"', { id: 'a', checksum: unpadded, finished_at: '2021-01-01', migration_name: '20210101000000_init', applied_steps_count: 1 }),
      ]);
      assert.deepEqual((await h.tool('prisma')).imported, ['20210101000000']);
    } finally {
      await h.done();
    }
  });

  test('import takes the lock like every changing command (exit 4 while another run holds it); --dry-run takes none', async () => {
    const p = project({
      '001_a.sql': SQL('a'),
      '002_slow.ts': `import { existsSync } from 'node:fs';\nexport async function up(db) {\n  db.log('holding the lock');\n  for (let i = 0; i < 1200 && !existsSync(process.env.STRATA_TEST_RELEASE); i++) await new Promise((r) => setTimeout(r, 50));\n}\nexport async function down() {}\n`,
    });
    const release = join(p.dir, 'release');
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    try {
      await raw('sqlite', db, ['CREATE TABLE _migrations (version TEXT)', "INSERT INTO _migrations VALUES ('001')"]);
      let started!: () => void;
      const holding = new Promise<void>((resolve) => (started = resolve));
      const holder = strata(['up', '--db', db], { cwd: p.dir, env: { STRATA_TEST_RELEASE: release }, onOutput: (text) => text.includes('holding the lock') && started() });
      await holding;
      const args = ['import', 'table', '--from-table', '_migrations', '--version-column', 'version', '--db', db];
      const dry = await strata([...args, '--dry-run', '--json'], { cwd: p.dir });
      assert.equal(dry.code, 0, dry.stderr);
      const locked = await strata([...args, '--lock-timeout', '0.5', '--json'], { cwd: p.dir });
      assert.equal(locked.code, 4, locked.stderr);
      assert.equal(locked.json().error.code, 'lock-timeout');
      writeFileSync(release, '');
      assert.equal((await holder).code, 0);
    } finally {
      writeFileSync(release, '');
      p.cleanup();
    }
  });
});
