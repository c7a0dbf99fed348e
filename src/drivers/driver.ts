/**
 * The one interface every dialect implements. The core reads `capabilities`, never a
 * dialect name, and calls these methods on ONE dedicated connection per run: the lock, the
 * tracking reads and writes and every migration share it (a session lock dies with its
 * connection, so a crashed runner cannot leave a lock behind).
 *
 * A driver conformance suite (test/drivers/conformance.test.ts) runs against every dialect.
 */
import type { AppliedMigration, Dialect, LogEntry, LogRow } from '../core/model.js';
import type { SqlSyntax } from '../sql/split.js';
import type { SafetyNet } from './safety-net.js';

export interface Capabilities {
  /** DDL can be rolled back inside a transaction (SQLite, PostgreSQL; not MySQL/MariaDB). */
  readonly transactionalDdl: boolean;
  /**
   * Consecutive transactional migrations may share one commit, each in its own SAVEPOINT
   * (SQLite: a commit costs a sync). Servers commit each migration alone: a group would hold
   * ACCESS EXCLUSIVE locks across later migrations and can exhaust PostgreSQL's lock table.
   */
  readonly groupCommit: boolean;
  /** `--atomic` is possible: one transaction can hold the whole plan. */
  readonly atomic: boolean;
  /** The driver can bound how long DDL waits for the application's table locks. */
  readonly ddlLockTimeout: boolean;
}

export type LockStrategy = 'session' | 'lease';

export interface LockHolder {
  /** Who holds it, as the database can tell (e.g. `strata 0.1.0 host:1234 run`, or `pid 4321`). */
  readonly owner: string;
  /** ISO-8601 UTC, or null when the database cannot tell. */
  readonly since: string | null;
}

export interface LockOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Called once when the lock is taken by someone else and the runner starts to wait. */
  readonly onWait?: (holder: LockHolder | null) => void;
  /**
   * Asked between polls while someone else holds the lock: false ends the wait with
   * LockNotNeeded (e.g. the holder applied everything this runner came to apply), so twenty
   * replicas starting together do not take the lock one by one only to find nothing to do.
   */
  readonly stillNeeded?: () => Promise<boolean>;
}

export interface TableInfo {
  readonly name: string;
  readonly rows: number;
  /** Catalog estimate (servers) rather than an exact count (SQLite). */
  readonly estimated: boolean;
}

export interface DatabaseInfo {
  readonly engine: string;
  readonly serverVersion: string;
  readonly sizeBytes: number | null;
  readonly tables: readonly TableInfo[];
}

/** A schema object `reset` drops. */
export interface DbObject {
  readonly type: string;
  readonly name: string;
}

export interface ErrorFacts {
  /** The statement timed out waiting for a lock and had no effect (retry it). */
  readonly lockTimeout: boolean;
  /** The statement provably did nothing (syntax error, permission denied, lock-wait timeout). */
  readonly noEffect: boolean;
  /** The statement was cancelled (by `cancel()` after a signal). */
  readonly cancelled: boolean;
  /** The database's disk (or its quota) is full: the user must free space, not fix the migration. Absent = false. */
  readonly diskFull?: boolean;
}

export type Row = Record<string, unknown>;

/** Rows of one table that point to no row of the table their foreign key names. */
export interface IntegrityViolation {
  readonly table: string;
  readonly parent: string;
  readonly rows: number;
  /** The first few offending rows' rowids (null for a WITHOUT ROWID table). */
  readonly rowids: readonly (number | null)[];
}


/** [version, checksum, state] of one tracking row. */
export type AppliedChecksum = readonly [version: string, checksum: string | null, state: string];

export interface Driver {
  readonly dialect: Dialect;
  /** How this database's SQL is split and classified: its quoting, comments and bodies. */
  readonly syntax: SqlSyntax;
  readonly capabilities: Capabilities;
  /**
   * What a lock-wait hint tells the user to do to find the session holding the lock, in this
   * database's own terms (`find it with SHOW PROCESSLIST`).
   */
  readonly findLockHolder: string;
  /** `name` as a quoted identifier of this database, quotes inside it escaped. */
  quoteIdentifier(name: string): string;
  /** The database as shown to users: never contains a password. */
  readonly displayName: string;
  /**
   * Every form of the password this driver connects with (from a pool's or client's settings,
   * or PGPASSWORD): the core removes them from what it stores and reports. Absent: none known.
   */
  readonly secrets?: readonly string[];

  /** Engine and lock strategy in use (`info`, and the choice the lock is made by). */
  describe(): Promise<{ engine: string; lock: LockStrategy; serverVersion: string }>;

  // ---- Lock: exactly one changing command at a time per database and tracking table ----
  /**
   * Called first by every changing command, before the tracking tables are created. Waits up
   * to `timeoutMs` (polling with jittered backoff, never blocking inside the database), then
   * rejects with LockTimeoutError naming the holder where the database can tell.
   */
  acquireLock(options: LockOptions): Promise<void>;
  /** Called in `finally` by the command that acquired it. Never throws for an unheld lock. */
  releaseLock(): Promise<void>;
  /**
   * Called before each migration and each tracking write: rejects with LockTimeoutError
   * (`lock-lost`) when a lease expired or was taken over. Cheap: no round trip.
   */
  assertLockHeld(): void;
  /** Read-only probe for `status`: who holds the lock now, without waiting or creating anything. */
  probeLock(): Promise<LockHolder | null>;

  // ---- Tracking tables (§3) ----
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

  // ---- Transactions on the run's connection ----
  /**
   * Opens a transaction; `ddlLockTimeoutMs` (servers) bounds waits for table locks inside it.
   * `durable: false` says its commit need not wait for the disk because a later durable commit
   * of the same run follows (PostgreSQL: synchronous_commit off; a later synchronous commit
   * flushes the WAL before it too). The transaction stays atomic either way. Default true.
   */
  begin(options?: { durable?: boolean }): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  savepoint(name: string): Promise<void>;
  releaseSavepoint(name: string): Promise<void>;
  rollbackToSavepoint(name: string): Promise<void>;
  /** Whether this connection is inside a transaction now. */
  readonly inTransaction: boolean;

  // ---- Foreign keys around migrations (optional: engines where enforcement is a connection
  // setting that a transaction cannot change, and where DDL acts on rows through it) ----
  /**
   * Optional. Called outside any transaction, before the core opens the transaction of the
   * migrations that follow (and before a non-transactional migration): `false` suspends
   * foreign-key enforcement for them, `true` keeps it (a migration that relies on cascades).
   * SQLite: with enforcement on, the DROP TABLE of a table rebuild deletes the children of
   * an `ON DELETE CASCADE` key, and `PRAGMA foreign_keys` does nothing inside a transaction.
   * The first call remembers the connection's own setting for restoreForeignKeys().
   */
  setForeignKeys?(enforce: boolean): Promise<void>;
  /**
   * Optional, with setForeignKeys. Called by the core when a run ends (success or failure),
   * outside any transaction: puts back the setting the connection had before the first
   * setForeignKeys(). Idempotent; close() calls it too.
   */
  restoreForeignKeys?(): Promise<void>;
  /**
   * Optional, with setForeignKeys. Called after a migration's step and verify, inside its
   * transaction (before its savepoint is released or it commits) or, for a non-transactional
   * migration, right after its last statement: the rows that violate a foreign key now,
   * grouped by table; [] when there are none. Must be cheap where no foreign key exists.
   */
  checkIntegrity?(): Promise<readonly IntegrityViolation[]>;

  // ---- Statements ----
  /**
   * Optional, for engines whose DDL commits implicitly. Whether `statement` can run inside a
   * transaction without committing it (MySQL: INSERT, UPDATE, DELETE, REPLACE). The core then
   * runs a migration's trailing statements of that kind inside the transaction that records it,
   * saving a commit per migration. Answer false when unsure.
   */
  joinsTransaction?(statement: string): boolean;
  /**
   * One statement, no parameters, as written, under the driver's DDL lock timeout unless the
   * statement waits for other transactions by design (PostgreSQL's CONCURRENTLY): the driver
   * alone decides which statements those are.
   */
  execute(sql: string): Promise<void>;
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }>;

  // ---- Introspection (the migration's schema) ----
  tableExists(table: string): Promise<boolean>;
  columnExists(table: string, column: string): Promise<boolean>;
  indexExists(index: string): Promise<boolean>;
  info(): Promise<DatabaseInfo>;
  /** Every object `reset` drops, in an order that can be dropped. */
  listObjects(): Promise<DbObject[]>;
  dropObjects(objects: readonly DbObject[]): Promise<void>;

  /** Optional. Backups, restores and scratch databases (§7); absent: none of them on this database. */
  safetyNet?(): Promise<SafetyNet>;

  // ---- Errors and signals ----
  errorFacts(error: unknown): ErrorFacts;
  /**
   * Optional. Called by the core after a migration's SQL statement failed, before the error
   * is reported: what the user must clean up that the error does not say (PostgreSQL: the
   * INVALID index a failed CREATE INDEX CONCURRENTLY left, and the DROP INDEX CONCURRENTLY
   * that removes it). null when there is nothing to add; never throws (null instead).
   */
  failureHint?(statement: string, error: unknown): Promise<string | null>;
  /** Cancels the running statement from a second connection (a signal arrived). */
  cancel(): Promise<void>;
  /** Closes what the driver opened (never a connection or pool the application passed in). */
  close(): Promise<void>;
}

/** What every driver factory receives. */
export interface DriverOptions {
  /** Tracking table name (validated: ^[A-Za-z_][A-Za-z0-9_]*$, at most 58 characters). */
  readonly table: string;
  /** PostgreSQL schema for the migrations and the tracking tables; null = the connection's default. */
  readonly schema: string | null;
  readonly lock: 'auto' | 'session' | 'lease';
  readonly leaseTtlMs: number;
  /** 0 turns it off. */
  readonly ddlLockTimeoutMs: number;
  /** 0 = off. */
  readonly statementTimeoutMs: number;
  readonly lockTimeoutMs: number;
  /** SQLite: keep PRAGMA user_version equal to the number of applied migrations. */
  readonly userVersion: boolean;
  /** Identifies this run in lock owners and application_name. */
  readonly runId: string;
  /** Create the SQLite file's folder (only for the CLI's built-in default). */
  readonly createDirectory: boolean;
  /** The run's signal: a driver that connects lazily stops waiting for a connect attempt when it aborts. */
  readonly signal?: AbortSignal;
  /**
   * Servers: how long connecting may take, in ms (0 = no limit); null = not set, so the URL's
   * own parameter (`connect_timeout`, mysql2's `connectTimeout`) or the default (10 s) decides.
   */
  readonly connectTimeoutMs?: number | null;
  /** Statements run on the run's connection right after it is opened, before anything else (`initSql`). */
  readonly initSql?: readonly string[];
}
