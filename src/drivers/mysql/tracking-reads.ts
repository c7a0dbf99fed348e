/** The MySQL driver's tracking reads and the creation (or upgrade) of its tables (SQL in tracking.ts). */
import type { AppliedMigration, LogRow } from '../../core/model.js';
import type { AppliedChecksum, LogSelect, Row } from '../driver.js';
import { assertStrataTable, toApplied, toLogRow } from '../tracking-rows.js';
import { isMissingTable, isUnknownColumn } from './errors.js';
import type { MysqlSession } from './session.js';
import { type TrackingSql, createAppliedTableSql, createLogTableSql, isoSql, upgradeSql } from './tracking.js';

/** What the reads need of the driver: its connections, the database and the tables' names and statements. */
export interface TrackingReader {
  /** For reads: null when the database does not exist (nothing is applied there). */
  readonly readConnection: () => Promise<MysqlSession | null>;
  /** The run's connection; connecting on first use. */
  readonly connection: () => Promise<MysqlSession>;
  /** Known once connected. */
  readonly database: () => string;
  /** The tracking table's name as configured. */
  readonly table: string;
  /** Known once connected. */
  readonly sql: () => TrackingSql;
}

async function columnsOf(r: TrackingReader, session: MysqlSession, table: string): Promise<string[]> {
  const rows = await session.rows(
    'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [r.database(), table],
  );
  return rows.map((row) => String(row.name));
}

/** One query; a table made by an older strata (columns missing) or a foreign one costs a second. */
export async function readAppliedRows(r: TrackingReader): Promise<AppliedMigration[] | null> {
  const session = await r.readConnection();
  if (!session) return null;
  let rows: Row[];
  try {
    rows = await session.rows(r.sql().readApplied());
  } catch (error) {
    if (isMissingTable(error)) return null;
    if (!isUnknownColumn(error)) throw error;
    const columns = await columnsOf(r, session, r.table);
    assertStrataTable(r.table, columns);
    rows = await session.rows(r.sql().readApplied(new Set(columns)));
  }
  return rows.map(toApplied);
}

/** The no-op check's one read: three columns, no row mapping. Falls back to the full read on an old table. */
export async function readChecksumRows(r: TrackingReader): Promise<AppliedChecksum[] | null> {
  const session = await r.readConnection();
  if (!session) return null;
  try {
    const rows = await session.rows(`SELECT version, checksum, state FROM ${r.sql().applied}`);
    return rows.map((row): AppliedChecksum => [String(row.version), (row.checksum as string | null) ?? null, String(row.state)]);
  } catch (error) {
    if (isMissingTable(error)) return null;
    if (isUnknownColumn(error)) return (await readAppliedRows(r))?.map((row): AppliedChecksum => [row.version, row.checksum, row.state]) ?? null;
    throw error;
  }
}

export async function readLogRows(r: TrackingReader, limit: number): Promise<LogRow[]> {
  const session = await r.readConnection();
  if (!session) return [];
  try {
    const rows = await session.rows(r.sql().readLog(limit));
    return rows.map(toLogRow);
  } catch (error) {
    if (isMissingTable(error)) return [];
    throw error;
  }
}

export async function selectLogRows(r: TrackingReader, select: LogSelect): Promise<Row[] | null> {
  const session = await r.readConnection();
  if (!session) return null;
  try {
    return await session.rows(select({ table: r.sql().log, time: isoSql }));
  } catch (error) {
    if (isMissingTable(error)) return null;
    throw error;
  }
}

export async function readProtectedFlag(r: TrackingReader): Promise<boolean> {
  const session = await r.readConnection();
  if (!session) return false;
  try {
    const rows = await session.rows(r.sql().readProtected);
    return rows.length > 0;
  } catch (error) {
    if (isMissingTable(error)) return false;
    throw error;
  }
}

export async function ensureTrackingTables(r: TrackingReader): Promise<void> {
  const session = await r.connection();
  const names = [r.table, `${r.table}_log`];
  const rows = await session.rows(
    'SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?)',
    [r.database(), ...names],
  );
  // Compared without case: with lower_case_table_names the catalog holds lower-case names.
  const columns = (name: string) => {
    const found = rows.filter((row) => String(row.t).toLowerCase() === name.toLowerCase()).map((row) => String(row.c));
    return found.length === 0 ? null : new Set(found);
  };
  const applied = columns(names[0]!);
  const log = columns(names[1]!);
  if (applied) assertStrataTable(r.table, [...applied]);
  const statements = [
    applied ? upgradeSql(r.sql().applied, 'applied', applied) : createAppliedTableSql(r.sql().applied),
    log ? upgradeSql(r.sql().log, 'log', log) : createLogTableSql(r.sql().log),
  ];
  for (const statement of statements) if (statement) await session.exec(statement);
}
