/**
 * The PostgreSQL driver (pg), also for CockroachDB and YugabyteDB. One dedicated connection per
 * run carries the lock, the tracking reads and writes and every migration (session.ts runs its
 * statements); a second, short-lived one renews a lease or cancels a statement.
 */
import type { BatchSupport } from '../../core/batch/support.js';
import { postgresBatch } from './batch.js';
import { ConnectionError, LockTimeoutError, StrataError, messageOf } from '../../core/errors.js';
import type { AppliedMigration, LogEntry, LogRow } from '../../core/model.js';
import type { AppliedChecksum, Capabilities, DatabaseInfo, DbObject, Driver, DriverOptions, ErrorFacts, LockHolder, LockOptions, LockStrategy, Row } from '../driver.js';
import type { Lease } from '../lease.js';
import type { LogSelect } from '../driver.js';
import { appliedValues, logValues } from '../tracking-rows.js';
import { loadPg, openRunConnection, sendCancelRequest, type PostgresTarget, type RunConnection } from './connection.js';
import { capabilitiesOf, chooseLock, detectEngine, serverVersionOf, type Engine } from './engine.js';
import {
  INVALID_CATALOG_NAME, connectionFailed, pgErrorFacts, scrub, sqlState,
} from './errors.js';
import * as introspect from './introspect.js';
import { postgresHistoryTables } from './history-tables.js';
import { invalidIndexHint } from './invalid-index.js';
import { postgresSchemaReader } from './schema-reader.js';
import { trackingTables, type SchemaReader } from '../../core/schema.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../connect-timeout.js';
import type { AdvisoryLock, RunQuery } from './lock.js';
import { postgresLocks } from './lock-wiring.js';
import type { PgLeaseStore } from './lease-store.js';
import { MissingDatabaseDriver } from './missing-database.js';
import { PgSession } from './session.js';
import { applicationName, readSessionFacts, runInitSql, type SessionFacts } from './session-facts.js';
import { ensureTrackingTables, readAppliedRows, readChecksumRows, readLogRows, readProtectedFlag, selectLogRows, type TrackingReader } from './tracking-reads.js';
import { POSTGRES_SYNTAX } from './syntax.js';
import { POSTGRES_LINT_PROFILE } from './lint.js';
import { postgresSafetyNet, type PgLogin } from './safety-net.js';
import type { SafetyNet } from '../safety-net.js';
import type { HistoryTables } from '../../core/ports/index.js';
import {
  appendLogSql, deleteAllAppliedSql, deleteAppliedSql, guarded, inlineParams, progressSql, upsertAppliedSql, type TrackingNames,
} from './tracking.js';

export { applicationName };

export async function createPostgresDriver(target: PostgresTarget, options: DriverOptions): Promise<Driver> {
  const pg = await loadPg();
  let driver: PostgresDriver | undefined;
  let connection: RunConnection;
  try {
    connection = await openRunConnection(pg, target, applicationName(options.runId), (error) => driver?.connectionLost(error), options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  } catch (error) {
    if ('url' in target && error instanceof ConnectionError && sqlState(error.cause) === INVALID_CATALOG_NAME) {
      return new MissingDatabaseDriver(target.display, error);
    }
    throw error;
  }
  try {
    // Before the session facts are read: an initSql `SET search_path` decides the schema.
    await runInitSql(connection, options.initSql ?? []);
  } catch (error) {
    await connection.release(true);
    throw error;
  }
  try {
    const session = await readSessionFacts(connection);
    const engine = detectEngine(session.version);
    driver = new PostgresDriver(connection, options, engine, chooseLock(engine, options.lock), session, (options.initSql ?? []).length > 0);
    await driver.configure();
    return driver;
  } catch (error) {
    await connection.release(true);
    if (error instanceof StrataError) throw error; // `--lock session` where it would be a no-op
    throw connectionFailed(error, connection.display, connection.secrets);
  }
}

/** The one-row CTE tracking writes read under the session lock. */
const ALWAYS_OWNED = 'owned AS (SELECT 1 AS one)';

class PostgresDriver implements Driver {
  readonly dialect = 'postgres' as const;
  readonly syntax = POSTGRES_SYNTAX;
  readonly findLockHolder = 'find it in pg_stat_activity (pg_blocking_pids names it)';

  quoteIdentifier(name: string): string {
    return introspect.quoteIdent(name);
  }
  readonly capabilities: Capabilities;
  readonly displayName: string;
  private batchSupport?: BatchSupport;
  get batch(): BatchSupport {
    return (this.batchSupport ??= postgresBatch(this, this.names.schema, this.options.table, this.engine === 'postgresql'));
  }
  readonly secrets: readonly string[];

  private readonly session: PgSession;
  private readonly names: TrackingNames;
  private readonly advisory: AdvisoryLock | null;
  private readonly lease: Lease | null;
  private readonly leaseStore: PgLeaseStore | null;
  private broken: Error | null = null;
  private cancelRequested = false;
  private closed = false;

  constructor(
    private readonly connection: RunConnection,
    private readonly options: DriverOptions,
    private readonly engine: Engine,
    private readonly strategy: LockStrategy,
    private readonly facts: SessionFacts,
    /** initSql ran on the connection: its session state is the project's, not the pool's. */
    private readonly initialised = false,
  ) {
    this.capabilities = capabilitiesOf(engine);
    this.displayName = connection.display;
    this.secrets = connection.secrets;
    const schema = options.schema ?? facts.schema ?? 'public';
    const q = introspect.quoteIdent;
    this.names = {
      schema,
      table: options.table,
      logTable: `${options.table}_log`,
      applied: `${q(schema)}.${q(options.table)}`,
      log: `${q(schema)}.${q(`${options.table}_log`)}`,
    };
    this.session = new PgSession(
      connection.client,
      connection.secrets,
      {
        stateless: strategy === 'lease',
        schema: options.schema,
        ddlLockTimeoutMs: this.capabilities.ddlLockTimeout ? options.ddlLockTimeoutMs : 0,
        statementTimeoutMs: options.statementTimeoutMs,
        applicationName: connection.origin === 'url' ? null : applicationName(options.runId),
      },
      {
        search_path: facts.search_path,
        lock_timeout: facts.lock_timeout ?? '0',
        statement_timeout: facts.statement_timeout ?? '0',
        application_name: facts.application_name,
      },
    );
    ({ advisory: this.advisory, lease: this.lease, leaseStore: this.leaseStore } = postgresLocks(strategy, {
      run: (sql, params) => this.session.raw(sql, params),
      openSide: () => connection.openSide(applicationName(options.runId)),
      options,
      schema,
      runInTransaction: () => this.session.inTransaction,
    }));
    if (this.lease) this.session.onBlockEnded = (committed) => this.lease?.transactionEnded(committed);
  }

  /** Session mode on a session strata has to itself: search_path and application_name. */
  configure(): Promise<void> {
    return this.session.configure();
  }

  /** The run's connection broke (the server went away, or its backend was terminated). */
  connectionLost(error: Error): void {
    this.broken ??= scrub(error, this.connection.secrets);
    this.advisory?.forget();
  }

  async lintProfile() {
    return POSTGRES_LINT_PROFILE;
  }

  async describe() {
    return { engine: this.engine as string, lock: this.strategy, serverVersion: serverVersionOf(this.engine, this.facts.version) };
  }

  // ---- statements and transactions (session.ts) ----

  async execute(sql: string): Promise<void> {
    await this.session.statement(sql, undefined, true);
  }
  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.session.statement(sql, params, true)).rows as Row[];
  }
  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    return { changes: (await this.session.statement(sql, params, true)).rowCount ?? 0 };
  }

  get inTransaction(): boolean {
    return this.session.inTransaction;
  }
  async begin(options: { durable?: boolean } = {}): Promise<void> {
    this.session.begin(options.durable ?? true);
  }
  commit(): Promise<void> {
    return this.session.commit();
  }
  rollback(): Promise<void> {
    return this.session.rollback();
  }
  async savepoint(name: string): Promise<void> {
    await this.session.raw(`SAVEPOINT ${introspect.quoteIdent(name)}`);
  }
  async releaseSavepoint(name: string): Promise<void> {
    await this.session.raw(`RELEASE SAVEPOINT ${introspect.quoteIdent(name)}`);
  }
  async rollbackToSavepoint(name: string): Promise<void> {
    await this.session.raw(`ROLLBACK TO SAVEPOINT ${introspect.quoteIdent(name)}`);
  }

  // ---- lock ----

  async acquireLock(options: LockOptions): Promise<void> {
    if (this.broken) throw this.broken;
    if (this.advisory) await this.advisory.acquire(options);
    else await this.lease!.acquire(options);
  }

  async releaseLock(): Promise<void> {
    if (this.inTransaction) await this.rollback().catch(() => undefined);
    await this.advisory?.release();
    await this.lease?.release();
  }

  assertLockHeld(): void {
    if (this.advisory && this.broken && (this.advisory.isHeld || this.advisory.failedToRelease)) {
      throw new LockTimeoutError('lock-lost', `the connection holding the migration lock was lost: ${messageOf(this.broken)}`, {
        hint: 'the migration in progress was rolled back; run `strata status`, then `strata up` again',
      });
    }
    this.lease?.assertHeld();
  }

  async probeLock(): Promise<LockHolder | null> {
    return this.advisory ? this.advisory.probe() : this.lease!.probe();
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
    await ensureTrackingTables(this.reader, this.options.schema);
  }

  /** What the tracking reads (tracking-reads.ts) need of this driver. */
  private get reader(): TrackingReader {
    return { raw: (sql, params) => this.session.raw(sql, params), names: this.names, table: this.options.table, inTransaction: this.inTransaction };
  }

  /**
   * Every tracking write is one statement that also checks, and in lease mode extends, the
   * lease (the `owned` CTE). Not owned: nothing was written, and lock-lost is thrown so the
   * caller rolls back. `write` null: only the check.
   */
  private async trackingWrite(write: string | null, values: readonly unknown[]): Promise<void> {
    const lease = this.lease?.active ? this.lease : null;
    lease?.assertHeld();
    await this.session.endAbortedBlock();
    if (!lease && write !== null && this.session.canDefer) {
      // Under the session lock the write cannot find the lock gone: send it with the COMMIT.
      this.session.defer(inlineParams(guarded(ALWAYS_OWNED, write), values));
      return;
    }
    const store = lease ? this.leaseStore! : null;
    const owned = store ? store.guard(values.length + 1, values.length + 2) : ALWAYS_OWNED;
    const params = store ? [...values, ...store.guardParams()] : values;
    const sentAt = Date.now();
    const sql = write === null ? `WITH ${owned} SELECT count(*)::int AS owned FROM owned` : guarded(owned, write);
    const { rows } = await this.session.raw(sql, params);
    lease?.checked((rows[0] as { owned: number }).owned === 1, sentAt);
  }

  async writeApplied(row: AppliedMigration): Promise<void> {
    await this.trackingWrite(upsertAppliedSql(this.names), appliedValues(row));
  }

  async writeProgress(version: string, statementsDone: number, error: string | null): Promise<void> {
    await this.trackingWrite(progressSql(this.names), [statementsDone, error, version]);
  }

  async deleteApplied(version: string): Promise<void> {
    await this.trackingWrite(deleteAppliedSql(this.names), [version]);
  }

  async deleteAllApplied(): Promise<void> {
    await this.trackingWrite(deleteAllAppliedSql(this.names), []);
  }

  async appendLog(entry: LogEntry): Promise<void> {
    await this.trackingWrite(`${appendLogSql(this.names)}`, logValues(entry));
  }

  // ---- introspection ----

  private readonly runQuery: RunQuery = (sql, params) => this.session.raw(sql, params);

  tableExists(table: string): Promise<boolean> {
    return introspect.tableExists(this.runQuery, this.options.schema, table);
  }
  columnExists(table: string, column: string): Promise<boolean> {
    return introspect.columnExists(this.runQuery, this.options.schema, table, column);
  }
  indexExists(index: string): Promise<boolean> {
    return introspect.indexExists(this.runQuery, this.options.schema, index);
  }
  historyTables(): HistoryTables {
    return postgresHistoryTables(this.runQuery, this.options.schema);
  }
  info(): Promise<DatabaseInfo> {
    return introspect.postgresInfo(this.runQuery, this.options.schema, this.engine, serverVersionOf(this.engine, this.facts.version));
  }
  listObjects(): Promise<DbObject[]> {
    return introspect.listPostgresObjects(this.runQuery, this.options.schema, trackingTables(this.options.table));
  }

  schemaReader(): SchemaReader {
    return postgresSchemaReader({ run: this.runQuery, inTransaction: () => this.inTransaction, schema: this.names.schema, table: this.options.table });
  }

  /** In one transaction, which in lease mode first checks the lease is still ours. */
  async dropObjects(objects: readonly DbObject[]): Promise<void> {
    if (objects.length === 0) return;
    const statements = objects.map((object) => introspect.dropStatement(this.names.schema, object));
    await this.begin();
    try {
      if (this.lease?.active) await this.trackingWrite(null, []);
      await this.session.raw(statements.join(';\n'));
      await this.commit();
    } catch (error) {
      if (this.inTransaction) await this.rollback().catch(() => undefined);
      throw error;
    }
  }

  // ---- errors and signals ----

  errorFacts(error: unknown): ErrorFacts {
    return pgErrorFacts(error, this.session.atomicityOf(error), this.cancelRequested);
  }

  /** After a failed CREATE INDEX CONCURRENTLY: the INVALID index it left, and the DROP INDEX CONCURRENTLY to run. */
  async failureHint(statement: string): Promise<string | null> {
    if (this.broken || this.inTransaction) return null;
    return invalidIndexHint(this.runQuery, statement, this.names.schema);
  }

  /**
   * Session mode: pg_cancel_backend(our backend) from a short-lived second connection. Lease
   * mode: the protocol's CancelRequest, since behind a transaction pooler the backend pid read
   * at connect may belong to another client's transaction by now.
   */
  async safetyNet(): Promise<SafetyNet> {
    return postgresSafetyNet({
      login: (this.connection.client as unknown as { connectionParameters?: PgLogin }).connectionParameters ?? null,
      query: (sql, params) => this.query(sql, params),
      execute: (sql) => this.execute(sql),
      secrets: this.connection.secrets,
    });
  }

  async cancel(): Promise<void> {
    if (this.closed) return;
    this.cancelRequested = true;
    if (this.strategy === 'lease') return sendCancelRequest(this.connection.client);
    const side = await this.connection.openSide(applicationName(this.options.runId));
    try {
      await side.query('SELECT pg_cancel_backend($1)', [this.facts.pid]);
    } finally {
      await side.end().catch(() => undefined);
    }
  }

  /**
   * Releases the lock, puts back what strata changed on an application's connection, and
   * gives the connection back — destroyed instead when its lock could not be released, so a
   * pool never hands a connection that still holds strata's lock to someone else.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.releaseLock();
    let destroy = this.broken !== null || (this.advisory?.failedToRelease ?? false) || (this.initialised && this.connection.origin === 'pool');
    if (!destroy && this.connection.origin !== 'url') {
      try {
        await this.session.restore();
      } catch {
        destroy = true;
      }
    }
    await this.connection.release(destroy);
  }
}

