// Umzug from a Node script, with the raw driver as its context and a storage
// that keeps executed names in umzug_migrations (Umzug ships storages only for
// Sequelize, MongoDB and JSON files; a table on the raw driver is the usual
// choice without an ORM). Umzug's defaults: no transaction, no lock.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childMain, measureCalls, installQueryCounter } from '../lib/child.mjs';

const SCRIPT = fileURLToPath(import.meta.url);
const BENCH = join(SCRIPT, '..', '..');
const TABLE = 'umzug_migrations';

class TableStorage {
  constructor(db) { this.db = db; }
  async executed() {
    try {
      return (await this.db.query(`SELECT name FROM ${TABLE}`)).map((r) => r.name);
    } catch {
      await this.db.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (name VARCHAR(255) PRIMARY KEY)`);
      return [];
    }
  }
  async logMigration({ name }) { await this.db.query(`INSERT INTO ${TABLE} (name) VALUES (${this.db.placeholder(1)})`, [name]); }
  async unlogMigration({ name }) { await this.db.query(`DELETE FROM ${TABLE} WHERE name = ${this.db.placeholder(1)}`, [name]); }
}

async function open(dialect, url, dir) {
  const { openDriver } = await import('../lib/drivers.mjs');
  const { Umzug } = await import('umzug');
  const db = await openDriver(dialect, url);
  const umzug = new Umzug({
    migrations: { glob: ['*.js', { cwd: dir }] },
    context: db,
    storage: new TableStorage(db),
    logger: undefined,
  });
  return { db, umzug };
}

childMain(import.meta.url, {
  async apply({ dialect, url, dir }) {
    const { db, umzug } = await open(dialect, url, dir);
    try { return { applied: (await umzug.up()).length }; } finally { await db.close(); }
  },
  async status({ dialect, url, dir }) {
    const { db, umzug } = await open(dialect, url, dir);
    try {
      const executed = await umzug.executed();
      const pending = await umzug.pending();
      process.stdout.write(executed.map((m) => `${m.name}  applied`).concat(pending.map((m) => `${m.name}  pending`)).join('\n') +
        `\n${executed.length} applied, ${pending.length} pending\n`);
    } finally { await db.close(); }
  },
  async lib({ dialect, url, dir, later }) {
    const counter = installQueryCounter(BENCH);
    const { db, umzug } = await open(dialect, url, dir);
    try {
      return await measureCalls(() => umzug.up(), {
        later, counter,
        check: (r) => { if (r.length) throw new Error(`not a no-op: ran ${r.length}`); },
      });
    } finally { await db.close(); }
  },
});

const child = (ctx, db, dir, action, extra = {}) => ({
  cmd: ctx.node, args: [SCRIPT, action, JSON.stringify({ dialect: db.dialect, url: db.url, dir, ...extra })], cwd: ctx.bench,
});

export const adapters = [{
  name: 'umzug',
  kind: 'node',
  dialects: ['sqlite', 'postgres', 'mysql'],
  format: 'umzug',
  tracking: { table: TABLE, key: 'name' },
  workloads: ['apply', 'noop-lib', 'noop-process', 'status', 'race'],
  note: 'umzug.up() from a script; no transaction, no lock',
  available: () => null,
  version: (ctx) => `umzug ${ctx.pkgVersion('umzug')}`,
  apply: (ctx, db, dir) => child(ctx, db, dir, 'apply'),
  status: (ctx, db, dir) => child(ctx, db, dir, 'status'),
  lib: (ctx, db, dir, later) => child(ctx, db, dir, 'lib', { later }),
}];
