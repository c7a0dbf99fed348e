/**
 * What a database holds after a command, read with the raw drivers (never through strata):
 * its tracking rows and which tables exist. The reliability files compare the two — a
 * migration's effects must be present exactly when its row says `applied` — and search
 * tracking rows for text that must never be stored (passwords).
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { DialectName } from '../../test/support/dialects.js';
import { mysqlConnection } from '../../test/support/mysql.js';
import { pgClient } from '../../test/support/postgres.js';

export interface TrackingRow {
  readonly version: string;
  readonly state: string;
}

export interface DbState {
  /** strata_migrations rows; empty when the table (or the database file) does not exist. */
  readonly rows: readonly TrackingRow[];
  /** Lower-cased names of the tables in the database (or schema). */
  readonly tables: ReadonlySet<string>;
  /** Every row of strata_migrations and strata_migrations_log, as JSON text, for leak searches. */
  readonly trackingText: string;
}

export interface Where {
  readonly dialect: DialectName;
  /** sqlite: the file path; postgres/mysql: the database name. */
  readonly database: string;
  readonly schema?: string;
  readonly table?: string;
}

export async function readState(where: Where): Promise<DbState> {
  const table = where.table ?? 'strata_migrations';
  if (where.dialect === 'sqlite') return readSqlite(where.database, table);
  if (where.dialect === 'postgres') return readPostgres(where.database, where.schema ?? 'public', table);
  return readMysql(where.database, table);
}

function readSqlite(path: string, table: string): DbState {
  if (!existsSync(path)) return { rows: [], tables: new Set(), trackingText: '' };
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r: any) => String(r.name).toLowerCase()));
    const rows = tables.has(table) ? (db.prepare(`SELECT version, state FROM "${table}"`).all() as TrackingRow[]) : [];
    let text = '';
    for (const t of [table, `${table}_log`]) if (tables.has(t)) text += JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).all());
    return { rows, tables, trackingText: text };
  } finally {
    db.close();
  }
}

async function readPostgres(database: string, schema: string, table: string): Promise<DbState> {
  const client = await pgClient(database);
  try {
    const found = await client.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    const tables = new Set(found.rows.map((r) => String(r.table_name).toLowerCase()));
    const q = (t: string) => `"${schema.replace(/"/g, '""')}"."${t}"`;
    const rows = tables.has(table) ? (await client.query(`SELECT version, state FROM ${q(table)}`)).rows : [];
    let text = '';
    for (const t of [table, `${table}_log`]) if (tables.has(t)) text += JSON.stringify((await client.query(`SELECT * FROM ${q(t)}`)).rows);
    return { rows, tables, trackingText: text };
  } finally {
    await client.end();
  }
}

async function readMysql(database: string, table: string): Promise<DbState> {
  const connection = await mysqlConnection(database);
  try {
    const [found] = await connection.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ?', [database]);
    const tables = new Set((found as any[]).map((r) => String(r.name).toLowerCase()));
    const rows = tables.has(table) ? ((await connection.query(`SELECT version, state FROM \`${table}\``))[0] as TrackingRow[]) : [];
    let text = '';
    for (const t of [table, `${table}_log`]) if (tables.has(t)) text += JSON.stringify((await connection.query(`SELECT * FROM \`${t}\``))[0]);
    return { rows, tables, trackingText: text };
  } finally {
    await connection.end();
  }
}

/**
 * The half-applied check: for each migration (version → a table it creates), the table exists
 * exactly when the migration's row says `applied`; with no row it must be absent. A `dirty`
 * row may have any part of its effects (§6), so it is not judged here. Returns what is wrong.
 */
export function halfApplied(state: DbState, effects: Readonly<Record<string, string>>): string[] {
  const wrong: string[] = [];
  for (const [version, table] of Object.entries(effects)) {
    const row = state.rows.find((r) => r.version === version);
    if (row?.state === 'dirty') continue;
    const recorded = row?.state === 'applied';
    const present = state.tables.has(table.toLowerCase());
    if (recorded !== present) wrong.push(`${version}: ${recorded ? 'recorded as applied but its table' : 'not recorded but its table'} ${table} ${present ? 'exists' : 'is missing'}`);
  }
  return wrong;
}
