/**
 * The one port every dialect implements: the composite of the roles in this folder. The core
 * reads `capabilities`, never a dialect name, and calls these methods on ONE dedicated
 * connection per run: the lock, the tracking reads and writes and every migration share it
 * (a session lock dies with its connection, so a crashed runner cannot leave a lock behind).
 *
 * The core and the operations depend on the role they use; src/drivers/<dialect>/ implement
 * all of them. The driver conformance suite (test/drivers/conformance.test.ts) runs against
 * every dialect, and test/support/memory-driver.ts implements it in memory.
 */
import type { InMilliseconds, Settings } from '../settings.js';
import type { DialectFacts, Introspector } from './dialect.js';
import type { Executor } from './executor.js';
import type { Lock } from './lock.js';
import type { Maintenance } from './maintenance.js';
import type { TrackingStore } from './tracking.js';
import type { ForeignKeyGuard, Transactor } from './transactor.js';
import type { TableRebuilder } from '../table-rebuild.js';
import type { HistoryTables } from './history-tables.js';

export interface Driver extends DialectFacts, Lock, TrackingStore, Transactor, ForeignKeyGuard, Executor, Introspector, Maintenance {
  // An optional capability of one feature goes in the role it belongs to, or here.
  /**
   * Optional (SQLite): `db.recreateTable`, the table rebuild for changes ALTER TABLE cannot
   * make, inside the transaction open on the connection. Absent: the database changes tables
   * in place and the call is refused with the ALTER TABLE hint.
   */
  recreateTable?: TableRebuilder['recreateTable'];
  /** Optional: other tools' history tables, for `strata import`, `status` and the first `up` (§12). Absent: none is looked for. */
  historyTables?(): HistoryTables;
}

/** What every driver factory receives: the Settings it uses, resolved, times in milliseconds. */
export interface DriverOptions extends InMilliseconds<'lockTimeout' | 'ddlLockTimeout' | 'statementTimeout' | 'leaseTtl'> {
  /** Tracking table name (validated: ^[A-Za-z_][A-Za-z0-9_]*$, at most 58 characters). */
  readonly table: string;
  /** PostgreSQL schema for the migrations and the tracking tables; null = the connection's default. */
  readonly schema: string | null;
  readonly lock: NonNullable<Settings['lock']>;
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
