/**
 * The import cases of Flyway, Knex, dbmate, golang-migrate and sqlx: each tool's history
 * table built as that tool builds it, with its files (run by tools.test.ts; guard.test.ts
 * builds the same tables).
 */
import type { DialectName } from '../support/dialects.js';
import { blob, flywayCrc, insert, lit, quoteOf, sha, type Case } from './support.js';

const SQL = (table: string) => `CREATE TABLE ${table} (id INTEGER PRIMARY KEY);\n`;

function flywayCase(): Case {
  const files = {
    'V1__init.sql': SQL('a'),
    'V1_1__Add_b.sql': `\uFEFF-- with a BOM and CRLF line ends\r\n${SQL('b').replace('\n', '\r\n')}`,
    'V2__changed.sql': SQL('c'),
    'V3__failed.sql': SQL('d'),
  };
  const ddl: Record<DialectName, string[]> = {
    postgres: [
      `CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL)`,
      `ALTER TABLE "flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank")`,
      `CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success")`,
    ],
    mysql: [
      'CREATE TABLE `flyway_schema_history` (`installed_rank` INT NOT NULL, `version` VARCHAR(50), `description` VARCHAR(200) NOT NULL, `type` VARCHAR(20) NOT NULL, `script` VARCHAR(1000) NOT NULL, `checksum` INT, `installed_by` VARCHAR(100) NOT NULL, `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, `execution_time` INT NOT NULL, `success` BOOL NOT NULL, CONSTRAINT `flyway_schema_history_pk` PRIMARY KEY (`installed_rank`)) ENGINE=InnoDB',
      'CREATE INDEX `flyway_schema_history_s_idx` ON `flyway_schema_history` (`success`)',
    ],
    sqlite: [
      `CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')), "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL)`,
      `CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success")`,
    ],
  };
  const row = (rank: number, version: string | null, description: string, type: string, script: string, checksum: number | null, success: boolean) =>
    ({ installed_rank: rank, version, description, type, script, checksum, installed_by: 'app', execution_time: 12, success });
  return {
    tool: 'flyway',
    files,
    setup: (d) => [
      ...ddl[d],
      ...[
        row(1, '1', 'init', 'SQL', 'V1__init.sql', flywayCrc(files['V1__init.sql']), true),
        row(2, '1.1', 'Add b', 'SQL', 'V1_1__Add_b.sql', flywayCrc(files['V1_1__Add_b.sql']), true),
        row(3, '2', 'changed', 'SQL', 'V2__changed.sql', flywayCrc('CREATE TABLE c (id BIGINT PRIMARY KEY);\n'), true),
        row(4, null, 'views', 'SQL', 'R__views.sql', 1234, true),
        row(5, '3', 'failed', 'SQL', 'V3__failed.sql', flywayCrc(files['V3__failed.sql']), false),
        row(6, '4', 'gone', 'SQL', 'V4__gone.sql', 99, true),
      ].map((r) => insert('flyway_schema_history', quoteOf(d), r)),
    ],
    count: 'SELECT COUNT(*) AS n FROM flyway_schema_history',
    imported: ['1', '1_1'],
    unmatched: [/version 2.*has changed since Flyway applied it: Flyway CRC32 -?\d+ recorded/, /version 3.*failed \(success = false\)/, /version 4.*no migration file has version 4/],
    pendingAfter: ['2', '3'],
  };
}

function knexCase(): Case {
  const js = (t: string) => `exports.up = function (knex) { return knex.schema.createTable('${t}', (t) => t.increments()); };\nexports.down = function (knex) { return knex.schema.dropTable('${t}'); };\n`;
  // As knex/knex lib/migrations/migrate/table-creator.js builds them (increments, string, integer,
  // timestamp; the lock table with its one row is_locked = 0), with the column types of
  // lib/dialects/{postgres,mysql,sqlite3}/schema/*-columncompiler.js; Migrator.js inserts
  // { name, batch, migration_time } where name is the migration's file name WITH its extension
  // (sources/fs-migrations.js getMigrationName).
  const ddl: Record<DialectName, string[]> = {
    postgres: [
      'create table "knex_migrations" ("id" serial primary key, "name" varchar(255), "batch" integer, "migration_time" timestamptz)',
      'create table "knex_migrations_lock" ("index" serial primary key, "is_locked" integer)',
    ],
    mysql: [
      'create table `knex_migrations` (`id` int unsigned not null auto_increment primary key, `name` varchar(255), `batch` int, `migration_time` timestamp)',
      'create table `knex_migrations_lock` (`index` int unsigned not null auto_increment primary key, `is_locked` int)',
    ],
    sqlite: [
      'create table `knex_migrations` (`id` integer not null primary key autoincrement, `name` varchar(255), `batch` integer, `migration_time` datetime)',
      'create table `knex_migrations_lock` (`index` integer not null primary key autoincrement, `is_locked` integer)',
    ],
  };
  return {
    tool: 'knex',
    files: { '20210101120000_create_users.js': js('users'), '20210102120000_create_posts.js': js('posts'), '20210103120000_create_tags.js': js('tags') },
    setup: (d) => [
      ...ddl[d],
      ...['20210101120000_create_users.js', '20210102120000_create_posts.js', '20200101000000_deleted_since.js'].map((name, i) =>
        // migration_time is new Date(): on SQLite knex binds it as epoch milliseconds
        // (lib/dialects/better-sqlite3/index.js _formatBindings; node-sqlite3 does the same).
        insert('knex_migrations', quoteOf(d), { name, batch: i + 1, migration_time: d === 'sqlite' ? 1609840800000 : '2021-01-05 10:00:00' })),
      insert('knex_migrations_lock', quoteOf(d), { is_locked: 0 }),
    ],
    count: 'SELECT COUNT(*) AS n FROM knex_migrations',
    imported: ['20210101120000', '20210102120000'],
    unmatched: [/20200101000000_deleted_since\.js: no migration file has version 20200101000000/],
    pendingAfter: ['20210103120000'],
  };
}

function dbmateCase(): Case {
  const mig = (t: string) => `-- migrate:up\n${SQL(t)}\n-- migrate:down\nDROP TABLE ${t};\n`;
  // As amacneil/dbmate pkg/driver/{postgres/postgres.go,mysql/mysql.go,sqlite/sqlite.go}
  // CreateMigrationsTable builds it: Postgres schema-qualified (current schema, quote_ident
  // leaves lower-case names bare) with an unbounded varchar; MySQL and SQLite varchar(128). One
  // row per applied file, version = the file name's leading digits (pkg/dbmate/db.go).
  const ddl: Record<DialectName, string> = {
    postgres: 'create table if not exists public.schema_migrations (version varchar primary key)',
    mysql: 'create table if not exists `schema_migrations` (version varchar(128) primary key)',
    sqlite: 'create table if not exists "schema_migrations" (version varchar(128) primary key)',
  };
  return {
    tool: 'dbmate',
    files: { '20210425153745_create_users.sql': mig('users'), '20210426000000_create-posts.sql': mig('posts'), '20210427000000_later.sql': mig('later') },
    setup: (d) => [ddl[d], ...['20210425153745', '20210426000000', '20200101000000'].map((version) => insert('schema_migrations', quoteOf(d), { version }))],
    count: 'SELECT COUNT(*) AS n FROM schema_migrations',
    imported: ['20210425153745', '20210426000000'],
    unmatched: [/version 20200101000000: no migration file/],
    pendingAfter: ['20210427000000'],
  };
}

// As golang-migrate/migrate database/{postgres/postgres.go,mysql/mysql.go,sqlite3/sqlite3.go}
// ensureVersionTable builds it (Postgres qualified with the current schema; MySQL after its own
// SHOW TABLES check, so no IF NOT EXISTS; SQLite untyped-ish with a unique index); SetVersion
// empties it and inserts ONE row (version, dirty).
const golangDdl: Record<DialectName, string[]> = {
  postgres: ['CREATE TABLE IF NOT EXISTS "public"."schema_migrations" (version bigint not null primary key, dirty boolean not null)'],
  mysql: ['CREATE TABLE `schema_migrations` (version bigint not null primary key, dirty boolean not null)'],
  sqlite: ['CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool)', 'CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version)'],
};
const golangFiles = {
  '000001_init.up.sql': SQL('a'), '000001_init.down.sql': 'DROP TABLE a;\n',
  '000002_b.up.sql': SQL('b'), '000002_b.down.sql': 'DROP TABLE b;\n',
  '000003_c.up.sql': SQL('c'), '000003_c.down.sql': 'DROP TABLE c;\n',
  '000004_d.up.sql': SQL('d'), '000004_d.down.sql': 'DROP TABLE d;\n',
};

function golangCase(dirty: boolean): Case {
  return {
    tool: 'golang-migrate',
    files: golangFiles,
    setup: (d) => [...golangDdl[d], insert('schema_migrations', quoteOf(d), { version: 3, dirty })],
    count: 'SELECT version, dirty FROM schema_migrations',
    imported: dirty ? ['000001', '000002'] : ['000001', '000002', '000003'],
    unmatched: dirty ? [/version 3 \(dirty\): dirty: golang-migrate stopped part-way through 3.*migrate force/] : [],
    pendingAfter: dirty ? ['000003', '000004'] : ['000004'],
  };
}

function sqlxCase(): Case {
  const files = {
    '20210101000000_create_users.sql': SQL('users'),
    '20210102000000_create_posts.up.sql': SQL('posts'),
    '20210102000000_create_posts.down.sql': 'DROP TABLE posts;\n',
    '20210103000000_changed.sql': SQL('changed'),
    '20210104000000_partial.sql': '-- no-transaction\nCREATE TABLE partial (id INTEGER PRIMARY KEY);\n',
  };
  const ddl: Record<DialectName, string> = {
    postgres: 'CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL)',
    mysql: 'CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)',
    sqlite: 'CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)',
  };
  const row = (d: DialectName, version: number, description: string, text: string, success: boolean) =>
    insert('_sqlx_migrations', quoteOf(d), { version, description, success, checksum: sha('sha384', text), execution_time: 1000 }, (v) => (Buffer.isBuffer(v) ? blob(d, v) : lit(v)));
  return {
    tool: 'sqlx',
    files,
    setup: (d) => [
      ddl[d],
      row(d, 20210101000000, 'create users', files['20210101000000_create_users.sql'], true),
      row(d, 20210102000000, 'create posts', files['20210102000000_create_posts.up.sql'], true),
      row(d, 20210103000000, 'changed', 'CREATE TABLE changed (id BIGINT);\n', true),
      row(d, 20210104000000, 'partial', files['20210104000000_partial.sql'], false),
      row(d, 20200101000000, 'gone', 'x', true),
    ],
    count: 'SELECT COUNT(*) AS n FROM _sqlx_migrations',
    imported: ['20210101000000', '20210102000000'],
    unmatched: [/version 20200101000000 \(gone\): no migration file/, /20210103000000.*has changed since sqlx applied it: sqlx SHA-384/, /version 20210104000000.*partially applied/],
    pendingAfter: ['20210103000000', '20210104000000'],
  };
}

export const CASES: { name: string; dialects: DialectName[]; make: () => Case }[] = [
  { name: 'flyway', dialects: ['sqlite', 'postgres', 'mysql'], make: flywayCase },
  { name: 'knex', dialects: ['sqlite', 'postgres', 'mysql'], make: knexCase },
  { name: 'dbmate', dialects: ['sqlite', 'postgres', 'mysql'], make: dbmateCase },
  { name: 'golang-migrate (clean: everything up to its version)', dialects: ['sqlite', 'postgres', 'mysql'], make: () => golangCase(false) },
  { name: 'golang-migrate (dirty: refused; with --accept-unmatched the versions before it)', dialects: ['sqlite', 'postgres', 'mysql'], make: () => golangCase(true) },
  { name: 'sqlx', dialects: ['sqlite', 'postgres', 'mysql'], make: sqlxCase },
];
