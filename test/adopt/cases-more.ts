/**
 * The import cases of Prisma, node-pg-migrate, TypeORM, Sequelize and Drizzle: each tool's
 * history table built as that tool builds it, with its files (run by tools-more.test.ts;
 * guard.test.ts builds the same tables).
 */
import type { DialectName } from '../support/dialects.js';
import { insert, quoteOf, sha, type Case } from './support.js';

const SQL = (table: string) => `CREATE TABLE ${table} (id INTEGER PRIMARY KEY);\n`;
const q = (d: DialectName, name: string) => `${quoteOf(d)}${name}${quoteOf(d)}`;

function prismaCase(): Case {
  const files = {
    '20210101000000_init/migration.sql': `-- CreateTable\n${SQL('users')}`,
    '20210202000000_crlf/migration.sql': '-- CreateTable\r\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\r\n',
    '20210303000000_rolled_back/migration.sql': SQL('rb'),
    '20210404000000_unfinished/migration.sql': SQL('unfinished'),
    '20210505000000_changed/migration.sql': SQL('changed'),
    'migration_lock.toml': 'provider = "postgresql"\n',
  };
  const ddl: Record<DialectName, string> = {
    postgres: 'CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0)',
    mysql: 'CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) NOT NULL, finished_at DATETIME(3), migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at DATETIME(3), started_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), applied_steps_count INTEGER UNSIGNED NOT NULL DEFAULT 0) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
    sqlite: 'CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)',
  };
  const at = '2021-06-01 10:00:00';
  let id = 0;
  const row = (name: string, text: string, state: 'applied' | 'rolled-back' | 'unfinished') => ({
    id: `00000000-0000-4000-8000-${String(++id).padStart(12, '0')}`,
    checksum: sha('sha256', text).toString('hex'),
    finished_at: state === 'applied' ? at : null,
    migration_name: name,
    logs: state === 'unfinished' ? 'Database error code: 42P07\nrelation "unfinished" already exists' : null,
    rolled_back_at: state === 'rolled-back' ? at : null,
    started_at: at,
    applied_steps_count: state === 'applied' ? 1 : 0,
  });
  return {
    tool: 'prisma',
    files,
    setup: (d) => [
      ddl[d],
      ...[
        row('20210101000000_init', 'an earlier attempt', 'rolled-back'),
        row('20210101000000_init', files['20210101000000_init/migration.sql'], 'applied'),
        // Applied from a checkout with LF line ends; the file has CRLF now: Prisma accepts both.
        row('20210202000000_crlf', files['20210202000000_crlf/migration.sql'].replace(/\r\n/g, '\n'), 'applied'),
        row('20210303000000_rolled_back', files['20210303000000_rolled_back/migration.sql'], 'rolled-back'),
        row('20210404000000_unfinished', files['20210404000000_unfinished/migration.sql'], 'unfinished'),
        row('20210505000000_changed', 'CREATE TABLE changed (id BIGINT);\n', 'applied'),
        row('20200101000000_gone', 'x', 'applied'),
      ].map((r) => insert('_prisma_migrations', quoteOf(d), r)),
    ],
    count: 'SELECT COUNT(*) AS n FROM _prisma_migrations',
    imported: ['20210101000000', '20210202000000'],
    unmatched: [/20200101000000_gone: no migration file/, /20210404000000_unfinished: unfinished.*relation "unfinished" already exists/, /20210505000000_changed: .*has changed since Prisma applied it: Prisma SHA-256/],
    pendingAfter: ['20210303000000', '20210404000000', '20210505000000'],
  };
}

function nodePgMigrateCase(): Case {
  const js = (t: string) => `exports.up = (pgm) => { pgm.createTable('${t}', { id: 'id' }); };\nexports.down = (pgm) => { pgm.dropTable('${t}'); };\n`;
  return {
    tool: 'node-pg-migrate',
    files: { '1591436242612_init.js': js('users'), '1591436242613_add-posts.js': js('posts'), '1591436242614_later.js': js('later') },
    // As salsita/node-pg-migrate src/runner.ts ensureMigrationsTable builds it; src/migration.ts
    // inserts (name, NOW()) with name = the file name without its extension.
    setup: () => [
      'CREATE TABLE "public"."pgmigrations" ( id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)',
      ...['1591436242612_init', '1591436242613_add-posts', '1500000000000_gone'].map((name) => insert('pgmigrations', '"', { name, run_on: '2021-01-01 00:00:00' })),
    ],
    count: 'SELECT COUNT(*) AS n FROM pgmigrations',
    imported: ['1591436242612', '1591436242613'],
    unmatched: [/1500000000000_gone: no migration file has version 1500000000000/],
    pendingAfter: ['1591436242614'],
  };
}

function typeormCase(): Case {
  const ts = (cls: string, t: string) =>
    `import type { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class ${cls} implements MigrationInterface {\n  async up(queryRunner: QueryRunner): Promise<void> { await queryRunner.query('CREATE TABLE ${t} (id INTEGER)'); }\n  async down(queryRunner: QueryRunner): Promise<void> { await queryRunner.query('DROP TABLE ${t}'); }\n}\n`;
  // As typeorm/typeorm src/migration/MigrationExecutor.ts createMigrationsTableIfNotExist builds
  // it (id generated increment, timestamp = the driver's migrationTimestamp int8/bigint, name =
  // varchar; types from src/driver/{postgres/PostgresDriver,mysql/MysqlDriver,
  // sqlite-abstract/AbstractSqliteDriver}.ts, SQL from their query runners, the PK name from
  // src/naming-strategy/DefaultNamingStrategy.ts); insertExecutedMigration writes the class
  // name (its last 13 digits being the timestamp).
  const ddl: Record<DialectName, string> = {
    postgres: 'CREATE TABLE "migrations" ("id" SERIAL NOT NULL, "timestamp" bigint NOT NULL, "name" character varying NOT NULL, CONSTRAINT "PK_8c82d7f526340ab734260ea46be" PRIMARY KEY ("id"))',
    mysql: 'CREATE TABLE `migrations` (`id` int NOT NULL AUTO_INCREMENT, `timestamp` bigint NOT NULL, `name` varchar(255) NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB',
    sqlite: 'CREATE TABLE "migrations" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "timestamp" bigint NOT NULL, "name" varchar NOT NULL)',
  };
  return {
    tool: 'typeorm',
    files: { '1591436242612-CreateUsers.ts': ts('CreateUsers1591436242612', 'users'), '1591436243000-AddPosts.ts': ts('AddPosts1591436243000', 'posts') },
    setup: (d) => [
      ddl[d],
      insert('migrations', quoteOf(d), { timestamp: 1591436242612, name: 'CreateUsers1591436242612' }),
      insert('migrations', quoteOf(d), { timestamp: 1500000000000, name: 'Gone1500000000000' }),
    ],
    count: 'SELECT COUNT(*) AS n FROM migrations',
    imported: ['1591436242612'],
    unmatched: [/migrations Gone1500000000000: no migration file has version 1500000000000/],
    pendingAfter: ['1591436243000'],
  };
}

function sequelizeCase(): Case {
  const js = (t: string) => `'use strict';\nmodule.exports = {\n  async up(queryInterface) { await queryInterface.createTable('${t}', {}); },\n  async down(queryInterface) { await queryInterface.dropTable('${t}'); },\n};\n`;
  // As sequelize/umzug src/storage/sequelize.ts defines the model (name STRING not null, unique,
  // primary key, no timestamps; utf8 / utf8_unicode_ci on MySQL and MariaDB) and Sequelize's
  // createTableQuery turns it into SQL; logMigration stores the file name WITH its extension
  // (src/umzug.ts: path.basename).
  const ddl: Record<DialectName, string> = {
    postgres: 'CREATE TABLE IF NOT EXISTS "SequelizeMeta" ("name" VARCHAR(255) NOT NULL UNIQUE , PRIMARY KEY ("name"))',
    mysql: 'CREATE TABLE IF NOT EXISTS `SequelizeMeta` (`name` VARCHAR(255) NOT NULL UNIQUE , PRIMARY KEY (`name`)) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE utf8_unicode_ci',
    sqlite: 'CREATE TABLE IF NOT EXISTS `SequelizeMeta` (`name` VARCHAR(255) NOT NULL UNIQUE PRIMARY KEY)',
  };
  return {
    tool: 'sequelize',
    files: { '20210101120000-create-user.js': js('users'), '20210102120000-create-post.js': js('posts') },
    setup: (d) => [ddl[d], ...['20210101120000-create-user.js', '20200101000000-gone.js'].map((name) => insert('SequelizeMeta', quoteOf(d), { name }))],
    count: (d) => `SELECT COUNT(*) AS n FROM ${q(d, 'SequelizeMeta')}`,
    imported: ['20210101120000'],
    unmatched: [/SequelizeMeta 20200101000000-gone\.js: no migration file/],
    pendingAfter: ['20210102120000'],
  };
}

const drizzleFiles = {
  '0000_init.sql': 'CREATE TABLE `users` (\n\t`id` integer PRIMARY KEY\n);\n--> statement-breakpoint\nCREATE TABLE `posts` (\n\t`id` integer PRIMARY KEY\n);\n',
  '0001_add_tags.sql': 'CREATE TABLE `tags` (\n\t`id` integer PRIMARY KEY\n);\n',
  '0002_changed.sql': 'CREATE TABLE `changed` (\n\t`id` integer PRIMARY KEY\n);\n',
  '0003_pending.sql': 'CREATE TABLE `pending` (\n\t`id` integer PRIMARY KEY\n);\n',
};
const journal = JSON.stringify({
  version: '7',
  dialect: 'sqlite',
  entries: Object.keys(drizzleFiles).map((file, idx) => ({ idx, version: '6', when: 1700000000000 + idx * 1000, tag: file.replace(/\.sql$/, ''), breakpoints: true })),
}, null, 2);

function drizzleCase(withJournal: boolean): Case {
  const where = (d: DialectName) => (d === 'postgres' ? '"drizzle"."__drizzle_migrations"' : q(d, '__drizzle_migrations'));
  const ddl: Record<DialectName, string[]> = {
    postgres: ['CREATE SCHEMA IF NOT EXISTS "drizzle"', 'CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)'],
    mysql: ['create table if not exists `__drizzle_migrations` (id serial primary key, hash text not null, created_at bigint)'],
    sqlite: ['CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)'],
  };
  const row = (d: DialectName, text: string, createdAt: number) => `INSERT INTO ${where(d)} (hash, created_at) VALUES ('${sha('sha256', text).toString('hex')}', ${createdAt})`;
  return {
    tool: 'drizzle',
    files: withJournal ? { ...drizzleFiles, 'meta/_journal.json': journal, 'meta/0000_snapshot.json': '{}' } : drizzleFiles,
    setup: (d) => [
      ...ddl[d],
      row(d, drizzleFiles['0000_init.sql'], 1700000000000),
      row(d, drizzleFiles['0001_add_tags.sql'], 1700000001000),
      row(d, 'CREATE TABLE `changed` (`id` bigint);\n', 1700000002000),
      row(d, 'something else', 1600000000000),
    ],
    count: (d) => `SELECT COUNT(*) AS n FROM ${where(d)}`,
    imported: ['0000', '0001'],
    unmatched: withJournal
      ? [/0002_changed.*has changed since Drizzle applied it: Drizzle SHA-256/, /created_at 1600000000000.*no entry of meta\/_journal\.json has when = 1600000000000/]
      : [/created_at 1700000002000.*no migration file has the Drizzle SHA-256/, /created_at 1600000000000.*no migration file has the Drizzle SHA-256/],
    pendingAfter: ['0002', '0003'],
  };
}

const ALL: DialectName[] = ['sqlite', 'postgres', 'mysql'];
export const CASES: { name: string; dialects: DialectName[]; make: () => Case }[] = [
  { name: 'prisma (rolled back and unfinished rows are not imported)', dialects: ALL, make: prismaCase },
  { name: 'node-pg-migrate', dialects: ['postgres'], make: nodePgMigrateCase },
  { name: 'typeorm', dialects: ALL, make: typeormCase },
  { name: 'sequelize', dialects: ALL, make: sequelizeCase },
  { name: 'drizzle, matched through meta/_journal.json', dialects: ALL, make: () => drizzleCase(true) },
  { name: 'drizzle without a journal, matched by hash', dialects: ['sqlite'], make: () => drizzleCase(false) },
];
