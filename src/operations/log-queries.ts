/**
 * Read-only summaries of the audit log (`strata_migrations_log`, §3) that `status` and `stats`
 * need: each is ONE aggregate query, written once here in SQL every dialect runs (GROUP BY,
 * CASE, a join on the latest id), so that neither command reads the whole log row by row nor
 * asks once per migration. A driver supplies only its log table's quoted name and how a time
 * column reads as ISO text (`Driver.selectFromLog`).
 */
import type { Driver, LogSelect, Row } from '../core/ports/index.js';

export type { LogSelect, LogTableSql } from '../core/ports/index.js';

/** The last attempt of a migration, when it was a failed `up`. */
export interface FailedAttempt {
  readonly version: string;
  readonly name: string | null;
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly error: string | null;
}

/** What the log says about the applies (`up` runs) of one migration. */
export interface RunFigures {
  readonly version: string;
  /** The name logged by its latest run. */
  readonly name: string | null;
  readonly runs: number;
  readonly failures: number;
  readonly lastDurationMs: number | null;
  readonly maxDurationMs: number | null;
  /** Sum of its runs' durations (those that have one). */
  readonly totalDurationMs: number;
}

/**
 * Versions whose latest log entry (of any operation) is a failed `up`. The caller keeps those
 * that are not applied: a failed `up` followed by `mark-applied`, `unmark` or a successful
 * run is not the latest entry any more.
 */
export const LATEST_FAILED_UP: LogSelect = ({ table, time }) => `SELECT l.version, l.name, l.error, ${time('l.started_at')} AS started_at
  FROM ${table} l
  JOIN (SELECT MAX(id) AS id FROM ${table} WHERE version IS NOT NULL GROUP BY version) latest ON latest.id = l.id
 WHERE l.operation = 'up' AND l.status = 'failed'`;

/** Per version: its `up` runs, failures, slowest and total duration, and its latest run's duration and name. */
export const UP_RUN_FIGURES: LogSelect = ({ table }) => `SELECT s.version, l.name, s.runs, s.failures, s.max_ms, s.total_ms, l.duration_ms AS last_ms
  FROM (SELECT version, COUNT(*) AS runs, SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failures,
               MAX(duration_ms) AS max_ms, SUM(duration_ms) AS total_ms, MAX(id) AS last_id
          FROM ${table}
         WHERE operation = 'up' AND version IS NOT NULL
         GROUP BY version) s
  JOIN ${table} l ON l.id = s.last_id`;

/** One query; [] when the log table does not exist (or the driver cannot read it: a database that does not exist). */
export async function readFailedAttempts(driver: Driver): Promise<FailedAttempt[]> {
  const rows = (await driver.selectFromLog?.(LATEST_FAILED_UP)) ?? [];
  return rows.map((row) => ({
    version: String(row.version),
    name: textOrNull(row.name),
    at: isoText(row.started_at),
    error: textOrNull(row.error),
  }));
}

/** One query; [] when the log table does not exist. */
export async function readRunFigures(driver: Driver): Promise<RunFigures[]> {
  const rows = (await driver.selectFromLog?.(UP_RUN_FIGURES)) ?? [];
  return rows.map((row: Row) => ({
    version: String(row.version),
    name: textOrNull(row.name),
    // Aggregates arrive as bigint text (PostgreSQL) or DECIMAL text (MySQL).
    runs: Number(row.runs),
    failures: Number(row.failures ?? 0),
    lastDurationMs: numberOrNull(row.last_ms),
    maxDurationMs: numberOrNull(row.max_ms),
    totalDurationMs: numberOrNull(row.total_ms) ?? 0,
  }));
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function isoText(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}
