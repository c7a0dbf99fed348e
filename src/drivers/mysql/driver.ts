/**
 * The MySQL/MariaDB driver (mysql2), also for MariaDB Galera, TiDB and Vitess/PlanetScale.
 *
 * DDL commits implicitly here, so `transactionalDdl` is false and the core runs every
 * migration through the dirty protocol; transactions still hold the final tracking and log
 * writes. One dedicated connection per run (from the URL, or checked out of the
 * application's pool); the lease, when used, renews on a second one; `cancel()` kills the
 * running query from a third, short-lived one.
 */
import { hostname } from 'node:os';
import { ConfigError, ConnectionError } from '../../core/errors.js';
import type { AppliedMigration, LogEntry, LogRow } from '../../core/model.js';
import type { DatabaseInfo, DbObject, Driver, DriverOptions, ErrorFacts, LockHolder, LockOptions, LockStrategy, Row } from '../driver.js';
import { appliedValues, assertStrataTable, logValues, toApplied, toLogRow } from '../tracking-rows.js';
import { type MysqlEngine, chooseLock, detectEngine, engineFromVersion, getLockWaitSeconds, lockWaitSeconds, needsWsrepProbe, statementTimeoutVariable } from './engine.js';
import { ER, errnoOf, isMissingDatabase, isMissingTable, isUnknownColumn, mysqlErrorFacts } from './errors.js';
import { columnExists, dropMysqlObjects, indexExists, listMysqlObjects, mysqlInfo, tableExists } from './introspect.js';
import { MysqlLease } from './lease.js';
import { MysqlSessionLock, sessionLockName } from './lock.js';
import { type MysqlModule, MysqlSession, type SessionSource, affectedOf, poolDisplay, poolSource, programName, rowsOf, urlSource } from './session.js';
import {
  APPLIED_COLUMNS, LOG_COLUMNS, createAppliedTableSql, createLogTableSql, qualified, quoteId, selectList, upgradeSql, withDatetimes,
} from './tracking.js';

export type MysqlTarget = { url: string; display: string } | { client: unknown };

export async function createMysqlDriver(target: MysqlTarget, options: DriverOptions): Promise<Driver> {
  if ('client' in target) return new MysqlDriver(poolSource(target.client, poolDisplay(target.client)), options);
  let mysql: MysqlModule;
  try {
    const module = (await import('mysql2/promise')) as unknown as { default?: MysqlModule } & MysqlModule;
    mysql = module.default ?? module;
  } catch (error) {
    throw new ConfigError('config', 'the MySQL driver is not installed', { hint: 'run `npm install mysql2`' }, { cause: error });
  }
  return new MysqlDriver(urlSource(mysql, target.url, target.display, options.runId), options);
}

/** What the connection told strata when it was opened. */
interface ServerFacts {
  readonly database: string;
  readonly connectionId: number;
  readonly version: string;
  readonly versionComment: string;
}

class MysqlDriver implements Driver {
  readonly dialect = 'mysql' as const;
  readonly syntax = 'mysql' as const;
  readonly capabilities = { transactionalDdl: false, groupCommit: false, atomic: false, ddlLockTimeout: true };
  readonly displayName: string;

  private session: MysqlSession | null = null;
  private opening: Promise<MysqlSession | null> | null = null;
  /** Set when the URL's database does not exist: reads see nothing applied, changes fail with this. */
  private missingDatabase: ConnectionError | null = null;
  private facts: ServerFacts | null = null;
  private engine: MysqlEngine | null = null;
  /** SET SESSION that puts a pooled connection's variables back before it returns to the pool. */
  private restoreSession: string | null = null;
  private strategy: LockStrategy | null = null;
  private sessionLock: MysqlSessionLock | null = null;
  private lease: MysqlLease | null = null;
  /** When the lease was renewed inside the open transaction (null: not in this transaction). */
  private leaseRenewedInTransaction: number | null = null;
  /** Releasing the session lock failed: a pooled connection is destroyed, never returned. */
  private releaseFailed = false;
  private closed = false;

  constructor(
    private readonly source: SessionSource,
    private readonly options: DriverOptions,
  ) {
    this.displayName = source.display;
  }

  // ---- the run's connection ----

  /** The run's connection; null when the database does not exist (reads only). */
  private readConnection(): Promise<MysqlSession | null> {
    this.opening ??= this.connect();
    return this.opening;
  }

  private async connection(): Promise<MysqlSession> {
    const session = await this.readConnection();
    if (!session) throw this.missingDatabase!;
    return session;
  }

  private async connect(): Promise<MysqlSession | null> {
    let session: MysqlSession;
    try {
      session = await this.source.open();
    } catch (error) {
      if (error instanceof ConnectionError && isMissingDatabase(error.cause)) {
        this.missingDatabase = error;
        return null;
      }
      throw error;
    }
    try {
      await this.setUp(session);
    } catch (error) {
      await session.close(true);
      throw error;
    }
    this.session = session;
    return session;
  }

  /**
   * Reads who the server is, then bounds waits for table locks for the whole connection:
   * MySQL has no SET LOCAL, so `lock_wait_timeout` (metadata locks: DDL) and
   * `innodb_lock_wait_timeout` (row locks) are set once here, and put back before a pooled
   * connection is returned.
   */
  private async setUp(session: MysqlSession): Promise<void> {
    const [row] = await session.rows('SELECT DATABASE() AS db, CONNECTION_ID() AS id, VERSION() AS version, @@version_comment AS comment');
    if (!row || row.db === null || row.db === undefined || row.db === '') {
      throw new ConfigError('config', `${this.displayName} names no database`, {
        hint: 'put the database in the URL (mysql://user@host:3306/dbname) or in the pool options',
      });
    }
    this.facts = { database: String(row.db), connectionId: Number(row.id), version: String(row.version), versionComment: String(row.comment ?? '') };
    const family = engineFromVersion(this.facts.version, this.facts.versionComment);
    const settings: [string, string][] = [];
    const seconds = lockWaitSeconds(this.options.ddlLockTimeoutMs);
    // vtgate accepts only some session variables; Vitess keeps its own defaults.
    if (seconds !== null && family !== 'vitess') settings.push(['lock_wait_timeout', String(seconds)], ['innodb_lock_wait_timeout', String(seconds)]);
    const timeout = this.options.statementTimeoutMs > 0 ? statementTimeoutVariable(family) : null;
    if (timeout) settings.push([timeout.name, timeout.value(this.options.statementTimeoutMs)]);
    if (settings.length === 0) return;
    if (session.pooled) {
      const [current] = await session.rows(`SELECT ${settings.map(([name]) => `@@SESSION.${name} AS ${name}`).join(', ')}`);
      this.restoreSession = `SET SESSION ${settings.map(([name]) => `${name} = ${numberOrDefault(current?.[name])}`).join(', ')}`;
    }
    await session.exec(`SET SESSION ${settings.map(([name, value]) => `${name} = ${value}`).join(', ')}`);
  }

  private async detectEngine(): Promise<MysqlEngine> {
    if (this.engine) return this.engine;
    const session = await this.connection();
    const { version, versionComment } = this.facts!;
    let wsrepOn: boolean | null = null;
    if (needsWsrepProbe(version, versionComment)) {
      const [row] = await session.rows(`SHOW GLOBAL VARIABLES LIKE 'wsrep_on'`);
      if (row) wsrepOn = /^(on|1|true)$/i.test(String(row.Value ?? row.VALUE ?? ''));
    }
    this.engine = detectEngine({ version, versionComment, wsrepOn });
    return this.engine;
  }

  private trackingTable(suffix = ''): string {
    return qualified(this.facts!.database, `${this.options.table}${suffix}`);
  }

  async describe(): Promise<{ engine: string; lock: LockStrategy; serverVersion: string }> {
    const engine = await this.detectEngine();
    return { engine, lock: chooseLock(engine, this.options.lock), serverVersion: this.facts!.version };
  }

  // ---- lock ----

  private lockFor(strategy: LockStrategy, engine: MysqlEngine): MysqlSessionLock | MysqlLease {
    if (strategy === 'session') {
      this.sessionLock ??= new MysqlSessionLock(sessionLockName(this.facts!.database, this.options.table), getLockWaitSeconds(engine));
      return this.sessionLock;
    }
    this.lease ??= new MysqlLease({
      open: () => this.source.open('extra'),
      table: this.trackingTable('_lock'),
      runId: this.options.runId,
      ttlMs: this.options.leaseTtlMs,
      owner: programName(this.options.runId),
      host: hostname(),
      paused: () => this.leaseRenewedInTransaction !== null && this.inTransaction,
    });
    return this.lease;
  }

  async acquireLock(options: LockOptions): Promise<void> {
    const session = await this.connection();
    const engine = await this.detectEngine();
    const strategy = chooseLock(engine, this.options.lock);
    if (strategy === 'lease' && this.source.connectionLimit !== null && this.source.connectionLimit < 2) {
      throw new ConfigError('config', `the lease needs two connections of the application's pool at once, and its connectionLimit is ${this.source.connectionLimit}`, {
        hint: "raise the pool's connectionLimit to 2 or more (the lease renews on a connection of its own)",
      });
    }
    const lock = this.lockFor(strategy, engine);
    this.strategy = strategy;
    if (lock instanceof MysqlSessionLock) await lock.acquire(session, options);
    else await lock.acquire(options);
  }

  async releaseLock(): Promise<void> {
    if (this.sessionLock?.isHeld && !(await this.sessionLock.release())) this.releaseFailed = true;
    await this.lease?.release();
  }

  assertLockHeld(): void {
    if (this.strategy === 'session') this.sessionLock?.assertHeld();
    else if (this.strategy === 'lease') this.lease?.assertHeld();
  }

  /**
   * Read-only. Where GET_LOCK is trustworthy it is probed first; the lease row is probed too
   * (a run started with `--lock lease` holds that one), when its table exists.
   */
  async probeLock(): Promise<LockHolder | null> {
    const session = await this.readConnection();
    if (!session) return null;
    const engine = await this.detectEngine();
    const strategy = chooseLock(engine, this.options.lock);
    if (strategy === 'session') {
      const holder = await (this.lockFor('session', engine) as MysqlSessionLock).probe(session);
      if (holder) return holder;
    }
    return (this.lockFor('lease', engine) as MysqlLease).probe(session);
  }

  // ---- tracking (reads) ----

  private async columnsOf(session: MysqlSession, table: string): Promise<string[]> {
    const rows = await session.rows(
      'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [this.facts!.database, table],
    );
    return rows.map((r) => String(r.name));
  }

  /** One query; a table made by an older strata (columns missing) or a foreign one costs a second. */
  async readApplied(): Promise<AppliedMigration[] | null> {
    const session = await this.readConnection();
    if (!session) return null;
    let rows: Row[];
    try {
      rows = await session.rows(`SELECT ${selectList(APPLIED_COLUMNS)} FROM ${this.trackingTable()}`);
    } catch (error) {
      if (isMissingTable(error)) return null;
      if (!isUnknownColumn(error)) throw error;
      const columns = await this.columnsOf(session, this.options.table);
      assertStrataTable(this.options.table, columns);
      rows = await session.rows(`SELECT ${selectList(APPLIED_COLUMNS, new Set(columns))} FROM ${this.trackingTable()}`);
    }
    return rows.map(toApplied);
  }

  async readLog(limit: number): Promise<LogRow[]> {
    const session = await this.readConnection();
    if (!session) return [];
    const count = Math.max(0, Math.floor(limit));
    try {
      const rows = await session.rows(`SELECT ${selectList(['id', ...LOG_COLUMNS])} FROM ${this.trackingTable('_log')} ORDER BY id DESC LIMIT ${count}`);
      return rows.map(toLogRow);
    } catch (error) {
      if (isMissingTable(error)) return [];
      throw error;
    }
  }

  async readProtected(): Promise<boolean> {
    const session = await this.readConnection();
    if (!session) return false;
    try {
      const rows = await session.rows(`SELECT 1 AS hit FROM ${this.trackingTable('_log')} WHERE detail LIKE '%"protected":true%' LIMIT 1`);
      return rows.length > 0;
    } catch (error) {
      if (isMissingTable(error)) return false;
      throw error;
    }
  }

  // ---- tracking (writes) ----

  async ensureTracking(): Promise<void> {
    const session = await this.connection();
    const names = [this.options.table, `${this.options.table}_log`];
    const rows = await session.rows(
      'SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?)',
      [this.facts!.database, ...names],
    );
    // Compared without case: with lower_case_table_names the catalog holds lower-case names.
    const columns = (name: string) => {
      const found = rows.filter((r) => String(r.t).toLowerCase() === name.toLowerCase()).map((r) => String(r.c));
      return found.length === 0 ? null : new Set(found);
    };
    const applied = columns(names[0]!);
    const log = columns(names[1]!);
    if (applied) assertStrataTable(this.options.table, [...applied]);
    const statements = [
      applied ? upgradeSql(this.trackingTable(), 'applied', applied) : createAppliedTableSql(this.trackingTable()),
      log ? upgradeSql(this.trackingTable('_log'), 'log', log) : createLogTableSql(this.trackingTable('_log')),
    ];
    for (const statement of statements) if (statement) await session.exec(statement);
  }

  async writeApplied(row: AppliedMigration): Promise<void> {
    await this.trackingWrite(
      `REPLACE INTO ${this.trackingTable()} (${APPLIED_COLUMNS.join(', ')}) VALUES (${APPLIED_COLUMNS.map(() => '?').join(', ')})`,
      withDatetimes(APPLIED_COLUMNS, appliedValues(row)),
    );
  }

  async writeProgress(version: string, statementsDone: number, error: string | null): Promise<void> {
    await this.trackingWrite(`UPDATE ${this.trackingTable()} SET statements_done = ?, error = ? WHERE version = ?`, [statementsDone, error, version]);
  }

  async deleteApplied(version: string): Promise<void> {
    await this.trackingWrite(`DELETE FROM ${this.trackingTable()} WHERE version = ?`, [version]);
  }

  async deleteAllApplied(): Promise<void> {
    await this.trackingWrite(`DELETE FROM ${this.trackingTable()}`, []);
  }

  async appendLog(entry: LogEntry): Promise<void> {
    await this.trackingWrite(
      `INSERT INTO ${this.trackingTable('_log')} (${LOG_COLUMNS.join(', ')}) VALUES (${LOG_COLUMNS.map(() => '?').join(', ')})`,
      withDatetimes(LOG_COLUMNS, logValues(entry)),
    );
  }

  /**
   * Under a lease, every tracking write checks ownership in the same transaction: inside the
   * caller's transaction (once per transaction: the row lock it takes holds until the
   * commit), or in a short one of its own. A session lock needs no check: it lives as long
   * as this connection, which the write itself uses.
   */
  private async trackingWrite(sql: string, values: readonly unknown[]): Promise<void> {
    const session = await this.connection();
    const lease = this.strategy === 'lease' && this.lease?.isHeld ? this.lease : null;
    if (!lease) {
      await session.exec(sql, values);
      return;
    }
    if (session.inTransaction) {
      this.leaseRenewedInTransaction ??= await lease.checkInTransaction(session);
      await session.exec(sql, values);
      return;
    }
    // DDL may have ended the caller's transaction implicitly, and its lease check with it.
    this.leaseRenewedInTransaction = null;
    await session.exec('START TRANSACTION');
    try {
      const renewedAt = await lease.checkInTransaction(session);
      await session.exec(sql, values);
      await session.exec('COMMIT');
      lease.renewedInCommit(renewedAt);
    } catch (error) {
      if (!session.broken) await session.exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  // ---- transactions ----

  /** What the server said last: DDL ends a transaction implicitly, and this follows. */
  get inTransaction(): boolean {
    return this.session?.inTransaction ?? false;
  }

  async begin(): Promise<void> {
    const session = await this.connection();
    this.leaseRenewedInTransaction = null;
    await session.exec('START TRANSACTION');
  }

  async commit(): Promise<void> {
    const session = await this.connection();
    const renewedAt = this.leaseRenewedInTransaction;
    this.leaseRenewedInTransaction = null;
    await session.exec('COMMIT');
    if (renewedAt !== null) this.lease?.renewedInCommit(renewedAt);
  }

  async rollback(): Promise<void> {
    this.leaseRenewedInTransaction = null;
    const session = this.session;
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
   * values). `lockTimeout: false` (PostgreSQL's CONCURRENTLY) has no MySQL counterpart:
   * online DDL still takes a metadata lock briefly, which the session's timeout bounds.
   */
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

  async indexExists(index: string): Promise<boolean> {
    const session = await this.readConnection();
    return session ? indexExists(session, index) : false;
  }

  async info(): Promise<DatabaseInfo> {
    const session = await this.connection();
    return mysqlInfo(session, await this.detectEngine(), this.facts!.version);
  }

  async listObjects(): Promise<DbObject[]> {
    const session = await this.readConnection();
    if (!session) return [];
    const own = new Set(['', '_log', '_lock'].map((suffix) => `${this.options.table}${suffix}`.toLowerCase()));
    return listMysqlObjects(session, own);
  }

  async dropObjects(objects: readonly DbObject[]): Promise<void> {
    this.assertLockHeld();
    await dropMysqlObjects(await this.connection(), this.facts!.database, objects);
  }

  // ---- errors and signals ----

  errorFacts(error: unknown): ErrorFacts {
    return mysqlErrorFacts(error);
  }

  /** KILL QUERY from a short-lived second connection, only while a statement is running. */
  async cancel(): Promise<void> {
    const session = this.session;
    if (!session || session.running === 0 || !this.facts) return;
    const killer = await this.source.open('extra');
    try {
      await killer.exec(`KILL QUERY ${this.facts.connectionId}`);
    } catch (error) {
      // The connection is gone already: nothing left to cancel.
      if (errnoOf(error) !== ER.UNKNOWN_THREAD) throw error;
    } finally {
      await killer.close();
    }
  }

  /**
   * Lets go of the lock, then closes the connection strata opened, or returns the pooled one
   * with its session variables put back — destroyed instead when that, or releasing the
   * lock, failed (the application must not inherit a lock or strata's settings).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.releaseLock();
    await this.opening?.catch(() => undefined);
    const session = this.session;
    this.session = null;
    if (!session) return;
    let destroy = this.releaseFailed;
    if (session.pooled && !destroy && !session.broken) {
      try {
        if (session.inTransaction) await session.exec('ROLLBACK');
        if (this.restoreSession) await session.exec(this.restoreSession);
      } catch {
        destroy = true;
      }
    }
    await session.close(destroy);
  }
}

/** A session variable's value as SQL: the number read back, or DEFAULT when it was not one. */
function numberOrDefault(value: unknown): string {
  const number = Number(value);
  return value !== null && value !== undefined && value !== '' && Number.isFinite(number) ? String(number) : 'DEFAULT';
}
