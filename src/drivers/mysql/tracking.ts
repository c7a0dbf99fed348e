/**
 * strata's tracking tables (§3) in MySQL/MariaDB terms: column types, the DDL that creates
 * or upgrades them, and how times cross the wire. Times are stored as DATETIME(3) in UTC and
 * read back as ISO-8601 text with `Z`, formatted by the server, so the result does not
 * depend on the connection's time zone (a pool the application configured may use another).
 */
import { APPLIED_COLUMNS, LOG_COLUMNS } from '../tracking-rows.js';

export const quoteId = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

/** `db`.`table`: tracking tables are always schema-qualified (the database is MySQL's schema). */
export const qualified = (database: string, table: string): string => `${quoteId(database)}.${quoteId(table)}`;

type Column = readonly [name: string, type: string, constraint: string];

/** `version` is compared byte for byte: versions are identifiers, not words. */
const APPLIED: readonly Column[] = [
  ['version', 'VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin', 'NOT NULL PRIMARY KEY'],
  ['name', 'VARCHAR(255)', 'NOT NULL'],
  ['description', 'TEXT', 'NULL'],
  ['checksum', 'VARCHAR(255)', 'NULL'],
  ['kind', 'VARCHAR(16)', 'NOT NULL'],
  ['depends', 'TEXT', 'NOT NULL'],
  ['applied_at', 'DATETIME(3)', 'NOT NULL'],
  ['duration_ms', 'BIGINT', 'NULL'],
  ['applied_by', 'VARCHAR(255)', 'NULL'],
  ['state', 'VARCHAR(16)', "NOT NULL DEFAULT 'applied'"],
  ['dirty_operation', 'VARCHAR(16)', 'NULL'],
  ['statements_done', 'INT', 'NULL'],
  ['error', 'TEXT', 'NULL'],
];

const LOG: readonly Column[] = [
  ['id', 'BIGINT', 'NOT NULL AUTO_INCREMENT PRIMARY KEY'],
  ['run_id', 'VARCHAR(255)', 'NOT NULL'],
  ['version', 'VARCHAR(255)', 'NULL'],
  ['name', 'VARCHAR(255)', 'NULL'],
  ['operation', 'VARCHAR(16)', 'NOT NULL'],
  ['status', 'VARCHAR(16)', 'NOT NULL'],
  ['error', 'TEXT', 'NULL'],
  ['checksum', 'VARCHAR(255)', 'NULL'],
  ['started_at', 'DATETIME(3)', 'NOT NULL'],
  ['duration_ms', 'BIGINT', 'NULL'],
  ['applied_by', 'VARCHAR(255)', 'NULL'],
  ['detail', 'TEXT', 'NULL'],
];

/** InnoDB (transactions, row locks, and Galera replicates nothing else); utf8mb4 for any text. */
const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4';

export const DATETIME_COLUMNS = new Set(['applied_at', 'started_at', 'acquired_at', 'expires_at']);

export function createAppliedTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (${APPLIED.map(([n, t, c]) => `${quoteId(n)} ${t} ${c}`).join(', ')}) ${TABLE_OPTIONS}`;
}

export function createLogTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (${LOG.map(([n, t, c]) => `${quoteId(n)} ${t} ${c}`).join(', ')}) ${TABLE_OPTIONS}`;
}

/**
 * The columns a table made by an older strata lacks, as one ALTER TABLE (null: none). Added
 * columns are nullable (the old rows have no value); columns are never dropped.
 */
export function upgradeSql(table: string, kind: 'applied' | 'log', existing: ReadonlySet<string>): string | null {
  // A key column cannot be added to a table that has rows; a table without one is not strata's.
  const missing = (kind === 'applied' ? APPLIED : LOG).filter(([name, , constraint]) => !existing.has(name) && !constraint.includes('PRIMARY KEY'));
  if (missing.length === 0) return null;
  const clauses = missing.map(([name, type, constraint]) => {
    const def = constraint.includes('DEFAULT') ? constraint.replace('NOT NULL ', '') : 'NULL';
    return `ADD COLUMN ${quoteId(name)} ${type} ${def}`;
  });
  return `ALTER TABLE ${table} ${clauses.join(', ')}`;
}

/** A DATETIME(3) column as ISO-8601 UTC text, e.g. `2026-01-28T09:30:00.123Z`. */
export function isoSql(column: string): string {
  return `CONCAT(DATE_FORMAT(${column}, '%Y-%m-%dT%H:%i:%s.'), LPAD(MICROSECOND(${column}) DIV 1000, 3, '0'), 'Z')`;
}

/**
 * The select list for `columns`, times as ISO text. Columns missing from an older table
 * (`available` given) read as NULL.
 */
export function selectList(columns: readonly string[], available?: ReadonlySet<string>): string {
  return columns
    .map((column) => {
      if (available && !available.has(column)) return `NULL AS ${quoteId(column)}`;
      return DATETIME_COLUMNS.has(column) ? `${isoSql(quoteId(column))} AS ${quoteId(column)}` : quoteId(column);
    })
    .join(', ');
}

/** ISO-8601 (`…T…Z`) to the `YYYY-MM-DD HH:MM:SS.mmm` a DATETIME(3) takes; other text is passed on for the server to judge. */
export function toDatetime(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Values in column order, times converted for DATETIME(3). */
export function withDatetimes(columns: readonly string[], values: readonly unknown[]): unknown[] {
  return columns.map((column, i) => (DATETIME_COLUMNS.has(column) ? toDatetime(values[i]) : values[i]));
}

/** Every statement on the tracking tables, built once per run. */
export interface TrackingSql {
  readonly applied: string;
  readonly log: string;
  readonly lock: string;
  /** `available`: the columns of a table made by an older strata (the rest read as NULL). */
  readApplied(available?: ReadonlySet<string>): string;
  readLog(limit: number): string;
  readonly readProtected: string;
  readonly replaceApplied: string;
  readonly writeProgress: string;
  readonly deleteApplied: string;
  readonly deleteAllApplied: string;
  readonly appendLog: string;
}

export function trackingSql(database: string, table: string): TrackingSql {
  const applied = qualified(database, table);
  const log = qualified(database, `${table}_log`);
  const columns = (names: readonly string[]) => names.map(quoteId).join(', ');
  const marks = (names: readonly string[]) => names.map(() => '?').join(', ');
  return {
    applied,
    log,
    lock: qualified(database, `${table}_lock`),
    readApplied: (available) => `SELECT ${selectList(APPLIED_COLUMNS, available)} FROM ${applied}`,
    readLog: (limit) => `SELECT ${selectList(['id', ...LOG_COLUMNS])} FROM ${log} ORDER BY id DESC LIMIT ${Math.max(0, Math.floor(limit))}`,
    readProtected: `SELECT 1 AS hit FROM ${log} WHERE detail LIKE '%"protected":true%' LIMIT 1`,
    replaceApplied: `REPLACE INTO ${applied} (${columns(APPLIED_COLUMNS)}) VALUES (${marks(APPLIED_COLUMNS)})`,
    writeProgress: `UPDATE ${applied} SET statements_done = ?, error = ? WHERE version = ?`,
    deleteApplied: `DELETE FROM ${applied} WHERE version = ?`,
    deleteAllApplied: `DELETE FROM ${applied}`,
    appendLog: `INSERT INTO ${log} (${columns(LOG_COLUMNS)}) VALUES (${marks(LOG_COLUMNS)})`,
  };
}

export { APPLIED_COLUMNS, LOG_COLUMNS };
