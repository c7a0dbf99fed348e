/** The SQLite driver's tracking and log tables (SPEC §3): their DDL and their reads. */
import type Database from 'better-sqlite3';
import { messageOf } from '../../core/errors.js';
import type { AppliedMigration, LogRow } from '../../core/model.js';
import type { AppliedChecksum, Row } from '../driver.js';
import { APPLIED_COLUMNS, LOG_COLUMNS, assertStrataTable, toApplied, toLogRow } from '../tracking-rows.js';

/** `name` as a quoted identifier. */
export const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

const STAMP_SQL = 'SELECT data_version, schema_version, total_changes() FROM pragma_data_version, pragma_schema_version';
/** Per connection and tracking table: the last checksum read and the stamp it was read at. */
const checksumReads = new WeakMap<Database.Database, Map<string, { stamp: string; rows: readonly AppliedChecksum[] }>>();

export function columnsOf(db: Database.Database, table: string): string[] | null {
  const rows = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[];
  return rows.length === 0 ? null : rows.map((r) => r.name);
}

/** null when the tracking table does not exist; a ValidationError when it is not strata's. */
export function readAppliedRows(db: Database.Database, table: string): AppliedMigration[] | null {
  const columns = columnsOf(db, table);
  if (!columns) return null;
  assertStrataTable(table, columns);
  const rows = db.prepare(`SELECT ${APPLIED_COLUMNS.join(', ')} FROM ${q(table)}`).all() as Row[];
  return rows.map(toApplied);
}

/** The no-op check's one read; `fullRead` decides what a missing or foreign table means. */
export async function readChecksumRows(db: Database.Database, table: string, fullRead: () => Promise<AppliedMigration[] | null>): Promise<readonly AppliedChecksum[] | null> {
  try {
    // The same connection asking again (a parked one, see parked.ts) reuses its last read
    // when no connection has committed since: data_version moves on other connections'
    // commits, total_changes() on this one's, schema_version on any DDL.
    const stamp = (db.prepare(STAMP_SQL).raw().get() as number[]).join(':');
    let byTable = checksumReads.get(db);
    const last = byTable?.get(table);
    if (last?.stamp === stamp) return last.rows;
    const rows = Object.freeze(db.prepare(`SELECT version, checksum, state FROM ${q(table)}`).raw().all() as AppliedChecksum[]);
    if (!byTable) checksumReads.set(db, (byTable = new Map()));
    byTable.set(table, { stamp, rows });
    return rows;
  } catch (error) {
    // No such table (or not strata's): the full read decides what that means.
    if (/no such (table|column)/.test(messageOf(error))) return (await fullRead()) === null ? null : [];
    throw error;
  }
}

export function readLogRows(db: Database.Database, table: string, limit: number): LogRow[] {
  if (!columnsOf(db, `${table}_log`)) return [];
  const rows = db.prepare(`SELECT id, ${LOG_COLUMNS.join(', ')} FROM ${q(`${table}_log`)} ORDER BY id DESC LIMIT ?`).all(limit) as Row[];
  return rows.map(toLogRow);
}

export function readProtectedFlag(db: Database.Database, table: string): boolean {
  if (!columnsOf(db, `${table}_log`)) return false;
  return db.prepare(`SELECT 1 FROM ${q(`${table}_log`)} WHERE detail LIKE '%"protected":true%' LIMIT 1`).get() !== undefined;
}

export function createTrackingTables(db: Database.Database, table: string): void {
  const existing = columnsOf(db, table);
  if (existing) assertStrataTable(table, existing);
  db.exec(`CREATE TABLE IF NOT EXISTS ${q(table)} (
      version TEXT PRIMARY KEY NOT NULL,
      name TEXT NOT NULL,
      description TEXT,
      checksum TEXT,
      kind TEXT NOT NULL,
      depends TEXT NOT NULL DEFAULT '[]',
      applied_at TEXT NOT NULL,
      duration_ms INTEGER,
      applied_by TEXT,
      state TEXT NOT NULL DEFAULT 'applied',
      dirty_operation TEXT,
      statements_done INTEGER,
      error TEXT
    );
    CREATE TABLE IF NOT EXISTS ${q(`${table}_log`)} (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      run_id TEXT NOT NULL,
      version TEXT,
      name TEXT,
      operation TEXT NOT NULL,
      status TEXT NOT NULL,
      error TEXT,
      checksum TEXT,
      started_at TEXT NOT NULL,
      duration_ms INTEGER,
      applied_by TEXT,
      detail TEXT
    );`);
}
