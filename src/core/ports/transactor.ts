/**
 * The transactor port: transactions and savepoints on the run's one connection, and the
 * foreign-key guard of engines where enforcement is a connection setting.
 */

export interface Transactor {
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
}

/** Rows of one table that point to no row of the table their foreign key names. */
export interface IntegrityViolation {
  readonly table: string;
  readonly parent: string;
  readonly rows: number;
  /** The first few offending rows' rowids (null for a WITHOUT ROWID table). */
  readonly rowids: readonly (number | null)[];
}

/**
 * Foreign keys around migrations (optional: engines where enforcement is a connection setting
 * that a transaction cannot change, and where DDL acts on rows through it).
 */
export interface ForeignKeyGuard {
  /**
   * Called outside any transaction, before the core opens the transaction of the migrations
   * that follow (and before a non-transactional migration): `false` suspends foreign-key
   * enforcement for them, `true` keeps it (a migration that relies on cascades).
   * SQLite: with enforcement on, the DROP TABLE of a table rebuild deletes the children of
   * an `ON DELETE CASCADE` key, and `PRAGMA foreign_keys` does nothing inside a transaction.
   * The first call remembers the connection's own setting for restoreForeignKeys().
   */
  setForeignKeys?(enforce: boolean): Promise<void>;
  /**
   * With setForeignKeys. Called by the core when a run ends (success or failure), outside any
   * transaction: puts back the setting the connection had before the first setForeignKeys().
   * Idempotent; close() calls it too.
   */
  restoreForeignKeys?(): Promise<void>;
  /**
   * With setForeignKeys. Called after a migration's step and verify, inside its transaction
   * (before its savepoint is released or it commits) or, for a non-transactional migration,
   * right after its last statement: the rows that violate a foreign key now, grouped by
   * table; [] when there are none. Must be cheap where no foreign key exists.
   */
  checkIntegrity?(): Promise<readonly IntegrityViolation[]>;
}
