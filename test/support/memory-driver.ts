/**
 * An in-memory Driver for testing the run strategies, failures and signals in milliseconds,
 * without a server (golang-migrate's stub driver, Umzug's memory storage). A "statement"
 * changes nothing but a list of effects; the tracking rows and the log are kept as a real
 * driver keeps them: inside the open transaction (with savepoints) until COMMIT.
 *
 * Capabilities can be switched (transactionalDdl, groupCommit, atomic), and faults injected:
 * fail the Nth statement (or one matching a pattern), fail the Nth COMMIT, lose the lock, or
 * run a hook before a statement (e.g. to abort the run's signal there).
 */
import { LockTimeoutError } from '../../src/core/errors.js';
import type { AppliedMigration, LogEntry, LogRow } from '../../src/core/model.js';
import type { AppliedChecksum, Capabilities, Driver, ErrorFacts, LockHolder, Row } from '../../src/drivers/driver.js';
import { SQLITE_SYNTAX } from '../../src/drivers/sqlite/syntax.js';

/** A database error with the facts the core asks about (`noEffect`: the statement did nothing). */
export class MemoryDbError extends Error {
  constructor(message: string, readonly facts: Partial<ErrorFacts> = {}) {
    super(message);
  }
}

/** What the database holds: committed or inside a transaction. */
interface MemoryState {
  readonly applied: Map<string, AppliedMigration>;
  readonly log: LogEntry[];
  /** Every statement whose effect is in the database, in order. */
  readonly effects: string[];
}

function copy(state: MemoryState): MemoryState {
  return { applied: new Map(state.applied), log: [...state.log], effects: [...state.effects] };
}

export interface MemoryDriverOptions {
  readonly capabilities?: Partial<Capabilities>;
  /**
   * With transactionalDdl false: which statements may join a transaction without committing
   * it (MySQL's DML). Default: none (`joinsTransaction` absent).
   */
  readonly joinsTransaction?: (statement: string) => boolean;
}

type Match = number | RegExp;

export class MemoryDriver implements Driver {
  readonly dialect = 'sqlite' as const;
  readonly syntax = SQLITE_SYNTAX;
  readonly capabilities: Capabilities;
  readonly displayName = 'memory';
  readonly findLockHolder = 'find the other run';
  readonly joinsTransaction?: (statement: string) => boolean;

  /** What is committed. */
  committed: MemoryState = { applied: new Map(), log: [], effects: [] };
  private tx: MemoryState | null = null;
  private readonly savepoints: { name: string; state: MemoryState }[] = [];
  /** Every call the core made, in order (`begin`, `commit`, `execute CREATE …`, …). */
  readonly calls: string[] = [];
  /** How many statements execute() was asked to run, including failed ones. */
  statementCount = 0;
  private commitCount = 0;
  private readonly statementFaults: { match: Match; error: Error }[] = [];
  private readonly commitFaults = new Set<number>();
  private rollbackCount = 0;
  private readonly rollbackFaults = new Set<number>();
  private lockLostAt: number | null = null;
  private readonly hooks: { match: Match; hook: () => void }[] = [];

  constructor(options: MemoryDriverOptions = {}) {
    this.capabilities = { transactionalDdl: true, groupCommit: false, atomic: true, ddlLockTimeout: false, ...options.capabilities };
    if (options.joinsTransaction) this.joinsTransaction = options.joinsTransaction;
  }

  // ---- Fault injection ----

  /** The Nth statement (1-based, counting every execute()) or the first matching one fails. */
  failStatement(match: Match, error: Error = new MemoryDbError(`injected failure of statement ${String(match)}`)): this {
    this.statementFaults.push({ match, error });
    return this;
  }

  /** The Nth COMMIT (1-based) fails, and the transaction stays open as SQLite leaves it. */
  failCommit(n: number): this {
    this.commitFaults.add(n);
    return this;
  }

  /** The Nth ROLLBACK (1-based) fails, and the transaction stays open (a connection that broke). */
  failRollback(n: number): this {
    this.rollbackFaults.add(n);
    return this;
  }

  /** assertLockHeld() throws `lock-lost` once this many statements ran. */
  loseLockAfter(statements: number): this {
    this.lockLostAt = statements;
    return this;
  }

  /** Runs `hook` just before the Nth (or matching) statement, e.g. to abort the run's signal. */
  beforeStatement(match: Match, hook: () => void): this {
    this.hooks.push({ match, hook });
    return this;
  }

  /** The state a reader sees now: committed rows only. */
  get appliedVersions(): string[] {
    return [...this.committed.applied.keys()];
  }

  private get state(): MemoryState {
    return this.tx ?? this.committed;
  }

  private matches(match: Match, sql: string): boolean {
    return typeof match === 'number' ? match === this.statementCount : match.test(sql);
  }

  // ---- Lock ----

  async describe() {
    return { engine: 'memory', lock: 'session' as const, serverVersion: '0' };
  }
  async acquireLock(): Promise<void> {}
  async releaseLock(): Promise<void> {}
  assertLockHeld(): void {
    if (this.lockLostAt !== null && this.statementCount >= this.lockLostAt) {
      throw new LockTimeoutError('lock-lost', 'the migration lock was lost (memory driver)', { hint: 'run the command again' });
    }
  }
  async probeLock(): Promise<LockHolder | null> {
    return null;
  }

  // ---- Tracking ----

  async readApplied(): Promise<AppliedMigration[] | null> {
    return [...this.state.applied.values()];
  }
  async readChecksums(): Promise<readonly AppliedChecksum[] | null> {
    return [...this.state.applied.values()].map((row) => [row.version, row.checksum, row.state] as const);
  }
  async readLog(limit: number): Promise<LogRow[]> {
    return this.state.log.map((entry, i) => ({ ...entry, id: i + 1 })).reverse().slice(0, limit);
  }
  async ensureTracking(): Promise<void> {}
  async writeApplied(row: AppliedMigration): Promise<void> {
    this.calls.push(`writeApplied ${row.version} ${row.state}`);
    this.state.applied.set(row.version, row);
  }
  async writeProgress(version: string, statementsDone: number, error: string | null): Promise<void> {
    this.calls.push(`writeProgress ${version} ${statementsDone}`);
    const row = this.state.applied.get(version);
    if (row) this.state.applied.set(version, { ...row, statementsDone, error });
  }
  async deleteApplied(version: string): Promise<void> {
    this.calls.push(`deleteApplied ${version}`);
    this.state.applied.delete(version);
  }
  async deleteAllApplied(): Promise<void> {
    this.state.applied.clear();
  }
  async appendLog(entry: LogEntry): Promise<void> {
    this.calls.push(`appendLog ${entry.version} ${entry.status}`);
    this.state.log.push(entry);
  }
  async readProtected(): Promise<boolean> {
    return false;
  }

  // ---- Transactions ----

  get inTransaction(): boolean {
    return this.tx !== null;
  }
  async begin(): Promise<void> {
    this.calls.push('begin');
    if (this.tx) throw new MemoryDbError('cannot start a transaction within a transaction');
    this.tx = copy(this.committed);
  }
  async commit(): Promise<void> {
    this.calls.push('commit');
    if (!this.tx) throw new MemoryDbError('cannot commit - no transaction is active');
    this.commitCount++;
    if (this.commitFaults.has(this.commitCount)) throw new MemoryDbError(`injected failure of COMMIT ${this.commitCount}`);
    this.committed = this.tx;
    this.tx = null;
    this.savepoints.length = 0;
  }
  async rollback(): Promise<void> {
    this.calls.push('rollback');
    if (!this.tx) throw new MemoryDbError('cannot rollback - no transaction is active');
    this.rollbackCount++;
    if (this.rollbackFaults.has(this.rollbackCount)) throw new MemoryDbError(`injected failure of ROLLBACK ${this.rollbackCount}`);
    this.tx = null;
    this.savepoints.length = 0;
  }
  async savepoint(name: string): Promise<void> {
    if (!this.tx) throw new MemoryDbError('SAVEPOINT outside a transaction');
    this.savepoints.push({ name, state: copy(this.tx) });
  }
  async releaseSavepoint(name: string): Promise<void> {
    const index = this.savepoints.map((s) => s.name).lastIndexOf(name);
    if (index === -1) throw new MemoryDbError(`no such savepoint: ${name}`);
    this.savepoints.length = index;
  }
  async rollbackToSavepoint(name: string): Promise<void> {
    const index = this.savepoints.map((s) => s.name).lastIndexOf(name);
    if (index === -1 || !this.tx) throw new MemoryDbError(`no such savepoint: ${name}`);
    this.tx = copy(this.savepoints[index]!.state);
    this.savepoints.length = index + 1;
  }

  // ---- Statements ----

  quoteIdentifier(name: string): string {
    return `"${name.replaceAll('"', '""')}"`;
  }

  async execute(sql: string): Promise<void> {
    this.statementCount++;
    this.calls.push(`execute ${sql}`);
    for (const { match, hook } of this.hooks) if (this.matches(match, sql)) hook();
    const fault = this.statementFaults.find(({ match }) => this.matches(match, sql));
    if (fault) throw fault.error;
    // Without transactional DDL a statement that does not join the transaction commits it
    // implicitly and cannot be rolled back: its effect lands in the committed state.
    const joins = this.capabilities.transactionalDdl || (this.joinsTransaction?.(sql) ?? false);
    if (this.tx && !joins) {
      this.committed = this.tx;
      this.tx = null;
      this.savepoints.length = 0;
    }
    this.state.effects.push(sql);
  }
  async query(): Promise<Row[]> {
    return [];
  }
  async run(sql: string): Promise<{ changes: number }> {
    await this.execute(sql);
    return { changes: 0 };
  }

  // ---- Introspection: nothing to see ----

  async tableExists(): Promise<boolean> {
    return false;
  }
  async columnExists(): Promise<boolean> {
    return false;
  }
  async indexExists(): Promise<boolean> {
    return false;
  }
  async info() {
    return { engine: 'memory', serverVersion: '0', sizeBytes: null, tables: [] };
  }
  async listObjects() {
    return [];
  }
  async dropObjects(): Promise<void> {}

  errorFacts(error: unknown): ErrorFacts {
    const facts = error instanceof MemoryDbError ? error.facts : {};
    return { lockTimeout: false, noEffect: false, cancelled: false, ...facts };
  }
  async cancel(): Promise<void> {}
  async close(): Promise<void> {}
}
