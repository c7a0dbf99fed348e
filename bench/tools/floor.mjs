// The floor: the same SQL through the raw driver (better-sqlite3, pg, mysql2),
// with the least a migrator must do — list the folder, read the tracking
// table, and for each pending file BEGIN; its statements; INSERT the tracking
// row; COMMIT. "floor-1tx" wraps the whole batch in one transaction instead
// (on MySQL/MariaDB each DDL statement commits implicitly anyway).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childMain, measureCalls, installQueryCounter } from '../lib/child.mjs';

const SCRIPT = fileURLToPath(import.meta.url);
const BENCH = join(SCRIPT, '..', '..');
const TABLE = 'floor_migrations';

const versionOf = (file) => file.slice(0, file.indexOf('_'));

async function appliedVersions(h) {
  try {
    return new Set((await h.query(`SELECT version FROM ${TABLE}`)).map((r) => r.version));
  } catch {
    return null; // no tracking table yet
  }
}

/** Apply what is pending; returns the number of migrations applied. */
async function migrateToLatest(h, dir, oneTx = false) {
  let applied = await appliedVersions(h);
  if (!applied) {
    await h.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (version VARCHAR(255) PRIMARY KEY, applied_at VARCHAR(32) NOT NULL)`);
    applied = new Set();
  }
  const pending = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().filter((f) => !applied.has(versionOf(f)));
  if (pending.length === 0) return 0;
  const insert = `INSERT INTO ${TABLE} (version, applied_at) VALUES (${h.placeholder(1)}, ${h.placeholder(2)})`;
  if (oneTx) await h.query('BEGIN');
  for (const file of pending) {
    const statements = readFileSync(join(dir, file), 'utf8').split(/;\s*(?:\n|$)/).map((s) => s.trim()).filter(Boolean);
    if (!oneTx) await h.query('BEGIN');
    try {
      for (const s of statements) await h.query(s);
      await h.query(insert, [versionOf(file), new Date().toISOString()]);
      if (!oneTx) await h.query('COMMIT');
    } catch (error) {
      await h.query('ROLLBACK').catch(() => {});
      throw new Error(`${file}: ${error.message}`);
    }
  }
  if (oneTx) await h.query('COMMIT');
  return pending.length;
}

async function open(dialect, url) {
  const { openDriver } = await import('../lib/drivers.mjs');
  return openDriver(dialect, url);
}

childMain(import.meta.url, {
  async apply({ dialect, url, dir, oneTx }) {
    const h = await open(dialect, url);
    try { return { applied: await migrateToLatest(h, dir, oneTx) }; } finally { await h.close(); }
  },
  async status({ dialect, url, dir }) {
    const h = await open(dialect, url);
    try {
      const applied = (await appliedVersions(h)) ?? new Set();
      const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
      let pending = 0;
      const lines = files.map((f) => {
        const done = applied.has(versionOf(f));
        if (!done) pending++;
        return `${versionOf(f)}  ${f}  ${done ? 'applied' : 'pending'}`;
      });
      process.stdout.write(lines.join('\n') + `\n${files.length - pending} applied, ${pending} pending\n`);
    } finally { await h.close(); }
  },
  async lib({ dialect, url, dir, later }) {
    const counter = installQueryCounter(BENCH);
    const h = await open(dialect, url);
    try {
      return await measureCalls(() => migrateToLatest(h, dir), {
        later, counter,
        check: (n) => { if (n !== 0) throw new Error(`not a no-op: applied ${n}`); },
      });
    } finally { await h.close(); }
  },
});

const child = (ctx, action, args) => ({ cmd: ctx.node, args: [SCRIPT, action, JSON.stringify(args)], cwd: ctx.bench });

const base = {
  kind: 'floor',
  dialects: ['sqlite', 'postgres', 'mysql'],
  format: 'sql',
  tracking: { table: TABLE, key: 'version' },
  available: () => null,
  version: (ctx) => `better-sqlite3 ${ctx.pkgVersion('better-sqlite3')}, pg ${ctx.pkgVersion('pg')}, mysql2 ${ctx.pkgVersion('mysql2')}`,
};

export const adapters = [
  {
    ...base,
    name: 'floor',
    workloads: ['apply', 'noop-lib', 'noop-process', 'status', 'rss'],
    note: 'raw driver, one transaction per migration',
    apply: (ctx, db, dir) => child(ctx, 'apply', { dialect: db.dialect, url: db.url, dir }),
    status: (ctx, db, dir) => child(ctx, 'status', { dialect: db.dialect, url: db.url, dir }),
    lib: (ctx, db, dir, later) => child(ctx, 'lib', { dialect: db.dialect, url: db.url, dir, later }),
  },
  {
    ...base,
    name: 'floor-1tx',
    workloads: ['apply', 'rss'],
    note: 'raw driver, one transaction for the batch',
    apply: (ctx, db, dir) => child(ctx, 'apply', { dialect: db.dialect, url: db.url, dir, oneTx: true }),
  },
];
