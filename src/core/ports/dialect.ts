/**
 * The introspector port: what the core may know about the database it talks to — its
 * capabilities, its syntax, how it quotes, what its errors mean, how a user finds a lock's
 * holder — and the schema questions a migration's `db` handle asks. Never a dialect name to
 * compare: the core asks, the driver answers.
 */
import type { SqlSyntax } from '../../sql/syntax.js';
import type { Dialect } from '../model.js';
import type { LintProfile } from '../../lint/profile.js';

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

export interface DialectFacts {
  /** Reported to users and to a migration's `db.dialect`; never compared outside src/drivers/. */
  readonly dialect: Dialect;
  /** How this database's SQL is split and classified: its quoting, comments and bodies. */
  readonly syntax: SqlSyntax;
  readonly capabilities: Capabilities;
  /**
   * What a lock-wait hint tells the user to do to find the session holding the lock, in this
   * database's own terms (`find it with SHOW PROCESSLIST`).
   */
  readonly findLockHolder: string;
  /** Which lint rules (SPEC §11) apply to this database, and its parser if any. Absent: the destructive rules only. */
  lintProfile?(): Promise<LintProfile>;
  /** `name` as a quoted identifier of this database, quotes inside it escaped. */
  quoteIdentifier(name: string): string;
  /** The database as shown to users: never contains a password. */
  readonly displayName: string;
  /**
   * Every form of the password this driver connects with (from a pool's or client's settings,
   * or PGPASSWORD): the core removes them from what it stores and reports. Absent: none known.
   */
  readonly secrets?: readonly string[];
  errorFacts(error: unknown): ErrorFacts;
  /**
   * Optional. Called by the core after a migration's SQL statement failed, before the error
   * is reported: what the user must clean up that the error does not say (PostgreSQL: the
   * INVALID index a failed CREATE INDEX CONCURRENTLY left, and the DROP INDEX CONCURRENTLY
   * that removes it). null when there is nothing to add; never throws (null instead).
   */
  failureHint?(statement: string, error: unknown): Promise<string | null>;
}

/** The migration's schema, as `db.tableExists` and friends ask about it. */
export interface Introspector {
  tableExists(table: string): Promise<boolean>;
  columnExists(table: string, column: string): Promise<boolean>;
  indexExists(index: string): Promise<boolean>;
}
