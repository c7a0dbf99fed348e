/**
 * The MySQL/MariaDB driver (mysql2), also for MariaDB Galera, TiDB and Vitess/PlanetScale.
 *
 * DDL commits implicitly here, so `transactionalDdl` is false and the core runs every
 * migration through the dirty protocol; transactions still hold the final tracking and log
 * writes. One dedicated connection per run (from the URL, or checked out of the
 * application's pool); the lease, when used, renews on a second one; `cancel()` kills the
 * running query from a third, short-lived one.
 */
import type { BatchSupport } from '../../core/batch/support.js';
import { mysqlBatch } from './batch.js';
import { mysqlLoginOf, mysqlSafetyNet } from './safety-net.js';
import type { SafetyNet } from '../safety-net.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../connect-timeout.js';
import { loadPeer } from '../peer.js';
import type { AppliedMigration, LogEntry, LogRow } from '../../core/model.js';
import type { AppliedChecksum, DatabaseInfo, DbObject, Driver, DriverOptions, ErrorFacts, LockHolder, LockOptions, LockStrategy, Row } from '../driver.js';
import type { Lease } from '../lease.js';
import type { LogSelect } from '../driver.js';
import { appliedValues, logValues } from '../tracking-rows.js';
import { type MysqlEngine, chooseLock } from './engine.js';
import { ER, endsTransaction, errnoOf, mysqlErrorFacts } from './errors.js';
import { columnExists, dropMysqlObjects, indexExists, listMysqlObjects, mysqlInfo, tableExists } from './introspect.js';
import { mysqlHistoryTables } from './history-tables.js';
import type { HistoryTables } from '../../core/ports/index.js';
import { mysqlSchemaReader } from './schema-reader.js';
import { trackingTables, type SchemaReader } from '../../core/schema.js';
import { MysqlLocks } from './lock-wiring.js';
import { RunConnection } from './run-connection.js';
import { MYSQL_SYNTAX } from './syntax.js';
import { mysqlLintProfile } from './lint.js';
import { type MysqlModule, type MysqlSession, type SessionSource, affectedOf, poolDisplay, poolSource, rowsOf, urlSource } from './session.js';
import {
  APPLIED_COLUMNS, LOG_COLUMNS, type TrackingSql, quoteId, trackingSql, withDatetimes,
} from './tracking.js';
import { ensureTrackingTables, readAppliedRows, readChecksumRows, readLogRows, readProtectedFlag, selectLogRows, type TrackingReader } from './tracking-reads.js';

export type MysqlTarget = { url: string; display: string; secrets?: readonly string[] } | { client: unknown };

export async function createMysqlDriver(target: MysqlTarget, options: DriverOptions): Promise<Driver> {
  if ('client' in target) return new MysqlDriver(poolSource(target.client, poolDisplay(target.client)), options);
  const mysql = loadPeer<MysqlModule>('mysql2/promise', 'MySQL');
  return new MysqlDriver(urlSource(mysql, target.url, target.display, options.runId, {
    secrets: target.secrets ?? [],
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  }), options);
}

/** How often a tracking write in its own transaction is tried when the server rolls it back. */
const OWN_TRANSACTION_ATTEMPTS = 3;

class MysqlDriver implements Driver {
  readonly dialect = 'mysql' as const;
  readonly syntax = MYSQL_SYNTAX;
  readonly findLockHolder = 'find it with SHOW PROCESSLIST';

  quoteIdentifier(name: string): string {
    return quoteId(name);
  }
  readonly capabilities = { transactionalDdl: false, groupCommit: false, atomic: false, ddlLockTimeout: true };
  readonly displayName: string;
  private batchSupport?: BatchSupport;
  get batch(): BatchSupport {
    return (this.batchSupport ??= mysqlBatch(this, () => this.runConnection.facts.database, this.options.table));
  }
  readonly secrets: readonly string[];

  private readonly runConnection: RunConnection;
  private statements: TrackingSql | null = null;
  private readonly locks: MysqlLocks;
  /** strata's own begin() … commit()/rollback() is open (tracking rows may wait for the COMMIT). */
  private ownTransaction = false;
  private closed = false;

  constructor(
    private readonly source: SessionSource,
    private readonly options: DriverOptions,
  ) {
    this.displayName = source.display;
    this.secrets = source.secrets;
    this.runConnection = new RunConnection(source, options);
    this.locks = new MysqlLocks({ source, options, runConnection: this.runConnection, sql: () => this.sql, inTransaction: () => this.inTransaction });
  }

  /** The run's connection; connecting on first use. */
  private connection(): Promise<MysqlSession> {
    return this.runConnection.get();
  }

  /** For reads: null when the database does not exist (nothing is applied there). */
  private readConnection(): Promise<MysqlSession | null> {
    return this.runConnection.read();
  }

  /** The tracking tables' statements (the database is known once connected). */
  private get sql(): TrackingSql {
    this.statements ??= trackingSql(this.runConnection.facts.database, this.options.table);
    return this.statements;
  }

  private detectEngine(): Promise<MysqlEngine> {
    return this.runConnection.detectEngine();
  }

  async describe(): Promise<{ engine: string; lock: LockStrategy; serverVersion: string }> {
    const engine = await this.detectEngine();
    return { engine, lock: chooseLock(engine, this.options.lock), serverVersion: this.runConnection.facts.version };
  }

  async lintProfile() {
    return mysqlLintProfile(await this.detectEngine(), this.runConnection.facts.version);
  }

  // ---- lock (lock-wiring.ts) ----

  async acquireLock(options: LockOptions): Promise<void> {
    await this.locks.acquire(options);
  }

  async releaseLock(): Promise<void> {
    await this.locks.release();
  }

  assertLockHeld(): void {
    this.locks.assertHeld();
  }

  async probeLock(): Promise<LockHolder | null> {
    return this.locks.probe();
  }

  private get lease(): Lease | null {
    return this.locks.lease;
  }

  // ---- tracking ----

  async readApplied(): Promise<AppliedMigration[] | null> {
    return readAppliedRows(this.reader);
  }

  async readChecksums(): Promise<AppliedChecksum[] | null> {
    return readChecksumRows(this.reader);
  }

  async readLog(limit: number): Promise<LogRow[]> {
    return readLogRows(this.reader, limit);
  }

  async selectFromLog(select: LogSelect): Promise<Row[] | null> {
    return selectLogRows(this.reader, select);
  }

  async readProtected(): Promise<boolean> {
    return readProtectedFlag(this.reader);
  }

  async ensureTracking(): Promise<void> {
    await ensureTrackingTables(this.reader);
  }

  /** What the tracking reads (tracking-reads.ts) need of this driver. */
  private get reader(): TrackingReader {
    return {
      readConnection: () => this.readConnection(),
      connection: () => this.connection(),
      database: () => this.runConnection.facts.database,
      table: this.options.table,
      sql: () => this.sql,
    };
  }

  async writeApplied(row: AppliedMigration): Promise<void> {
    await this.trackingWrite(this.sql.replaceApplied, withDatetimes(APPLIED_COLUMNS, appliedValues(row)));
  }

  async writeProgress(version: string, statementsDone: number, error: string | null): Promise<void> {
    await this.trackingWrite(this.sql.writeProgress, [statementsDone, error, version]);
  }

  async deleteApplied(version: string): Promise<void> {
    await this.trackingWrite(this.sql.deleteApplied, [version]);
  }

  async deleteAllApplied(): Promise<void> {
    await this.trackingWrite(this.sql.deleteAllApplied, []);
  }

  async appendLog(entry: LogEntry): Promise<void> {
    await this.trackingWrite(this.sql.appendLog, withDatetimes(LOG_COLUMNS, logValues(entry)));
  }

  /**
   * Under a lease, every tracking write checks ownership in the same transaction: inside the
   * caller's transaction (once per transaction: the row lock it takes holds until the
   * commit), or in a short one of its own. A session lock needs no check: it lives as long
   * as this connection, which the write itself uses.
   */
  private async trackingWrite(sql: string, values: readonly unknown[]): Promise<void> {
    // A lease already known lost (a renewal found it taken over) stops the write: `isHeld` is
    // false then, and the write below would go out unchecked.
    if (this.locks.strategy === 'lease') this.lease?.assertHeld();
    const session = await this.connection();
    const lease = this.locks.strategy === 'lease' && this.lease?.active ? this.lease : null;
    if (!lease) {
      // In strata's own transaction a row and a log row wait for the COMMIT (one round trip
      // fewer per statement; the completion and the next dirty row become one REPLACE).
      if (this.ownTransaction && session.inTransaction && (sql === this.sql.replaceApplied || sql === this.sql.appendLog)) session.defer(sql, values);
      else await session.exec(sql, values);
      return;
    }
    if (session.inTransaction) {
      if (!lease.heldByTransaction) await this.checkLease(session, lease);
      await session.exec(sql, values);
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await this.writeInOwnTransaction(session, lease, sql, values);
        return;
      } catch (error) {
        // The server rolled the whole transaction back (a deadlock; on Galera, a conflict
        // with another node or its DDL): nothing was written, so it is simply run again.
        if (!endsTransaction(error) || attempt >= OWN_TRANSACTION_ATTEMPTS) throw error;
      }
    }
  }

  private async writeInOwnTransaction(session: MysqlSession, lease: Lease, sql: string, values: readonly unknown[]): Promise<void> {
    await session.exec('START TRANSACTION');
    try {
      // Also pauses the lease's renewals until the commit (they would only wait for it).
      await this.checkLease(session, lease);
      await session.exec(sql, values);
      await session.exec('COMMIT');
      lease.transactionEnded(true);
    } catch (error) {
      lease.transactionEnded(false);
      if (!session.broken) await session.exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Extends the lease inside the open transaction, or throws `lock-lost` (nothing written). */
  private async checkLease(session: MysqlSession, lease: Lease): Promise<void> {
    lease.assertHeld();
    const sentAt = Date.now();
    lease.checked(await this.locks.leaseStore!.extendIn(session), sentAt);
  }

  // ---- transactions ----

  /** What the server said last: DDL ends a transaction implicitly, and this follows. */
  get inTransaction(): boolean {
    return this.runConnection.current?.inTransaction ?? false;
  }

  async begin(): Promise<void> {
    const session = await this.connection();
    // A transaction that DDL ended implicitly left no row lock behind: its check of the lease is spent.
    this.lease?.transactionEnded(false);
    await session.exec('START TRANSACTION');
    this.ownTransaction = true;
  }

  async commit(): Promise<void> {
    const session = await this.connection();
    this.ownTransaction = false;
    try {
      await session.exec('COMMIT');
    } catch (error) {
      this.lease?.transactionEnded(false);
      throw error;
    }
    this.lease?.transactionEnded(true);
  }

  async rollback(): Promise<void> {
    this.lease?.transactionEnded(false);
    this.ownTransaction = false;
    const session = this.runConnection.current;
    // Sent even when the flags say no transaction is open: ROLLBACK outside one is harmless.
    if (session && !session.broken) await session.exec('ROLLBACK');
  }

  async savepoint(name: string): Promise<void> {
    await (await this.connection()).exec(`SAVEPOINT ${quoteId(name)}`);
  }

  async releaseSavepoint(name: string): Promise<void> {
    await (await this.connection()).exec(`RELEASE SAVEPOINT ${quoteId(name)}`);
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    await (await this.connection()).exec(`ROLLBACK TO SAVEPOINT ${quoteId(name)}`);
  }

  // ---- statements ----

  /**
   * One statement as written, over the text protocol (mysql2 does not rewrite it without
   * values). Every statement keeps the session's lock timeout: online DDL still takes a
   * metadata lock briefly, which it bounds.
   */
  /** DML that InnoDB keeps in the open transaction (DDL, LOCK TABLES and the like commit it). */
  joinsTransaction(statement: string): boolean {
    return /^(insert|update|delete|replace)\b/i.test(statement) && !/^insert\s+delayed\b/i.test(statement);
  }

  async execute(sql: string): Promise<void> {
    await (await this.connection()).send(sql);
  }

  /** With parameters: a server-side prepared statement (bound, never spliced or rewritten). */
  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const session = await this.connection();
    return rowsOf(await session.send(sql, params));
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    const session = await this.connection();
    return { changes: affectedOf(await session.send(sql, params)) };
  }

  // ---- introspection ----

  async tableExists(table: string): Promise<boolean> {
    const session = await this.readConnection();
    return session ? tableExists(session, table) : false;
  }

  async columnExists(table: string, column: string): Promise<boolean> {
    const session = await this.readConnection();
    return session ? columnExists(session, table, column) : false;
  }

  historyTables(): HistoryTables {
    return mysqlHistoryTables(() => this.readConnection());
  }

  async indexExists(index: string): Promise<boolean> {
    const session = await this.readConnection();
    return session ? indexExists(session, index) : false;
  }

  async info(): Promise<DatabaseInfo> {
    const session = await this.connection();
    return mysqlInfo(session, await this.detectEngine(), this.runConnection.facts.version);
  }

  async listObjects(): Promise<DbObject[]> {
    const session = await this.readConnection();
    if (!session) return [];
    const own = new Set(trackingTables(this.options.table).map((name) => name.toLowerCase()));
    return listMysqlObjects(session, own);
  }

  schemaReader(): SchemaReader {
    return mysqlSchemaReader({ session: () => this.readConnection(), table: this.options.table });
  }

  async dropObjects(objects: readonly DbObject[]): Promise<void> {
    this.assertLockHeld();
    const session = await this.connection();
    await dropMysqlObjects(session, this.runConnection.facts.database, objects);
  }

  // ---- errors and signals ----

  errorFacts(error: unknown): ErrorFacts {
    return mysqlErrorFacts(error);
  }

  /** KILL QUERY from a short-lived second connection, only while a statement is running. */
  async safetyNet(): Promise<SafetyNet> {
    return mysqlSafetyNet({
      login: mysqlLoginOf(await this.connection()),
      query: (sql, params) => this.query(sql, params),
      execute: (sql) => this.execute(sql),
      secrets: this.secrets,
    });
  }

  async cancel(): Promise<void> {
    const session = this.runConnection.current;
    if (!session || session.running === 0) return;
    const killer = await this.source.open('extra');
    try {
      await killer.exec(`KILL QUERY ${this.runConnection.facts.connectionId}`);
    } catch (error) {
      // The connection is gone already: nothing left to cancel.
      if (errnoOf(error) !== ER.UNKNOWN_THREAD) throw error;
    } finally {
      await killer.close();
    }
  }

  /**
   * Lets go of the lock, then closes the connection strata opened, or returns the pooled one
   * as it was found — destroyed instead when releasing the lock failed.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.releaseLock();
    await this.runConnection.close(this.locks.releaseFailed);
  }
}
