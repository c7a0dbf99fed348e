/**
 * §12 home-grown shapes — `table` (the seeds' `schema_migrations(migration_id)`,
 * `migrations(version)`, `schema_versions(version)`, `_migrations(version)`) and
 * `user-version` — and the CLI: the JSON document, exit codes, and the errors of a wrong tool,
 * table or flag.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { allDialects, notListed, type DialectName } from '../support/dialects.js';
import { project, strata } from '../support/project.js';
import { checkCase, harness, insert, quoteOf, type Case } from './support.js';

const SQL = (table: string) => `CREATE TABLE ${table} (id INTEGER PRIMARY KEY);\n`;

function tableCase(table: string, column: string, ddl: string, values: unknown[], files: Record<string, string>, imported: string[], pending: string[], unmatched: RegExp[]): Case {
  return {
    tool: 'table',
    options: { fromTable: table, versionColumn: column },
    files,
    setup: (d: DialectName) => [ddl, ...values.map((v) => insert(table, quoteOf(d), { [column]: v }))],
    count: `SELECT COUNT(*) AS n FROM ${table}`,
    imported,
    unmatched,
    pendingAfter: pending,
  };
}

const seedFiles = { '001_init.sql': SQL('a'), '002_users.sql': SQL('b'), '003_later.sql': SQL('c') };
const SHAPES: { name: string; make: () => Case }[] = [
  {
    name: 'schema_migrations(migration_id) holding ids',
    make: () => tableCase('schema_migrations', 'migration_id', 'CREATE TABLE schema_migrations (migration_id VARCHAR(255) PRIMARY KEY, applied_at VARCHAR(40))', ['001_init', '002_users', '009_gone'], seedFiles, ['001', '002'], ['003'], [/migration_id = 009_gone: no migration file has version 009/]),
  },
  {
    name: 'migrations(version) holding integers',
    make: () => tableCase('migrations', 'version', 'CREATE TABLE migrations (version INTEGER PRIMARY KEY, name VARCHAR(100))', [1, 2], seedFiles, ['001', '002'], ['003'], []),
  },
  {
    name: 'schema_versions(version) holding dates',
    make: () => tableCase('schema_versions', 'version', 'CREATE TABLE schema_versions (version VARCHAR(40) NOT NULL)', ['2026_01_28', '2026-02-01'], {
      '2026_01_28_add_email.sql': SQL('a'), '2026_02_01_more.sql': SQL('b'), '2026_03_01_last.sql': SQL('c'),
    }, ['2026_01_28', '2026_02_01'], ['2026_03_01'], []),
  },
  {
    name: '_migrations(version) holding migration_ names',
    make: () => tableCase('_migrations', 'version', 'CREATE TABLE _migrations (version VARCHAR(200) NOT NULL)', ['migration_001_init', 'migration_002_add_feature', 'notes'], {
      'migration_001_init.sql': SQL('a'), 'migration_002_add_feature.sql': SQL('b'),
    }, ['001', '002'], [], [/version = notes: it does not start with a version/]),
  },
];

describe('strata import table (home-grown tables)', () => {
  for (const shape of SHAPES) {
    for (const d of allDialects()) {
      test(`${shape.name} on ${d.name}`, { skip: notListed(d.name) }, () => checkCase(d, shape.make()));
    }
  }
});

describe('strata import user-version (SQLite)', () => {
  const sqlite = allDialects().find((d) => d.name === 'sqlite')!;
  test('PRAGMA user_version = 2: the first two migrations in canonical order', { skip: notListed('sqlite') }, () =>
    checkCase(sqlite, {
      tool: 'user-version',
      files: seedFiles,
      setup: () => ['CREATE TABLE a (id INTEGER PRIMARY KEY)', 'CREATE TABLE b (id INTEGER PRIMARY KEY)', 'PRAGMA user_version = 2'],
      count: 'PRAGMA user_version',
      imported: ['001', '002'],
      unmatched: [],
      pendingAfter: ['003'],
    }));

  test('a user_version above the number of files is unmatched', { skip: notListed('sqlite') }, () =>
    checkCase(sqlite, {
      tool: 'user-version',
      files: seedFiles,
      setup: () => ['PRAGMA user_version = 5'],
      // strata keeps user_version equal to its number of applied migrations (§3): 3 from here on.
      count: 'SELECT 1 AS n',
      imported: ['001', '002', '003'],
      unmatched: [/PRAGMA user_version = 5: it counts 5 migrations but only 3 are known/],
    }));

  for (const d of allDialects().filter((x) => x.name !== 'sqlite')) {
    test(`on ${d.name}: refused as usage (exit 2), naming the table form`, { skip: notListed(d.name) }, async () => {
      const h = await harness(d, seedFiles);
      try {
        await assert.rejects(h.tool('user-version'), (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'usage' && /PRAGMA user_version/.test(e.message));
      } finally {
        await h.done();
      }
    });
  }
});

describe('strata import on the command line', () => {
  const flyway = (p: ReturnType<typeof project>, successOf2: boolean) => {
    const db = new Database(join(p.dir, 'app.db'));
    db.exec(`CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')), "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL)`);
    db.exec(`INSERT INTO flyway_schema_history VALUES (1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'app', '2021-01-01', 0, 1)`);
    db.exec(`INSERT INTO flyway_schema_history VALUES (2, '2', 'two', 'JDBC', 'db.migration.V2__two', NULL, 'app', '2021-01-01', 5, ${successOf2 ? 1 : 0})`);
    db.close();
  };

  test('--json: the §5 document; refused with import-mismatch (exit 3); --dry-run exit 0; --accept-unmatched imports the rest', async () => {
    const p = project({ 'V0_9__pre.sql': SQL('pre'), 'V1__base.sql': SQL('base'), 'V2__two.sql': SQL('two'), 'V3__three.sql': SQL('three') });
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    try {
      flyway(p, false);
      const dry = await strata(['import', 'flyway', '--db', db, '--dry-run', '--json'], { cwd: p.dir });
      assert.equal(dry.code, 0, dry.stderr);
      const doc = dry.json();
      assert.deepEqual(Object.keys(doc).slice(0, 4), ['tool', 'imported', 'unmatched', 'dryRun']);
      assert.deepEqual({ tool: doc.tool, imported: doc.imported, dryRun: doc.dryRun }, { tool: 'flyway', imported: ['0_9', '1'], dryRun: true });
      assert.match(doc.unmatched[0].row, /installed_rank 2/);
      assert.match(doc.unmatched[0].reason, /failed \(success = false\)/);

      const refused = await strata(['import', 'flyway', '--db', db, '--json'], { cwd: p.dir });
      assert.equal(refused.code, 3);
      assert.equal(refused.json().error.code, 'import-mismatch');
      assert.match(refused.stderr, /^error: import flyway refused: 1 row of flyway_schema_history did not match/m);
      assert.match(refused.stderr, /--accept-unmatched/);

      const accepted = await strata(['import', 'flyway', '--db', db, '--accept-unmatched'], { cwd: p.dir });
      assert.equal(accepted.code, 0, accepted.stderr);
      assert.match(accepted.stdout, /imported 2 migrations from flyway/);
      assert.match(accepted.stdout, /1_base {2}<- {2}flyway_schema_history installed_rank 1: version 1, BASELINE/);
      const up = await strata(['up', '--db', db, '--json'], { cwd: p.dir });
      assert.deepEqual(up.json().applied, ['2', '3'], 'the failed one runs again, then the rest');
    } finally {
      p.cleanup();
    }
  });

  test('usage errors exit 2: unknown tool (with a suggestion), no such history, table without its flags, a table that is not the tool\'s', async () => {
    const p = project({ '001_init.sql': SQL('a') });
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    try {
      const unknown = await strata(['import', 'flyay', '--db', db], { cwd: p.dir });
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /unknown tool "flyay" \(did you mean flyway\?\)/);
      const none = await strata(['import', 'knex', '--db', db], { cwd: p.dir });
      assert.equal(none.code, 2);
      assert.match(none.stderr, /has no knex_migrations: Knex's history is not in this database/);
      const flags = await strata(['import', 'table', '--db', db], { cwd: p.dir });
      assert.equal(flags.code, 2);
      assert.match(flags.stderr, /needs --from-table <name> and --version-column <column>/);
      const sqlite = new Database(join(p.dir, 'app.db'));
      sqlite.exec('CREATE TABLE migrations (version INTEGER)');
      sqlite.exec('CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY)');
      sqlite.close();
      const typeorm = await strata(['import', 'typeorm', '--db', db], { cwd: p.dir });
      assert.equal(typeorm.code, 2);
      assert.match(typeorm.stderr, /migrations has no timestamp column: it is not TypeORM's[\s\S]*strata import table --from-table migrations/);
      const golang = await strata(['import', 'golang-migrate', '--db', db], { cwd: p.dir });
      assert.equal(golang.code, 2);
      assert.match(golang.stderr, /no dirty column: it is not golang-migrate's[\s\S]*strata import dbmate/);
      const column = await strata(['import', 'table', '--from-table', 'migrations', '--version-column', 'id', '--db', db], { cwd: p.dir });
      assert.equal(column.code, 2);
      assert.match(column.stderr, /migrations has no column id/);
      const injected = await strata(['import', 'table', '--from-table', 'x; DROP TABLE y', '--version-column', 'v', '--db', db], { cwd: p.dir });
      assert.equal(injected.code, 2);
      assert.match(injected.stderr, /--from-table "x; DROP TABLE y" is not a plain identifier/);
    } finally {
      p.cleanup();
    }
  });

  test('a SQL error while writing rolls back every row of the import (one transaction)', async () => {
    const p = project(seedFiles);
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    try {
      const sqlite = new Database(join(p.dir, 'app.db'));
      sqlite.exec('CREATE TABLE schema_versions (version TEXT)');
      sqlite.exec("INSERT INTO schema_versions VALUES ('001'), ('002')");
      sqlite.close();
      // strata's tables exist; a trigger makes the second tracking row fail.
      assert.equal((await strata(['status', '--db', db], { cwd: p.dir })).code, 0);
      assert.equal((await strata(['mark-applied', '003', '--db', db], { cwd: p.dir })).code, 0);
      const again = new Database(join(p.dir, 'app.db'));
      again.exec(`CREATE TRIGGER no_second BEFORE INSERT ON strata_migrations WHEN NEW.version = '002' BEGIN SELECT RAISE(ABORT, 'no 002 here'); END`);
      again.close();
      const failed = await strata(['import', 'table', '--from-table', 'schema_versions', '--version-column', 'version', '--db', db], { cwd: p.dir });
      assert.notEqual(failed.code, 0);
      assert.match(failed.stderr, /no 002 here/);
      const check = new Database(join(p.dir, 'app.db'));
      assert.deepEqual(check.prepare('SELECT version FROM strata_migrations ORDER BY version').all(), [{ version: '003' }], '001 was rolled back with 002');
      assert.equal((check.prepare("SELECT COUNT(*) AS n FROM strata_migrations_log WHERE operation = 'import'").get() as { n: number }).n, 0);
      check.close();
    } finally {
      p.cleanup();
    }
  });
});
