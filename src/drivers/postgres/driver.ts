/**
 * The PostgreSQL driver (pg), also for CockroachDB and YugabyteDB. One dedicated connection per
 * run carries the lock, the tracking reads and writes and every migration; a second,
 * short-lived one renews a lease or cancels a statement.
 *
 * Two ways to run, by lock strategy:
 * - session (PostgreSQL's default): the connection is a real session strata has to itself,
 *   so `search_path` (for `schema`) and, outside transactions, `lock_timeout` /
 *   `statement_timeout` are set on the session — and put back before a connection that
 *   belongs to the application is handed back.
 * - lease (CockroachDB, YugabyteDB, PgBouncer in transaction pooling): no session state at
 *   all, since a pooler may run each statement on another server connection and pass a SET
 *   on to other clients. Settings are `SET LOCAL` inside a transaction; a statement outside
 *   one runs as `BEGIN; SET LOCAL …; <statement>; COMMIT` in one round trip. What cannot run
 *   inside a transaction block (CONCURRENTLY, VACUUM, a DO block that COMMITs) runs bare,
 *   without lock_timeout and with the connection's own search_path: schema-qualify the names
 *   in such statements. Only unnamed statements are used (no named prepared statements).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { ClientBase, QueryResult } from 'pg';
import { ConnectionError, LockTimeoutError, StrataError, messageOf } from '../../core/errors.js';
import type { AppliedMigration, LogEntry, LogRow } from '../../core/model.js';
import { isConcurrently, isTransactionControl } from '../../sql/classify.js';
import type { Capabilities, DatabaseInfo, DbObject, Driver, DriverOptions, ErrorFacts, LockHolder, LockOptions, LockStrategy, Row } from '../driver.js';
import { APPLIED_COLUMNS, LOG_COLUMNS, appliedValues, assertStrataTable, logValues, toApplied, toLogRow } from '../tracking-rows.js';
import { loadPg, openRunConnection, type PostgresTarget, type RunConnection } from './connection.js';
import { capabilitiesOf, chooseLock, detectEngine, serverVersionOf, type Engine } from './engine.js';
import {
  ACTIVE_SQL_TRANSACTION, DUPLICATE_SCHEMA, INVALID_CATALOG_NAME, DUPLICATE_TABLE, INVALID_SCHEMA_NAME, UNDEFINED_COLUMN, UNDEFINED_TABLE, UNIQUE_VIOLATION,
  connectionFailed, pgErrorFacts, scrub, sqlState,
} from './errors.js';
import * as introspect from './introspect.js';
import { AdvisoryLock, advisoryKeys, type RunQuery } from './lock.js';
import { PgLease } from './lease.js';
import { MissingDatabaseDriver } from './missing-database.js';
import {
  COLUMNS_SQL, appendLogSql, assertStrataLog, deleteAllAppliedSql, deleteAppliedSql, existingColumns, guarded, progressSql,
  selectAppliedSql, trackingDdl, upsertAppliedSql, type ExistingColumns, type TrackingNames,
} from './tracking.js';

export async function createPostgresDriver(target: PostgresTarget, options: DriverOptions): Promise<Driver> {
  const pg = await loadPg();
  let driver: PostgresDriver | undefined;
  let connection: RunConnection;
  try {
    connection = await openRunConnection(pg, target, applicationName(options.runId), (error) => driver?.connectionLost(error));
  } catch (error) {
    if ('url' in target && error instanceof ConnectionError && sqlState(error.cause) === INVALID_CATALOG_NAME) {
      return new MissingDatabaseDriver(target.display, error);
    }
    throw error;
  }
  try {
    const { rows } = await connection.client.query(`SELECT version() AS version, current_schema() AS schema, pg_backend_pid() AS pid,
      current_setting('search_path') AS search_path, current_setting('lock_timeout', true) AS lock_timeout,
      current_setting('statement_timeout', true) AS statement_timeout, current_setting('application_name') AS application_name`);
    const session = rows[0] as SessionFacts;
    const engine = detectEngine(session.version);
    driver = new PostgresDriver(connection, options, engine, chooseLock(engine, options.lock), session);
    await driver.configureSession();
    return driver;
  } catch (error) {
    await connection.release(true);
    if (error instanceof StrataError) throw error; // `--lock session` where it would be a no-op
    throw connectionFailed(error, connection.display, connection.secrets);
  }
}

interface SessionFacts {
  readonly version: string;
  readonly schema: string | null;
  readonly pid: number;
  readonly search_path: string;
  readonly lock_timeout: string | null;
  readonly statement_timeout: string | null;
  readonly application_name: string;
}

let packageVersion: string | undefined;
/** strata's version, read once (src/drivers/postgres → the package root, also from dist/drivers/postgres). */
function strataVersion(): string {
  packageVersion ??= (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return packageVersion;
}

/**
 * `strata <version> <host>:<pid> <run>` so waiters can name the holder. PostgreSQL keeps 63
 * bytes: the run id is cut to its first 8 characters and a long host name is shortened.
 */
export function applicationName(runId: string): string {
  const head = `strata ${strataVersion()} `;
  const tail = `:${process.pid} ${runId.slice(0, 8)}`;
  return `${head}${hostname().slice(0, Math.max(8, 63 - head.length - tail.length))}${tail}`;
}

/** DO blocks and CALLs may COMMIT part-way when they run outside a transaction block. */
const PROCEDURAL = /^\s*(?:(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)\s*)*(?:DO|CALL)\b/i;

const STARTS_TRANSACTION = /^\s*(?:BEGIN|START)\b/i;
const ENDS_TRANSACTION = /^\s*(?:COMMIT|END|ABORT|ROLLBACK(?!\s+TO\b)|PREPARE\s+TRANSACTION)\b/i;

/** "cannot run inside a transaction block", and COMMIT inside a DO block or procedure there. */
const NOT_IN_A_BLOCK = new Set([ACTIVE_SQL_TRANSACTION, '2D000']);

/** Whether a failed statement ran as one atomic unit, or was refused before it was sent. */
type Atomicity = boolean | 'not-run';

/** Whether `sql` names `schema` as a qualifier (`tenant.users`, `"Tenant".users`). */
function namesSchema(sql: string, schema: string): boolean {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const quoted = `"${escape(schema.replace(/"/g, '""'))}"\\s*\\.`;
  const plain = /^[a-z_][a-z0-9_$]*$/.test(schema) ? `|(?:^|[^A-Za-z0-9_$"])${escape(schema)}\\s*\\.` : '';
  return new RegExp(`${quoted}${plain}`, 'i').test(sql);
}

/** The one-row CTE tracking writes read under the session lock. */
const ALWAYS_OWNED = 'owned AS (SELECT 1 AS one)';

class PostgresDriver implements Driver {
  readonly dialect = 'postgres' as const;
  readonly syntax = 'postgres' as const;
  readonly capabilities: Capabilities;
  readonly displayName: string;

  private readonly client: ClientBase;
  private readonly names: TrackingNames;
  private readonly advisory: AdvisoryLock | null;
  private readonly lease: PgLease | null;
  /** Session values found on the connection, put back before an application's connection is returned. */
  private readonly original: { search_path: string; lock_timeout: string; statement_timeout: string; application_name: string };
  private session: { lock_timeout: string; statement_timeout: string };
  private sessionChanged = false;
  /** `BEGIN; SET LOCAL …` not sent yet: it travels with the transaction's first statement. */
  private pendingBegin: string | null = null;
  /** strata's own begin() … commit()/rollback() is open. */
  private ownTransaction = false;
  /** The connection is inside a transaction block (strata's, or a migration's own BEGIN) … */
  private blockOpen = false;
  /** … which an error aborted: nothing in it can commit. */
  private blockAborted = false;
  private broken: Error | null = null;
  private cancelRequested = false;
  private closed = false;
  /** Whether a failed statement ran atomically (see pgErrorFacts). */
  private readonly atomicity = new WeakMap<object, Atomicity>();

  constructor(
    private readonly connection: RunConnection,
    private readonly options: DriverOptions,
    private readonly engine: Engine,
    private readonly strategy: LockStrategy,
    private readonly facts: SessionFacts,
  ) {
    this.client = connection.client;
    this.capabilities = capabilitiesOf(engine);
    this.displayName = connection.display;
    const schema = options.schema ?? facts.schema ?? 'public';
    const q = introspect.quoteIdent;
    this.names = {
      schema,
      table: options.table,
      logTable: `${options.table}_log`,
      applied: `${q(schema)}.${q(options.table)}`,
      log: `${q(schema)}.${q(`${options.table}_log`)}`,
    };
    this.original = {
      search_path: facts.search_path,
      lock_timeout: facts.lock_timeout ?? '0',
      statement_timeout: facts.statement_timeout ?? '0',
      application_name: facts.application_name,
    };
    this.session = { lock_timeout: this.original.lock_timeout, statement_timeout: this.original.statement_timeout };
    const run: RunQuery = (sql, params) => this.raw(sql, params);
    if (strategy === 'session') {
      this.advisory = new AdvisoryLock(run, advisoryKeys(schema, options.table));
      this.lease = null;
    } else {
      this.advisory = null;
      this.lease = new PgLease({
        run,
        openSide: () => connection.openSide(applicationName(options.runId)),
        lockTable: `${q(schema)}.${q(`${options.table}_lock`)}`,
        createSchema: options.schema ? `CREATE SCHEMA IF NOT EXISTS ${q(options.schema)}` : null,
        runId: options.runId,
        owner: `strata ${strataVersion()} ${hostname()}:${process.pid} ${options.runId}`,
        host: hostname(),
        ttlMs: options.leaseTtlMs,
      });
    }
  }

  /**
   * Session mode: the schema goes on the session's search_path (only that schema, so an
   * unqualified name never reaches another tenant's table), and an application's connection
   * gets strata's application_name. Lease mode sets nothing here.
   */
  async configureSession(): Promise<void> {
    if (this.strategy !== 'session') return;
    const settings: [string, string][] = [];
    if (this.options.schema) settings.push(['search_path', introspect.quoteIdent(this.options.schema)]);
    if (this.connection.origin !== 'url') settings.push(['application_name', applicationName(this.options.runId)]);
    if (settings.length === 0) return;
    this.sessionChanged = true;
    await this.setConfig(settings);
  }

  private async setConfig(settings: readonly [string, string][]): Promise<void> {
    const calls = settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, false)`);
    await this.raw(`SELECT ${calls.join(', ')}`, settings.flat());
  }

  /** The run's connection broke (the server went away, or its backend was terminated). */
  connectionLost(error: Error): void {
    this.broken ??= scrub(error, this.connection.secrets);
    this.advisory?.forget();
  }

  async describe() {
    return { engine: this.engine as string, lock: this.strategy, serverVersion: serverVersionOf(this.engine, this.facts.version) };
  }

  // ---- statements on the run's connection ----

  /**
   * Where the connection stands after a query. pg reports the server's transaction status
   * after a success; after an error it may not have read it yet (the error arrives first),
   * but then the answer is known: a block that was open, or that the text opened, is aborted.
   */
  private track(sql: string, startedBlock: boolean, failed: boolean): void {
    if (failed) {
      this.blockOpen ||= startedBlock;
      this.blockAborted = this.blockOpen;
      return;
    }
    const status = typeof this.client.getTransactionStatus === 'function' ? this.client.getTransactionStatus() : null;
    if (status !== null) {
      this.blockOpen = status !== 'I';
      this.blockAborted = status === 'E';
    } else if (startedBlock || STARTS_TRANSACTION.test(sql)) {
      this.blockOpen = !ENDS_TRANSACTION.test(sql.slice(sql.lastIndexOf(';') + 1));
      this.blockAborted = false;
    } else if (ENDS_TRANSACTION.test(sql)) {
      this.blockOpen = false;
      this.blockAborted = false;
    }
  }

  /** One statement (or strata's own multi-statement string) as written; a pending BEGIN goes first. */
  private async raw(sql: string, params?: readonly unknown[]): Promise<QueryResult> {
    let text = sql;
    let startedBlock = STARTS_TRANSACTION.test(sql);
    try {
      let result: QueryResult;
      if (this.pendingBegin !== null) {
        const begin = this.pendingBegin;
        this.pendingBegin = null;
        startedBlock = true;
        if (!params || params.length === 0) {
          text = `${begin};\n${sql}`;
          result = lastResult(await this.client.query(text));
          this.track(text, true, false);
          return result;
        }
        await this.client.query(begin);
      }
      result = params && params.length > 0 ? await this.client.query(sql, [...params]) : await this.client.query(text);
      this.track(text, startedBlock, false);
      return result;
    } catch (error) {
      this.track(text, startedBlock, true);
      throw scrub(error, this.connection.secrets);
    }
  }

  /** `SET LOCAL` statements for a transaction (or a wrapped statement). */
  private localSettings(withLockTimeout: boolean): string[] {
    const settings: string[] = [];
    if (withLockTimeout && this.options.ddlLockTimeoutMs > 0 && this.capabilities.ddlLockTimeout) {
      settings.push(`SET LOCAL lock_timeout = '${Math.round(this.options.ddlLockTimeoutMs)}ms'`);
    }
    if (this.options.statementTimeoutMs > 0) settings.push(`SET LOCAL statement_timeout = '${Math.round(this.options.statementTimeoutMs)}ms'`);
    if (this.strategy === 'lease' && this.options.schema) settings.push(`SET LOCAL search_path TO ${introspect.quoteIdent(this.options.schema)}`);
    return settings;
  }

  /** A migration's statement: lock_timeout unless CONCURRENTLY, inside or outside a transaction. */
  private async statement(sql: string, params: readonly unknown[] | undefined, lockTimeout: boolean): Promise<QueryResult> {
    const withLockTimeout = lockTimeout && !isConcurrently(sql);
    const inTransaction = this.inTransaction;
    // Alone in autocommit a statement is atomic too — unless it manages transactions itself.
    const state: { atomic: Atomicity } = { atomic: inTransaction || (withLockTimeout && !PROCEDURAL.test(sql)) };
    try {
      if (inTransaction) return await this.raw(sql, params);
      if (this.strategy === 'session') {
        await this.sessionTimeouts(withLockTimeout);
        return await this.raw(sql, params);
      }
      if (isTransactionControl(sql)) {
        // A `transaction: off` migration's own BEGIN: its transaction gets the SET LOCALs too.
        const settings = STARTS_TRANSACTION.test(sql) ? this.localSettings(true) : [];
        return await this.raw([sql, ...settings].join(';\n'), params);
      }
      return await this.wrapped(sql, params, withLockTimeout, state);
    } catch (error) {
      if (error !== null && typeof error === 'object') this.atomicity.set(error, state.atomic);
      throw error;
    } finally {
      // A migration's own COMMIT/ROLLBACK ended a transaction whose tracking writes held the lease row.
      if (this.lease && !this.inTransaction) this.lease.transactionEnded(false);
    }
  }

  /** Session mode, outside a transaction: the session's timeouts, changed only when they differ. */
  private async sessionTimeouts(withLockTimeout: boolean): Promise<void> {
    const { ddlLockTimeoutMs, statementTimeoutMs } = this.options;
    const wanted = {
      lock_timeout: withLockTimeout && ddlLockTimeoutMs > 0 && this.capabilities.ddlLockTimeout ? `${Math.round(ddlLockTimeoutMs)}ms` : this.original.lock_timeout,
      statement_timeout: statementTimeoutMs > 0 ? `${Math.round(statementTimeoutMs)}ms` : this.original.statement_timeout,
    };
    if (wanted.lock_timeout === this.session.lock_timeout && wanted.statement_timeout === this.session.statement_timeout) return;
    this.sessionChanged = true;
    await this.setConfig([['lock_timeout', wanted.lock_timeout], ['statement_timeout', wanted.statement_timeout]]);
    this.session = wanted;
  }

  /**
   * Lease mode, outside a transaction: `BEGIN; SET LOCAL …; <statement>; COMMIT` — one round
   * trip without parameters. What cannot run in a transaction block (CONCURRENTLY; VACUUM and
   * the like fail there before doing anything) runs bare: without lock_timeout, and without the
   * schema's search_path — so with a configured schema it must name the schema itself.
   */
  private async wrapped(sql: string, params: readonly unknown[] | undefined, withLockTimeout: boolean, state: { atomic: Atomicity }): Promise<QueryResult> {
    const settings = this.localSettings(withLockTimeout);
    if (settings.length === 0) return this.raw(sql, params);
    if (withLockTimeout) {
      const bareAtomicity = state.atomic;
      state.atomic = true;
      const begin = ['BEGIN', ...settings].join('; ');
      try {
        if (!params || params.length === 0) {
          const all = (await this.raw(`${begin};\n${sql}\n;COMMIT`)) as unknown as QueryResult | QueryResult[];
          return Array.isArray(all) ? (all[all.length - 2] ?? all[0]!) : all;
        }
        await this.raw(begin);
        const result = await this.raw(sql, params);
        await this.raw('COMMIT');
        return result;
      } catch (error) {
        if (this.blockOpen) await this.raw('ROLLBACK').catch(() => undefined);
        if (!NOT_IN_A_BLOCK.has(sqlState(error) ?? '')) throw error;
        state.atomic = bareAtomicity;
      }
    }
    const schema = this.options.schema;
    if (schema && !namesSchema(sql, schema)) {
      state.atomic = 'not-run';
      throw new Error(
        `this statement cannot run inside a transaction, and in lease mode strata sets no session state, so it would not run with ` +
          `search_path = ${introspect.quoteIdent(schema)}; write the schema into its names (e.g. ${schema}.my_table) so it cannot reach another schema's objects`,
      );
    }
    return this.raw(sql, params);
  }

  async execute(sql: string, options: { lockTimeout?: boolean } = {}): Promise<void> {
    await this.statement(sql, undefined, options.lockTimeout !== false);
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.statement(sql, params, true)).rows as Row[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number }> {
    return { changes: (await this.statement(sql, params, true)).rowCount ?? 0 };
  }

  // ---- transactions ----

  get inTransaction(): boolean {
    if (this.pendingBegin !== null) return true;
    return this.blockOpen;
  }

  /** Sent with the transaction's first statement: BEGIN and its SET LOCALs cost no round trip of their own. */
  async begin(): Promise<void> {
    this.pendingBegin = ['BEGIN', ...this.localSettings(true)].join('; ');
    this.ownTransaction = true;
  }

  async commit(): Promise<void> {
    this.ownTransaction = false;
    if (this.pendingBegin !== null) {
      this.pendingBegin = null; // nothing ran in it
      this.lease?.transactionEnded(false);
      return;
    }
    const result = await this.raw('COMMIT');
    // COMMIT of a transaction an error aborted answers ROLLBACK, not an error.
    const committed = result.command === 'COMMIT';
    this.lease?.transactionEnded(committed);
    if (!committed) {
      throw Object.assign(new Error('the transaction was rolled back: a statement in it failed earlier'), { code: '25P02' });
    }
  }

  async rollback(): Promise<void> {
    this.ownTransaction = false;
    this.lease?.transactionEnded(false);
    if (this.pendingBegin !== null) {
      this.pendingBegin = null;
      return;
    }
    if (this.blockOpen) await this.raw('ROLLBACK');
  }

  async savepoint(name: string): Promise<void> {
    await this.raw(`SAVEPOINT ${introspect.quoteIdent(name)}`);
  }
  async releaseSavepoint(name: string): Promise<void> {
    await this.raw(`RELEASE SAVEPOINT ${introspect.quoteIdent(name)}`);
  }
  async rollbackToSavepoint(name: string): Promise<void> {
    await this.raw(`ROLLBACK TO SAVEPOINT ${introspect.quoteIdent(name)}`);
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

  private async trackingColumns(): Promise<ExistingColumns> {
    const { rows } = await this.raw(COLUMNS_SQL, [this.names.schema, [this.names.table, this.names.logTable]]);
    return existingColumns(this.names, rows as { relname: string; attname: string }[]);
  }

  /**
   * One query on the no-op path. A missing schema or table means nothing is applied; a table
   * without strata's columns is refused; an older strata's table is read with what it has.
   */
  async readApplied(): Promise<AppliedMigration[] | null> {
    // A failed query would abort an open transaction: look in the catalog first there.
    if (this.inTransaction) {
      const existing = (await this.trackingColumns()).applied;
      if (!existing) return null;
      assertStrataTable(this.options.table, existing);
      return (await this.raw(selectAppliedSql(this.names, existing))).rows.map(toApplied);
    }
    try {
      return (await this.raw(selectAppliedSql(this.names))).rows.map(toApplied);
    } catch (error) {
      const code = sqlState(error);
      if (code === UNDEFINED_TABLE || code === INVALID_SCHEMA_NAME) return null;
      if (code !== UNDEFINED_COLUMN) throw error;
      const existing = (await this.trackingColumns()).applied;
      if (!existing) return null;
      assertStrataTable(this.options.table, existing);
      return (await this.raw(selectAppliedSql(this.names, existing))).rows.map(toApplied);
    }
  }

  async readLog(limit: number): Promise<LogRow[]> {
    const existing = (await this.trackingColumns()).log;
    if (!existing) return [];
    assertStrataLog(this.names.logTable, existing);
    const columns = LOG_COLUMNS.map((c) => (existing.includes(c) ? c : `NULL AS ${c}`));
    const { rows } = await this.raw(`SELECT id, ${columns.join(', ')} FROM ${this.names.log} ORDER BY id DESC LIMIT $1`, [limit]);
    return rows.map(toLogRow);
  }

  async readProtected(): Promise<boolean> {
    const existing = (await this.trackingColumns()).log;
    if (!existing?.includes('detail')) return false;
    const { rows } = await this.raw(`SELECT EXISTS (SELECT 1 FROM ${this.names.log} WHERE detail::jsonb @> '{"protected": true}'::jsonb) AS found`);
    return (rows[0] as { found: boolean }).found;
  }

  async ensureTracking(): Promise<void> {
    const existing = await this.trackingColumns();
    if (existing.applied) assertStrataTable(this.options.table, existing.applied);
    if (existing.log) assertStrataLog(this.names.logTable, existing.log);
    const ddl = trackingDdl(this.names, existing);
    if (ddl.length === 0) return;
    if (this.options.schema) ddl.unshift(`CREATE SCHEMA IF NOT EXISTS ${introspect.quoteIdent(this.options.schema)}`);
    // One implicit transaction. Runners on other tables of the schema may race to create it.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.raw(ddl.join(';\n'));
        return;
      } catch (error) {
        const code = sqlState(error);
        if (attempt > 1 || (code !== UNIQUE_VIOLATION && code !== DUPLICATE_SCHEMA && code !== DUPLICATE_TABLE)) throw error;
      }
    }
  }

  /**
   * Every tracking write is one statement that also checks, and in lease mode extends, the
   * lease (the `owned` CTE). Not owned: nothing was written, and lock-lost is thrown so the
   * caller rolls back. `write` null: only the check.
   */
  private async trackingWrite(write: string | null, values: readonly unknown[]): Promise<void> {
    const lease = this.lease?.active ? this.lease : null;
    lease?.assertHeld();
    // A failed statement of a migration's own BEGIN … (transaction: off) left the connection in
    // an aborted transaction nothing can commit: end it so the progress can be recorded.
    if (this.pendingBegin === null && !this.ownTransaction && this.blockAborted) await this.raw('ROLLBACK');
    const inTransaction = this.inTransaction;
    const owned = lease ? lease.guard(values.length + 1, values.length + 2) : ALWAYS_OWNED;
    const params = lease ? [...values, ...lease.guardParams()] : values;
    const sentAt = Date.now();
    const sql = write === null ? `WITH ${owned} SELECT count(*)::int AS owned FROM owned` : guarded(owned, write);
    const { rows } = await this.raw(sql, params);
    lease?.afterGuardedWrite((rows[0] as { owned: number }).owned === 1, sentAt, inTransaction);
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

  private readonly runQuery: RunQuery = (sql, params) => this.raw(sql, params);

  tableExists(table: string): Promise<boolean> {
    return introspect.tableExists(this.runQuery, this.options.schema, table);
  }
  columnExists(table: string, column: string): Promise<boolean> {
    return introspect.columnExists(this.runQuery, this.options.schema, table, column);
  }
  indexExists(index: string): Promise<boolean> {
    return introspect.indexExists(this.runQuery, this.options.schema, index);
  }
  info(): Promise<DatabaseInfo> {
    return introspect.postgresInfo(this.runQuery, this.options.schema, this.engine, serverVersionOf(this.engine, this.facts.version));
  }
  listObjects(): Promise<DbObject[]> {
    const table = this.options.table;
    return introspect.listPostgresObjects(this.runQuery, this.options.schema, [table, `${table}_log`, `${table}_lock`]);
  }

  /** In one transaction, which in lease mode first checks the lease is still ours. */
  async dropObjects(objects: readonly DbObject[]): Promise<void> {
    if (objects.length === 0) return;
    const statements = objects.map((object) => introspect.dropStatement(this.names.schema, object));
    await this.begin();
    try {
      if (this.lease?.active) await this.trackingWrite(null, []);
      await this.raw(statements.join(';\n'));
      await this.commit();
    } catch (error) {
      if (this.inTransaction) await this.rollback().catch(() => undefined);
      throw error;
    }
  }

  // ---- errors and signals ----

  errorFacts(error: unknown): ErrorFacts {
    const atomic = error !== null && typeof error === 'object' ? this.atomicity.get(error) : undefined;
    return pgErrorFacts(error, atomic, this.cancelRequested);
  }

  /** pg_cancel_backend from a short-lived second connection (the run's one is busy). */
  async cancel(): Promise<void> {
    if (this.closed) return;
    this.cancelRequested = true;
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
    let destroy = this.broken !== null || (this.advisory?.failedToRelease ?? false);
    if (!destroy && this.connection.origin !== 'url') {
      try {
        if (this.inTransaction) await this.rollback();
        if (this.sessionChanged) {
          await this.setConfig([
            ['search_path', this.original.search_path],
            ['lock_timeout', this.original.lock_timeout],
            ['statement_timeout', this.original.statement_timeout],
            ['application_name', this.original.application_name],
          ]);
        }
      } catch {
        destroy = true;
      }
    }
    await this.connection.release(destroy);
  }
}

/** A simple query with several statements answers with one result each: the last is ours. */
function lastResult(result: QueryResult | QueryResult[]): QueryResult {
  return Array.isArray(result) ? result[result.length - 1]! : result;
}
