/** The PostgreSQL driver's tracking reads and the creation of its tables (SQL in tracking.ts). */
import type { AppliedMigration, LogRow } from '../../core/model.js';
import type { AppliedChecksum, LogSelect, Row } from '../driver.js';
import { LOG_COLUMNS, assertStrataTable, toApplied, toLogRow } from '../tracking-rows.js';
import { DUPLICATE_SCHEMA, DUPLICATE_TABLE, INVALID_SCHEMA_NAME, UNDEFINED_COLUMN, UNDEFINED_TABLE, UNIQUE_VIOLATION, sqlState } from './errors.js';
import * as introspect from './introspect.js';
import { COLUMNS_SQL, assertStrataLog, existingColumns, selectAppliedSql, trackingDdl, type ExistingColumns, type TrackingNames } from './tracking.js';

/** What the reads need of the driver: its session's queries, the tables' names, and whether a transaction is open. */
export interface TrackingReader {
  readonly raw: (sql: string, params?: readonly unknown[]) => Promise<{ rows: Row[] }>;
  readonly names: TrackingNames;
  /** The tracking table's name as configured (unquoted). */
  readonly table: string;
  readonly inTransaction: boolean;
}

async function trackingColumns(r: TrackingReader): Promise<ExistingColumns> {
  const { rows } = await r.raw(COLUMNS_SQL, [r.names.schema, [r.names.table, r.names.logTable]]);
  return existingColumns(r.names, rows as { relname: string; attname: string }[]);
}

/**
 * One query on the no-op path. A missing schema or table means nothing is applied; a table
 * without strata's columns is refused; an older strata's table is read with what it has.
 */
export async function readAppliedRows(r: TrackingReader): Promise<AppliedMigration[] | null> {
  // A failed query would abort an open transaction: look in the catalog first there.
  if (r.inTransaction) {
    const existing = (await trackingColumns(r)).applied;
    if (!existing) return null;
    assertStrataTable(r.table, existing);
    return (await r.raw(selectAppliedSql(r.names, existing))).rows.map(toApplied);
  }
  try {
    return (await r.raw(selectAppliedSql(r.names))).rows.map(toApplied);
  } catch (error) {
    const code = sqlState(error);
    if (code === UNDEFINED_TABLE || code === INVALID_SCHEMA_NAME) return null;
    if (code !== UNDEFINED_COLUMN) throw error;
    const existing = (await trackingColumns(r)).applied;
    if (!existing) return null;
    assertStrataTable(r.table, existing);
    return (await r.raw(selectAppliedSql(r.names, existing))).rows.map(toApplied);
  }
}

/** The no-op check's one read: three columns, no row mapping. Falls back to the full read on an old table. */
export async function readChecksumRows(r: TrackingReader): Promise<AppliedChecksum[] | null> {
  const full = async () => (await readAppliedRows(r))?.map((r): AppliedChecksum => [r.version, r.checksum, r.state]) ?? null;
  if (r.inTransaction) return full();
  try {
    const { rows } = await r.raw(`SELECT version, checksum, state FROM ${r.names.applied}`);
    return (rows as { version: string; checksum: string | null; state: string }[]).map((r): AppliedChecksum => [r.version, r.checksum, r.state]);
  } catch (error) {
    const code = sqlState(error);
    if (code === UNDEFINED_TABLE || code === INVALID_SCHEMA_NAME) return null;
    if (code === UNDEFINED_COLUMN) return full();
    throw error;
  }
}

export async function readLogRows(r: TrackingReader, limit: number): Promise<LogRow[]> {
  const existing = (await trackingColumns(r)).log;
  if (!existing) return [];
  assertStrataLog(r.names.logTable, existing);
  const columns = LOG_COLUMNS.map((c) => (existing.includes(c) ? c : `NULL AS ${c}`));
  const { rows } = await r.raw(`SELECT id, ${columns.join(', ')} FROM ${r.names.log} ORDER BY id DESC LIMIT $1`, [limit]);
  return rows.map(toLogRow);
}

/** One SELECT over the log table (`status`'s failed state, `stats`); null when it does not exist. */
export async function selectLogRows(r: TrackingReader, select: LogSelect): Promise<Row[] | null> {
  const sql = select({ table: r.names.log, time: (column) => column });
  if (r.inTransaction && !(await trackingColumns(r)).log) return null;
  try {
    return (await r.raw(sql)).rows;
  } catch (error) {
    // Asked first, not caught, inside a transaction (an error would abort it); outside one,
    // trying costs no catalog round trip on the status path.
    const code = sqlState(error);
    if (code === UNDEFINED_TABLE || code === INVALID_SCHEMA_NAME) return null;
    if (code === UNDEFINED_COLUMN) {
      const existing = (await trackingColumns(r)).log;
      if (existing) assertStrataLog(r.names.logTable, existing);
    }
    throw error;
  }
}

export async function readProtectedFlag(r: TrackingReader): Promise<boolean> {
  const existing = (await trackingColumns(r)).log;
  if (!existing?.includes('detail')) return false;
  const { rows } = await r.raw(`SELECT EXISTS (SELECT 1 FROM ${r.names.log} WHERE detail::jsonb @> '{"protected": true}'::jsonb) AS found`);
  return (rows[0] as { found: boolean }).found;
}

/** Creates or upgrades the tracking tables (adds columns, never drops). */
export async function ensureTrackingTables(r: TrackingReader, schema: string | null): Promise<void> {
  const existing = await trackingColumns(r);
  if (existing.applied) assertStrataTable(r.table, existing.applied);
  if (existing.log) assertStrataLog(r.names.logTable, existing.log);
  const ddl = trackingDdl(r.names, existing);
  if (ddl.length === 0) return;
  if (schema) ddl.unshift(`CREATE SCHEMA IF NOT EXISTS ${introspect.quoteIdent(schema)}`);
  // One implicit transaction. Runners on other tables of the schema may race to create it.
  for (let attempt = 1; ; attempt++) {
    try {
      await r.raw(ddl.join(';\n'));
      return;
    } catch (error) {
      const code = sqlState(error);
      if (attempt > 1 || (code !== UNIQUE_VIOLATION && code !== DUPLICATE_SCHEMA && code !== DUPLICATE_TABLE)) throw error;
    }
  }
}
