// Fresh databases for each timed run, and the checks that run after it.
// PostgreSQL: CREATE DATABASE bench_<random> on 127.0.0.1:5432 (user postgres).
// MariaDB/MySQL: CREATE DATABASE bench_<random> on 127.0.0.1:3306 (root).
// SQLite: a new file in a fresh temp folder.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DIALECTS = ['sqlite', 'postgres', 'mysql'];

const PG = {
  host: process.env.BENCH_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.BENCH_PG_PORT ?? 5432),
  user: process.env.BENCH_PG_USER ?? 'postgres',
  admin: process.env.BENCH_PG_DB ?? 'test',
};
const MY = {
  host: process.env.BENCH_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.BENCH_MYSQL_PORT ?? 3306),
  user: process.env.BENCH_MYSQL_USER ?? 'root',
};

const live = new Set(); // databases created and not yet dropped (cleanup on exit)
let pgAdmin = null;
let myAdmin = null;

async function pgAdminClient() {
  if (!pgAdmin) {
    const { default: pg } = await import('pg');
    pgAdmin = new pg.Client({ host: PG.host, port: PG.port, user: PG.user, database: PG.admin });
    await pgAdmin.connect();
  }
  return pgAdmin;
}

async function myAdminConn() {
  if (!myAdmin) {
    const mysql = await import('mysql2/promise');
    myAdmin = await mysql.createConnection({ host: MY.host, port: MY.port, user: MY.user });
  }
  return myAdmin;
}

/** Server version string, or throws when the server cannot be reached. */
export async function serverVersion(dialect) {
  if (dialect === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(':memory:');
    const v = db.prepare('select sqlite_version() v').get().v;
    db.close();
    return `SQLite ${v}`;
  }
  if (dialect === 'postgres') {
    const c = await pgAdminClient();
    return (await c.query('select version() v')).rows[0].v.split(' on ')[0];
  }
  const c = await myAdminConn();
  const [rows] = await c.query('select version() v');
  return `MySQL/MariaDB ${rows[0].v}`;
}

/**
 * A new, empty database. Returns { dialect, name, url, path?, drop() }.
 * `url` is strata's form (sqlite:/abs/path.db, postgres://…, mysql://…).
 */
export async function freshDatabase(dialect) {
  const name = `bench_${randomBytes(5).toString('hex')}`;
  let handle;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'strata-bench-db-'));
    const path = join(dir, `${name}.db`);
    handle = { dialect, name, path, dir, url: `sqlite:${path}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  } else if (dialect === 'postgres') {
    const c = await pgAdminClient();
    await c.query(`CREATE DATABASE ${name}`);
    handle = {
      dialect, name,
      url: `postgres://${PG.user}@${PG.host}:${PG.port}/${name}`,
      drop: async () => { await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); },
    };
  } else if (dialect === 'mysql') {
    const c = await myAdminConn();
    await c.query(`CREATE DATABASE ${name}`);
    handle = {
      dialect, name,
      url: `mysql://${MY.user}@${MY.host}:${MY.port}/${name}`,
      drop: async () => { await c.query(`DROP DATABASE IF EXISTS ${name}`); },
    };
  } else {
    throw new Error(`unknown dialect ${dialect}`);
  }
  live.add(handle);
  const drop = handle.drop;
  handle.drop = async () => { live.delete(handle); await drop(); };
  return handle;
}

/** Run one read query against a bench database; returns rows. */
export async function query(handle, sql) {
  if (handle.dialect === 'sqlite') {
    if (!existsSync(handle.path)) return [];
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(handle.path, { readonly: true, fileMustExist: true });
    try { return db.prepare(sql).all(); } finally { db.close(); }
  }
  if (handle.dialect === 'postgres') {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: handle.url });
    await c.connect();
    try { return (await c.query(sql)).rows; } finally { await c.end(); }
  }
  const c = await myAdminConn();
  await c.query(`USE ${handle.name}`);
  const [rows] = await c.query(sql);
  return rows;
}

/** Number of benchmark tables (t_00001 …) in the database. */
export async function countBenchTables(handle) {
  const sql = {
    sqlite: `select count(*) as n from sqlite_master where type = 'table' and name like 't\\_%' escape '\\'`,
    postgres: `select count(*)::int as n from pg_catalog.pg_tables where schemaname = 'public' and tablename like 't\\_%'`,
    mysql: `select count(*) as n from information_schema.tables where table_schema = '${handle.name}' and table_name like 't\\_%'`,
  }[handle.dialect];
  const rows = await query(handle, sql);
  return Number(rows[0]?.n ?? 0);
}

/** Row count of a table, or null when it does not exist. */
export async function countRows(handle, table, where = '') {
  try {
    const rows = await query(handle, `select count(*) as n from ${table}${where ? ` where ${where}` : ''}`);
    return Number(rows[0].n);
  } catch {
    return null;
  }
}

/** Rows of a tracking table whose key occurs more than once (0 = none). */
export async function duplicateKeys(handle, table, column) {
  try {
    const rows = await query(handle, `select count(*) as n from (select ${column} from ${table} group by ${column} having count(*) > 1) d`);
    return Number(rows[0].n);
  } catch {
    return null;
  }
}

export async function dropAll() {
  for (const h of [...live]) {
    try { await h.drop(); } catch { /* best effort */ }
  }
}

export async function closeAdmin() {
  await dropAll();
  if (pgAdmin) { await pgAdmin.end().catch(() => {}); pgAdmin = null; }
  if (myAdmin) { await myAdmin.end().catch(() => {}); myAdmin = null; }
}

/**
 * Lets the server finish the previous run's work before the next timed run starts, so it is
 * not billed to whichever tool runs next: PostgreSQL writes out the dirty buffers of the
 * previous run and its DROP DATABASE (CHECKPOINT); InnoDB, which leaves dirty pages alone
 * while idle, is made to flush them (innodb_max_dirty_pages_pct set to 0 until fewer than 50
 * are left, at most 20 s, then put back). Measured: without it, the first run of each
 * round took up to twice as long as the rest, whatever the tool.
 */
export async function quiesce(dialect) {
  if (dialect === 'postgres') {
    await (await pgAdminClient()).query('CHECKPOINT');
  } else if (dialect === 'mysql') {
    const c = await myAdminConn();
    const dirty = async () => Number((await c.query("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'"))[0][0]?.Value ?? 0);
    if ((await dirty()) < 50) return;
    const [[{ pct }]] = await c.query('SELECT @@GLOBAL.innodb_max_dirty_pages_pct AS pct');
    try {
      await c.query('SET GLOBAL innodb_max_dirty_pages_pct = 0');
    } catch {
      return; // no privilege: measured as the server is
    }
    try {
      const deadline = Date.now() + 20_000;
      while ((await dirty()) >= 50 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await c.query('SET GLOBAL innodb_max_dirty_pages_pct = ?', [Number(pct)]);
    }
  }
}
