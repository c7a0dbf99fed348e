/**
 * The SQLite driver (better-sqlite3). Embedded and synchronous: one connection, the lease in
 * lease.ts, and group commits (a commit costs a sync, so consecutive migrations share one,
 * each in a SAVEPOINT).
 */
import type { BatchSupport } from '../../core/batch/support.js';
import { sqliteBatch } from './batch.js';
import type Database from 'better-sqlite3';
import { resolve } from 'node:path';
import { ConfigError, ConnectionError, messageOf } from '../../core/errors.js';
import type { AppliedMigration, LogEntry, LogRow } from '../../core/model.js';
import { Lease, leaseOwner } from '../lease.js';
import type { LogSelect } from '../driver.js';
import type { AppliedChecksum, DatabaseInfo, DbObject, Driver, DriverOptions, ErrorFacts, IntegrityViolation, LockHolder, LockOptions, Row } from '../driver.js';
import { APPLIED_COLUMNS, LOG_COLUMNS, appliedValues, logValues } from '../tracking-rows.js';
import { loadPeer, sqliteAddonPath } from '../peer.js';
import { ForeignKeys } from './foreign-keys.js';
import { rebuildTable } from './rebuild.js';
import type { RunRebuildStatement, TableRebuildRequest } from '../../core/table-rebuild.js';
import { SqliteLeaseStore } from './lease-store.js';
import { listSqliteObjects, sqliteInfo } from './introspect.js';
import { sqliteHistoryTables } from './history-tables.js';
import type { HistoryTables } from '../../core/ports/index.js';
import { sqliteSchemaReader } from './schema-reader.js';
import { trackingTables, type SchemaReader } from '../../core/schema.js';
import { SQLITE_LINT_PROFILE } from './lint.js';
import { sqliteSafetyNet } from './safety-net.js';
import type { SafetyNet } from '../safety-net.js';
import { SQLITE_SYNTAX } from './syntax.js';
import { SqliteConnection, type DatabaseConstructor, type SqliteTarget } from './connection.js';
import { columnsOf, createTrackingTables, q, readAppliedRows, readChecksumRows, readLogRows, readProtectedFlag } from './tracking.js';

export type { SqliteTarget };

export async function createSqliteDriver(target: SqliteTarget, options: DriverOptions): Promise<Driver> {
  let BetterSqlite: DatabaseConstructor | null = null;
  if (!target.database) {
    BetterSqlite = loadPeer<DatabaseConstructor>('better-sqlite3', 'SQLite');
  }
  if (target.database?.inTransaction) {
    throw new ConfigError('config', 'the better-sqlite3 Database passed to strata is inside a transaction', {
      hint: 'commit or roll back before calling strata',
    });
  }
  return new SqliteDriver(BetterSqlite, target, options);
}

/** SQLITE_FULL: the disk (or the file system's quota) has no room for the database, its journal or a temporary file. */
const isDiskFull = (error: unknown): boolean => (error as { code?: string } | null)?.code === 'SQLITE_FULL';

class SqliteDriver implements Driver {
  readonly dialect = 'sqlite' as const;
  readonly syntax = SQLITE_SYNTAX;
  /** Only another connection to the file can hold a lock; SQLite names none. */
  readonly findLockHolder = 'find the process that has the database file open';

  quoteIdentifier(name: string): string {
    return q(name);
  }
  readonly capabilities = { transactionalDdl: true, groupCommit: true, atomic: true, ddlLockTimeout: false };
  readonly displayName: string;
  private batchSupport?: BatchSupport;
  get batch(): BatchSupport {
    return (this.batchSupport ??= sqliteBatch(this, this.options.table));
  }

  private readonly connection: SqliteConnection;
  private readonly table: string;
  private readonly logTable: string;
  private readonly lease: Lease;
  private readonly leaseStore: SqliteLeaseStore;
  private trackingChanged = false;
  private readonly foreignKeys = new ForeignKeys(() => this.open(true)!);
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    BetterSqlite: DatabaseConstructor | null,
    target: SqliteTarget,
    private readonly options: DriverOptions,
  ) {
    this.connection = new SqliteConnection(BetterSqlite, target, options);
    this.displayName = this.connection.displayName;
    this.table = q(options.table);
    this.logTable = q(`${options.table}_log`);
    this.leaseStore = new SqliteLeaseStore(() => this.open(true)!, q(`${options.table}_lock`), leaseOwner(options.runId, options.leaseTtlMs));
    this.lease = new Lease(this.leaseStore, options.leaseTtlMs);
  }

  private get db(): Database.Database | null {
    return this.connection.db;
  }

  private get path(): string {
    return this.connection.path;
  }

  private open(create: boolean): Database.Database | null {
    return this.connection.open(create);
  }

  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.open(true)!.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async lintProfile() {
    return SQLITE_LINT_PROFILE;
  }

  async describe() {
    const db = this.open(false);
    const version = db ? (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v : '';
    return { engine: 'sqlite', lock: 'lease' as const, serverVersion: version };
  }

  // ---- lock ----
  async acquireLock(options: LockOptions): Promise<void> {
    try {
      await this.lease.acquire(options);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_READONLY' || (error as { code?: string }).code === 'SQLITE_CANTOPEN') {
        throw new ConnectionError('connection-failed', `cannot write ${this.displayName}: ${messageOf(error)}`, { hint: 'check that the file and its folder are writable' }, { cause: error });
      }
      throw this.diskFullBeforeRun(error);
    }
  }

  /** A full disk before any migration ran (taking the lease, creating the tracking tables): exit 2, named. */
  private diskFullBeforeRun(error: unknown): unknown {
    if (!isDiskFull(error)) return error;
    return new ConnectionError('connection-failed', `cannot write ${this.displayName}: the disk that holds ${resolve(this.path)} is full (${messageOf(error)})`, {
      hint: 'free space on that disk (or raise its quota), then run the command again; nothing was applied',
    }, { cause: error });
  }
  async releaseLock(): Promise<void> {
    await this.lease.release();
  }
  assertLockHeld(): void {
    this.lease.assertHeld();
  }
  async probeLock(): Promise<LockHolder | null> {
    // A missing file has no holder, and a probe must not create it.
    return this.open(false) ? this.lease.probe() : null;
  }

  // ---- tracking (the tables' SQL: tracking.ts) ----
  async readApplied(): Promise<AppliedMigration[] | null> {
    const db = this.open(false);
    return db ? readAppliedRows(db, this.options.table) : null;
  }

  async readChecksums(): Promise<readonly AppliedChecksum[] | null> {
    const db = this.open(false);
    return db ? readChecksumRows(db, this.options.table, () => this.readApplied()) : null;
  }

  async readLog(limit: number): Promise<LogRow[]> {
    const db = this.open(false);
    return db ? readLogRows(db, this.options.table, limit) : [];
  }

  async selectFromLog(select: LogSelect): Promise<Row[] | null> {
    const db = this.open(false);
    if (!db || !columnsOf(db, `${this.options.table}_log`)) return null;
    // Times are stored as ISO-8601 text already.
    return db.prepare(select({ table: this.logTable, time: (column) => column })).all() as Row[];
  }

  async readProtected(): Promise<boolean> {
    const db = this.open(false);
    return db ? readProtectedFlag(db, this.options.table) : false;
  }

  async ensureTracking(): Promise<void> {
    try {
      createTrackingTables(this.open(true)!, this.options.table);
    } catch (error) {
      throw this.diskFullBeforeRun(error);
    }
  }

  async writeApplied(row: AppliedMigration): Promise<void> {
    this.trackingWrite(() =>
      this.prepared(`INSERT OR REPLACE INTO ${this.table} (${APPLIED_COLUMNS.join(', ')}) VALUES (${APPLIED_COLUMNS.map(() => '?').join(', ')})`).run(...appliedValues(row)),
    );
  }

  async writeProgress(version: string, statementsDone: number, error: string | null): Promise<void> {
    this.trackingWrite(() => this.prepared(`UPDATE ${this.table} SET statements_done = ?, error = ? WHERE version = ?`).run(statementsDone, error, version));
  }

  async deleteApplied(version: string): Promise<void> {
    this.trackingWrite(() => this.prepared(`DELETE FROM ${this.table} WHERE version = ?`).run(version));
  }

  async deleteAllApplied(): Promise<void> {
    this.trackingWrite(() => this.open(true)!.prepare(`DELETE FROM ${this.table}`).run());
  }

  async appendLog(entry: LogEntry): Promise<void> {
    this.trackingWrite(
      () => this.prepared(`INSERT INTO ${this.logTable} (${LOG_COLUMNS.join(', ')}) VALUES (${LOG_COLUMNS.map(() => '?').join(', ')})`).run(...logValues(entry)),
      false,
    );
  }

  /**
   * Inside an open transaction the write joins it (the commit checks the lease and keeps
   * user_version); alone, it gets its own short transaction that does both.
   */
  private trackingWrite(write: () => void, changesApplied = true): void {
    const db = this.open(true)!;
    if (db.inTransaction) {
      write();
      if (changesApplied) this.trackingChanged = true;
      return;
    }
    this.inOwnTransaction(db, () => {
      write();
      if (changesApplied) this.syncUserVersion(db);
    });
  }

  /** A short transaction of strata's own, which first checks the lease (as every commit does). */
  private inOwnTransaction(db: Database.Database, fn: () => void): void {
    let committed = false;
    try {
      db.transaction(() => {
        this.checkLease();
        fn();
      }).immediate();
      committed = true;
    } finally {
      this.lease.transactionEnded(committed);
    }
  }

  /** Inside the open transaction: extends the lease and checks it is still ours, or throws `lock-lost`. */
  private checkLease(): void {
    if (!this.lease.active) return;
    this.lease.assertHeld();
    const sentAt = Date.now();
    this.lease.checked(this.leaseStore.extendHere(), sentAt);
  }

  /** PRAGMA user_version = number of applied migrations (seed compatibility; never read as a shortcut). */
  private syncUserVersion(db: Database.Database): void {
    if (!this.options.userVersion) return;
    const { n } = this.prepared(`SELECT count(*) AS n FROM ${this.table} WHERE state = 'applied'`).get() as { n: number };
    db.pragma(`user_version = ${n}`);
  }

  // ---- transactions ----
  get inTransaction(): boolean {
    return this.db?.inTransaction ?? false;
  }
  async begin(): Promise<void> {
    this.open(true)!.exec('BEGIN IMMEDIATE');
    this.trackingChanged = false;
    this.foreignKeys.began();
  }
  async commit(): Promise<void> {
    const db = this.open(true)!;
    try {
      this.checkLease();
      if (this.trackingChanged) this.syncUserVersion(db);
    } catch (error) {
      db.exec('ROLLBACK');
      this.lease.transactionEnded(false);
      throw error;
    }
    db.exec('COMMIT');
    this.lease.transactionEnded(true);
    this.trackingChanged = false;
  }
  async rollback(): Promise<void> {
    const db = this.open(true)!;
    if (db.inTransaction) db.exec('ROLLBACK');
    this.lease.transactionEnded(false);
    this.trackingChanged = false;
  }
  // Prepared once per name: a group of 500 migrations takes 1,000 savepoint statements.
  async savepoint(name: string): Promise<void> {
    this.prepared(`SAVEPOINT ${q(name)}`).run();
  }
  async releaseSavepoint(name: string): Promise<void> {
    this.prepared(`RELEASE ${q(name)}`).run();
  }
  async rollbackToSavepoint(name: string): Promise<void> {
    this.prepared(`ROLLBACK TO ${q(name)}`).run();
  }

  // ---- foreign keys around migrations ----
  async setForeignKeys(enforce: boolean): Promise<void> {
    this.foreignKeys.set(enforce);
  }
  async restoreForeignKeys(): Promise<void> {
    if (this.db) this.foreignKeys.restore();
  }
  async checkIntegrity(): Promise<readonly IntegrityViolation[]> {
    return this.foreignKeys.check();
  }
  async recreateTable(request: TableRebuildRequest, run: RunRebuildStatement): Promise<void> {
    await rebuildTable(this.open(true)!, request, run);
  }

  // ---- statements ----
  async execute(sql: string): Promise<void> {
    this.foreignKeys.saw(sql);
    // exec() compiles, runs and finalizes at once; a prepare()d statement would hold its
    // compiled program in native memory until the garbage collector finalizes it, and a run
    // of 10,000 migrations keeps tens of thousands of them alive. strata splits statements
    // itself, so `sql` is one statement.
    this.open(true)!.exec(sql);
  }
  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    this.foreignKeys.saw(sql);
    const statement = this.open(true)!.prepare(sql);
    if (!statement.reader) {
      statement.run(...params);
      return [];
    }
    return statement.all(...params) as Row[];
  }
  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    this.foreignKeys.saw(sql);
    return { changes: this.open(true)!.prepare(sql).run(...params).changes };
  }

  // ---- introspection ----
  async tableExists(table: string): Promise<boolean> {
    const db = this.open(false);
    return !!db?.prepare(`SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?`).get(table);
  }
  async columnExists(table: string, column: string): Promise<boolean> {
    const db = this.open(false);
    return !!db?.prepare(`SELECT 1 FROM pragma_table_info(?) WHERE name = ?`).get(table, column);
  }
  historyTables(): HistoryTables {
    return sqliteHistoryTables(() => this.open(false), q);
  }
  async indexExists(index: string): Promise<boolean> {
    const db = this.open(false);
    return !!db?.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?`).get(index);
  }
  async info(): Promise<DatabaseInfo> {
    const db = this.open(false);
    if (!db) return { engine: 'sqlite', serverVersion: '', sizeBytes: null, tables: [] };
    return sqliteInfo(db);
  }
  async listObjects(): Promise<DbObject[]> {
    const db = this.open(false);
    if (!db) return [];
    const own = new Set(trackingTables(this.options.table));
    return listSqliteObjects(db).filter((o) => !own.has(o.name));
  }
  schemaReader(): SchemaReader {
    return sqliteSchemaReader(() => this.open(false), this.options.table);
  }
  async dropObjects(objects: readonly DbObject[]): Promise<void> {
    const db = this.open(true)!;
    const foreignKeys = db.pragma('foreign_keys', { simple: true });
    db.pragma('foreign_keys = OFF');
    try {
      this.inOwnTransaction(db, () => {
        for (const object of objects) db.exec(`DROP ${object.type.toUpperCase()} IF EXISTS ${q(object.name)}`);
      });
    } finally {
      db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
    }
  }

  async safetyNet(): Promise<SafetyNet> {
    const Constructor = this.connection.databaseConstructor;
    const nativeBinding = sqliteAddonPath();
    return sqliteSafetyNet({
      live: () => this.open(false),
      path: this.path,
      lockTable: q(`${this.options.table}_lock`),
      open: (file, { readonly }) => new Constructor(file, { readonly, fileMustExist: readonly, ...(nativeBinding ? { nativeBinding } : {}) }),
    });
  }

  // ---- errors and signals ----
  errorFacts(error: unknown): ErrorFacts {
    const message = error instanceof Error ? error.message : '';
    return { lockTimeout: false, noEffect: /syntax error|no such (table|column)|already exists/i.test(message), cancelled: false, diskFull: isDiskFull(error) };
  }
  async cancel(): Promise<void> {
    // better-sqlite3 runs statements synchronously: a signal takes effect when the current one returns.
  }
  async close(): Promise<void> {
    await this.lease.release();
    // A run restores it already; this covers a run that could not (its rollback failed).
    if (this.db && !this.db.inTransaction) this.foreignKeys.restore();
    this.statements.clear();
    this.connection.release();
  }
}
