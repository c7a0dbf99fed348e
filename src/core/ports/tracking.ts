/** The tracking store port: the tracking table and the audit log of SPEC §3. */
import type { AppliedMigration, LogEntry, LogRow } from '../model.js';

/** [version, checksum, state] of one tracking row. */
export type AppliedChecksum = readonly [version: string, checksum: string | null, state: string];

/** What a driver hands to a query over its log table. */
export interface LogTableSql {
  /** The log table, quoted and qualified. */
  readonly table: string;
  /** An expression reading the time column `column` (e.g. `l.started_at`) as ISO-8601 UTC text, or as a value the mapping turns into it (a Date). */
  time(column: string): string;
}

/** A SELECT over the log table, built from what the driver supplies. */
export type LogSelect = (log: LogTableSql) => string;

export interface TrackingStore {
  /**
   * Read-only. null when the tracking table does not exist (nothing applied). Rejects with a
   * ValidationError when a same-named table is not strata's.
   */
  readApplied(): Promise<AppliedMigration[] | null>;
  /**
   * Read-only. The no-op start-up check's one read: version, checksum and state of every row
   * and nothing else, in one round trip; null when the tracking table does not exist.
   * Optional: without it the core falls back to readApplied.
   */
  readChecksums?(): Promise<readonly AppliedChecksum[] | null>;
  /** Read-only. The audit log, newest first; [] when it does not exist. */
  readLog(limit: number): Promise<LogRow[]>;
  /**
   * Optional, read-only. Runs one SELECT over the log table (`status`'s failed state, `stats`:
   * see src/operations/log-queries.ts) and returns its rows; null when the log table does not
   * exist. Never creates anything. Absent: the log reads as empty.
   */
  selectFromLog?(select: LogSelect): Promise<Record<string, unknown>[] | null>;
  /** Called after acquireLock. Creates or upgrades the tracking tables (adds columns, never drops). */
  ensureTracking(): Promise<void>;
  /** Insert or replace the row of `row.version`. Inside the caller's transaction when one is open. */
  writeApplied(row: AppliedMigration): Promise<void>;
  /** Records how many statements a non-transactional migration has run (the dirty protocol). */
  writeProgress(version: string, statementsDone: number, error: string | null): Promise<void>;
  deleteApplied(version: string): Promise<void>;
  /** `reset`: forget every applied migration (the log stays). */
  deleteAllApplied(): Promise<void>;
  appendLog(entry: LogEntry): Promise<void>;
  /** Read-only. Whether the log records a run in a protected environment (`reset` refuses then). */
  readProtected(): Promise<boolean>;
}
