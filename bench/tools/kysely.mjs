// Kysely's Migrator with FileMigrationProvider, from a Node script (Kysely has
// no CLI of its own). Its defaults: on PostgreSQL the whole batch in one
// transaction under an advisory lock; on MySQL GET_LOCK and no transaction; on
// SQLite no transaction (the adapter reports no transactional DDL).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childMain, measureCalls, installQueryCounter, sqlitePath } from '../lib/child.mjs';

const SCRIPT = fileURLToPath(import.meta.url);
const BENCH = join(SCRIPT, '..', '..');

async function open(dialect, url, dir) {
  const { Kysely, Migrator, FileMigrationProvider, SqliteDialect, PostgresDialect, MysqlDialect } = await import('kysely');
  let d;
  if (dialect === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    d = new SqliteDialect({ database: new Database(sqlitePath(url)) });
  } else if (dialect === 'postgres') {
    const { default: pg } = await import('pg');
    d = new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) });
  } else {
    const { createPool } = await import('mysql2');
    d = new MysqlDialect({ pool: createPool({ uri: url }) });
  }
  const db = new Kysely({ dialect: d });
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: dir }) });
  return { db, migrator };
}

async function latest(migrator) {
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return results ?? [];
}

childMain(import.meta.url, {
  async apply({ dialect, url, dir }) {
    const { db, migrator } = await open(dialect, url, dir);
    try { return { applied: (await latest(migrator)).length }; } finally { await db.destroy(); }
  },
  async status({ dialect, url, dir }) {
    const { db, migrator } = await open(dialect, url, dir);
    try {
      const list = await migrator.getMigrations();
      let pending = 0;
      const lines = list.map((m) => { if (!m.executedAt) pending++; return `${m.name}  ${m.executedAt ? m.executedAt.toISOString() : 'pending'}`; });
      process.stdout.write(lines.join('\n') + `\n${list.length - pending} applied, ${pending} pending\n`);
    } finally { await db.destroy(); }
  },
  async lib({ dialect, url, dir, later }) {
    const counter = installQueryCounter(BENCH);
    const { db, migrator } = await open(dialect, url, dir);
    const { sql } = await import('kysely');
    try {
      await sql`select 1`.execute(db); // connect outside the timing
      return await measureCalls(() => latest(migrator), {
        later, counter,
        check: (r) => { if (r.length) throw new Error(`not a no-op: ran ${r.length}`); },
      });
    } finally { await db.destroy(); }
  },
});

const child = (ctx, db, dir, action, extra = {}) => ({
  cmd: ctx.node, args: [SCRIPT, action, JSON.stringify({ dialect: db.dialect, url: db.url, dir, ...extra })], cwd: ctx.bench,
});

export const adapters = [{
  name: 'kysely',
  kind: 'node',
  dialects: ['sqlite', 'postgres', 'mysql'],
  format: 'kysely',
  tracking: { table: 'kysely_migration', key: 'name' },
  workloads: ['apply', 'noop-lib', 'noop-process', 'status', 'race'],
  note: 'Migrator.migrateToLatest() from a script',
  available: () => null,
  version: (ctx) => `kysely ${ctx.pkgVersion('kysely')}`,
  apply: (ctx, db, dir) => child(ctx, db, dir, 'apply'),
  status: (ctx, db, dir) => child(ctx, db, dir, 'status'),
  lib: (ctx, db, dir, later) => child(ctx, db, dir, 'lib', { later }),
}];
