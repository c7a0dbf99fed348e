/** The tracking store port: the tracking table and the audit log of SPEC §3. */
import type { AppliedMigration, LogEntry, LogRow } from '../model.js';

/** [version, checksum, state] of one tracking row. */
export type AppliedChecksum = readonly [version: string, checksum: string | null, state: string];

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
