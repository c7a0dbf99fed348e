/**
 * Running statements on the run's one connection: its transaction state, and where
 * `lock_timeout`, `statement_timeout` and the schema's `search_path` come from.
 *
 * - Stateful (the session lock; PostgreSQL's default): the connection is a real session strata
 *   has to itself, so the schema goes on the session's search_path and, outside transactions,
 *   the timeouts are session settings — all put back before an application's connection is
 *   handed back.
 * - Stateless (the lease: CockroachDB, YugabyteDB, PgBouncer in transaction pooling): no
 *   session state at all, since a pooler may run each statement on another server connection
 *   and pass a SET on to other clients. Settings are `SET LOCAL` inside a transaction; a
 *   statement outside one runs as `BEGIN; SET LOCAL …; <statement>; COMMIT` in one round trip.
 *   What cannot run inside a transaction block (CONCURRENTLY, VACUUM, a DO block that COMMITs)
 *   runs bare — without lock_timeout and without the schema's search_path, so with a configured
 *   schema it must name the schema itself. Only unnamed statements are used.
 */
import type { ClientBase, QueryResult } from 'pg';
import { isConcurrently, isTransactionControl } from '../../sql/classify.js';
import { ACTIVE_SQL_TRANSACTION, scrub, sqlState } from './errors.js';
import { quoteIdent } from './introspect.js';
import { POSTGRES_SYNTAX } from './syntax.js';

export interface SessionSettings {
  /** Lease mode: nothing may outlive a transaction on the connection. */
  readonly stateless: boolean;
  /** The configured schema (null: the connection's default). */
  readonly schema: string | null;
  /** 0: off (or the engine cannot bound DDL lock waits). */
  readonly ddlLockTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** Set on a connection the application passed in (stateful only); a URL connection had it at start-up. */
  readonly applicationName: string | null;
}

/** What the connection's session had before strata touched it. */
export interface OriginalSettings {
  readonly search_path: string;
  readonly lock_timeout: string;
  readonly statement_timeout: string;
  readonly application_name: string;
}

/** Whether a failed statement ran as one atomic unit, or was refused before it was sent. */
export type Atomicity = boolean | 'not-run';

/** DO blocks and CALLs may COMMIT part-way when they run outside a transaction block. */
const PROCEDURAL = /^\s*(?:(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)\s*)*(?:DO|CALL)\b/i;
const STARTS_TRANSACTION = /^\s*(?:BEGIN|START)\b/i;
const ENDS_TRANSACTION = /^\s*(?:COMMIT|END|ABORT|ROLLBACK(?!\s+TO\b)|PREPARE\s+TRANSACTION)\b/i;
/** "cannot run inside a transaction block", and COMMIT inside a DO block or procedure there. */
const NOT_IN_A_BLOCK = new Set([ACTIVE_SQL_TRANSACTION, '2D000']);

export class PgSession {
  /** `BEGIN; SET LOCAL …` not sent yet: it travels with the transaction's first statement. */
  private pendingBegin: string | null = null;
  /**
   * Tracking writes of strata's own transaction not sent yet: they travel with the next
   * statement, usually the COMMIT, so a migration's row, its log row and the commit cost one
   * round trip. An error in one skips the rest of that text, COMMIT included.
   */
  private deferred: string[] = [];
  /** strata's own begin() … commit()/rollback() is open. */
  private ownTransaction = false;
  /** The connection is inside a transaction block (strata's, or a migration's own BEGIN) … */
  private blockOpen = false;
  /** … which an error aborted: nothing in it can commit. */
  private blockAborted = false;
  private current: { lock_timeout: string; statement_timeout: string };
  private changed = false;
  private readonly atomicity = new WeakMap<object, Atomicity>();
  /** Called when a transaction block ends (the lease learns whether its extensions committed). */
  onBlockEnded: (committed: boolean) => void = () => undefined;

  constructor(
    private readonly client: ClientBase,
    private readonly secrets: readonly string[],
    private readonly settings: SessionSettings,
    private readonly original: OriginalSettings,
  ) {
    this.current = { lock_timeout: original.lock_timeout, statement_timeout: original.statement_timeout };
  }

  /** Stateful: only the configured schema on the search_path, so an unqualified name never reaches another tenant's table. */
  async configure(): Promise<void> {
    if (this.settings.stateless) return;
    const wanted: [string, string][] = [];
    if (this.settings.schema) wanted.push(['search_path', quoteIdent(this.settings.schema)]);
    if (this.settings.applicationName) wanted.push(['application_name', this.settings.applicationName]);
    if (wanted.length === 0) return;
    this.changed = true;
    await this.setConfig(wanted);
  }

  /** Puts back what strata changed on the session (for a connection the application owns). */
  async restore(): Promise<void> {
    if (this.inTransaction) await this.rollback();
    if (!this.changed) return;
    await this.setConfig(Object.entries(this.original) as [string, string][]);
    this.changed = false;
  }

  private async setConfig(settings: readonly [string, string][]): Promise<void> {
    const calls = settings.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, false)`);
    await this.raw(`SELECT ${calls.join(', ')}`, settings.flat());
  }

  // ---- raw statements ----

  /** strata's own statement (or multi-statement string) as written; a pending BEGIN goes first. */
  async raw(sql: string, params?: readonly unknown[]): Promise<QueryResult> {
    let text = sql;
    let startedBlock = STARTS_TRANSACTION.test(sql);
    try {
      let result: QueryResult;
      if (this.pendingBegin !== null || this.deferred.length > 0) {
        const before = [...(this.pendingBegin !== null ? [this.pendingBegin] : []), ...this.deferred].join(';\n');
        startedBlock ||= this.pendingBegin !== null;
        this.pendingBegin = null;
        this.deferred = [];
        // Open from the moment its BEGIN is sent: a rollback() while this query is in flight (a
        // run stopped by a signal) must queue its ROLLBACK behind it. Finding nothing open, it
        // sent none, and the next transaction's COMMIT committed the stopped migration's work.
        if (startedBlock) this.blockOpen = true;
        if (!params || params.length === 0) {
          text = `${before};\n${sql}`;
          result = lastResult(await this.client.query(text));
          this.track(text, startedBlock, false);
          return result;
        }
        text = before;
        await this.client.query(before);
        text = sql;
      }
      if (startedBlock) this.blockOpen = true;
      result = params && params.length > 0 ? await this.client.query(sql, [...params]) : await this.client.query(text);
      this.track(text, startedBlock, false);
      return result;
    } catch (error) {
      this.track(text, startedBlock, true);
      throw scrub(error, this.secrets);
    }
  }

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

  // ---- a migration's statements ----

  /**
   * A migration's statement, inside or outside a transaction: with lock_timeout, unless it is a
   * CONCURRENTLY statement, which waits for other transactions by design. strata decides this
   * here only: the core passes every statement and never asks which ones wait.
   */
  async statement(sql: string, params: readonly unknown[] | undefined, lockTimeout: boolean): Promise<QueryResult> {
    const withLockTimeout = lockTimeout && !isConcurrently(sql, POSTGRES_SYNTAX);
    const inTransaction = this.inTransaction;
    // Alone in autocommit a statement is atomic too — unless it manages transactions itself.
    const state: { atomic: Atomicity } = { atomic: inTransaction || (withLockTimeout && !PROCEDURAL.test(sql)) };
    try {
      if (inTransaction) return await this.raw(sql, params);
      if (!this.settings.stateless) {
        await this.sessionTimeouts(withLockTimeout);
        return await this.raw(sql, params);
      }
      if (isTransactionControl(sql, POSTGRES_SYNTAX)) {
        // A `transaction: off` migration's own BEGIN: its transaction gets the SET LOCALs too.
        const settings = STARTS_TRANSACTION.test(sql) ? this.localSettings(true) : [];
        return await this.raw([sql, ...settings].join(';\n'), params);
      }
      return await this.wrapped(sql, params, withLockTimeout, state);
    } catch (error) {
      if (error !== null && typeof error === 'object') this.atomicity.set(error, state.atomic);
      throw error;
    } finally {
      // A migration's own COMMIT/ROLLBACK ended its block.
      if (!this.inTransaction) this.onBlockEnded(false);
    }
  }

  /** How a statement that failed had run (see pgErrorFacts); undefined for other errors. */
  atomicityOf(error: unknown): Atomicity | undefined {
    return error !== null && typeof error === 'object' ? this.atomicity.get(error) : undefined;
  }

  /** `SET LOCAL` statements for a transaction (or a wrapped statement). */
  private localSettings(withLockTimeout: boolean): string[] {
    const { ddlLockTimeoutMs, statementTimeoutMs, stateless, schema } = this.settings;
    const settings: string[] = [];
    if (withLockTimeout && ddlLockTimeoutMs > 0) settings.push(`SET LOCAL lock_timeout = '${Math.round(ddlLockTimeoutMs)}ms'`);
    if (statementTimeoutMs > 0) settings.push(`SET LOCAL statement_timeout = '${Math.round(statementTimeoutMs)}ms'`);
    if (stateless && schema) settings.push(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
    return settings;
  }

  /** Stateful, outside a transaction: the session's timeouts, changed only when they differ. */
  private async sessionTimeouts(withLockTimeout: boolean): Promise<void> {
    const { ddlLockTimeoutMs, statementTimeoutMs } = this.settings;
    const wanted = {
      lock_timeout: withLockTimeout && ddlLockTimeoutMs > 0 ? `${Math.round(ddlLockTimeoutMs)}ms` : this.original.lock_timeout,
      statement_timeout: statementTimeoutMs > 0 ? `${Math.round(statementTimeoutMs)}ms` : this.original.statement_timeout,
    };
    if (wanted.lock_timeout === this.current.lock_timeout && wanted.statement_timeout === this.current.statement_timeout) return;
    this.changed = true;
    await this.setConfig([['lock_timeout', wanted.lock_timeout], ['statement_timeout', wanted.statement_timeout]]);
    this.current = wanted;
  }

  /**
   * Stateless, outside a transaction: `BEGIN; SET LOCAL …; <statement>; COMMIT`, one round trip
   * without parameters. What cannot run in a transaction block fails there before doing
   * anything (or is CONCURRENTLY, known not to) and then runs bare.
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
          // One answer per statement: BEGIN, each SET LOCAL, ours, COMMIT.
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
    const schema = this.settings.schema;
    if (schema && !namesSchema(sql, schema)) {
      state.atomic = 'not-run';
      throw new Error(
        `this statement cannot run inside a transaction, and in lease mode strata sets no session state, so it would not run with ` +
          `search_path = ${quoteIdent(schema)}; write the schema into its names (e.g. ${schema}.my_table) so it cannot reach another schema's objects`,
      );
    }
    return this.raw(sql, params);
  }

  // ---- transactions ----

  get inTransaction(): boolean {
    return this.pendingBegin !== null || this.blockOpen;
  }

  /** Sent with the transaction's first statement: BEGIN and its SET LOCALs cost no round trip of their own. */
  /**
   * `durable: false`: the commit does not wait for the WAL flush. The run's last migration
   * (and any failure's log row) commits synchronously, which flushes all WAL before it, so
   * when strata reports success every migration is on disk; a server crash mid-run can lose
   * only whole recent migrations together with their tracking rows, never one without the other.
   */
  begin(durable = true): void {
    this.pendingBegin = ['BEGIN', ...this.localSettings(true), ...(durable ? [] : ['SET LOCAL synchronous_commit = off'])].join('; ');
    this.ownTransaction = true;
  }

  /** Whether a tracking write may be deferred: strata's own transaction is open. */
  get canDefer(): boolean {
    return this.ownTransaction;
  }

  /** Queues a parameterless statement of strata's own transaction (see `deferred`). */
  defer(sql: string): void {
    this.deferred.push(sql);
  }

  async commit(): Promise<void> {
    this.ownTransaction = false;
    if (this.pendingBegin !== null && this.deferred.length === 0) {
      this.pendingBegin = null; // nothing ran in it
      this.onBlockEnded(false);
      return;
    }
    const result = await this.raw('COMMIT');
    // COMMIT of a transaction an error aborted answers ROLLBACK, not an error.
    const committed = result.command === 'COMMIT';
    this.onBlockEnded(committed);
    if (!committed) {
      throw Object.assign(new Error('the transaction was rolled back: a statement in it failed earlier'), { code: '25P02' });
    }
  }

  async rollback(): Promise<void> {
    this.ownTransaction = false;
    this.deferred = [];
    this.onBlockEnded(false);
    if (this.pendingBegin !== null) {
      this.pendingBegin = null;
      return;
    }
    if (this.blockOpen) await this.raw('ROLLBACK');
  }

  /**
   * A failed statement of a migration's own BEGIN … (`transaction: off`) left the connection
   * in an aborted block nothing can commit: end it, so that progress can be recorded.
   */
  async endAbortedBlock(): Promise<void> {
    if (this.pendingBegin === null && !this.ownTransaction && this.blockAborted) await this.raw('ROLLBACK');
  }
}

/** A simple query with several statements answers with one result each: the last is ours. */
function lastResult(result: QueryResult | QueryResult[]): QueryResult {
  return Array.isArray(result) ? result[result.length - 1]! : result;
}

/** Whether `sql` names `schema` as a qualifier (`tenant.users`, `"Tenant".users`). */
export function namesSchema(sql: string, schema: string): boolean {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const quoted = `"${escape(schema.replace(/"/g, '""'))}"\\s*\\.`;
  const plain = /^[a-z_][a-z0-9_$]*$/.test(schema) ? `|(?:^|[^A-Za-z0-9_$"])${escape(schema)}\\s*\\.` : '';
  return new RegExp(`${quoted}${plain}`, 'i').test(sql);
}
