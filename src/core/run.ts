/**
 * Runs a plan: each transactional migration and its tracking row commit together or not at
 * all; what cannot be transactional follows the dirty protocol (§6). Consecutive
 * transactional migrations share one commit where the driver says a commit is expensive
 * (SQLite), each inside its own SAVEPOINT so a failure still rolls back only itself.
 */
import { performance } from 'node:perf_hooks';
import type { Driver, IntegrityViolation } from '../drivers/driver.js';
import { isConcurrently, tableOfStatement } from '../sql/classify.js';
import type { Statement } from '../sql/split.js';
import { statementsOf } from './script-statements.js';
import { inTransaction } from './transaction.js';
import { createDbHandle } from './db-handle.js';
import { AbortError, MigrationError, StrataError, messageOf } from './errors.js';
import type { EventListener } from './events.js';
import type { AppliedMigration, Db, LoadedMigration, Step } from './model.js';

/** Group-commit bounds: a failure late in a long group would otherwise hold the write lock long. */
const GROUP_MAX_MIGRATIONS = 500;
const GROUP_MAX_MS = 250;
/** How long a run may go without letting the event loop turn (signals, timers). */
const EVENT_LOOP_TURN_MS = 50;

export interface RunContext {
  readonly driver: Driver;
  readonly runId: string;
  readonly appliedBy: string;
  /** Migrations folder for `db.execFile`; null for list sources. */
  readonly dir: string | null;
  readonly signal: AbortSignal | undefined;
  readonly emit: EventListener;
  readonly ddlRetries: number;
  readonly now: () => Date;
  /** Recorded in every log row of the run (e.g. the environment, and whether it is protected). */
  readonly logDetail: Record<string, unknown> | null;
}

export interface PlannedMigration {
  readonly migration: LoadedMigration;
  /** The tracking row, for a migration being rolled back. */
  readonly row: AppliedMigration | null;
}

export interface RunOutcome {
  readonly applied: string[];
  readonly rolledBack: string[];
}

type Direction = 'up' | 'down';

/** Thrown inside a step to carry the failing statement's line and the statements that ran. */
class StepFailure extends Error {
  constructor(
    readonly original: unknown,
    readonly statement: Statement | null,
    readonly statementsDone: number,
  ) {
    super(messageOf(original), { cause: original });
  }
}

export async function runPlan(ctx: RunContext, direction: Direction, plan: readonly PlannedMigration[], options: { atomic: boolean }): Promise<RunOutcome> {
  const { driver } = ctx;
  const outcome: RunOutcome = { applied: [], rolledBack: [] };
  const finished = direction === 'up' ? outcome.applied : outcome.rolledBack;
  let group: { startedAt: number; members: string[] } | null = null;
  /** A finished dirty-protocol migration whose completion waits to share the next commit. */
  let waiting: Completion | null = null;
  const recordWaiting = async () => {
    if (!waiting) return;
    const completion = waiting;
    waiting = null;
    await inTransaction(ctx.driver, () => recordCompletion(ctx, completion));
    finished.push(completion.migration.version);
  };
  const atomicMembers: string[] = [];
  let current: PlannedMigration | null = null;

  const closeGroup = async () => {
    if (!group) return;
    const members = group.members;
    group = null;
    await driver.commit();
    finished.push(...members);
  };

  // Foreign-key enforcement (§2), where the driver can switch it: off for every migration
  // unless it asks to keep it on. It can change only between transactions, so a group ends
  // before a migration that needs the other setting. `enforcing` is null where it is not
  // known: a migration outside a transaction may have switched it itself.
  let enforcing: boolean | null = null;
  let switched = false;
  const enforceForeignKeys = async (enforce: boolean) => {
    if (!driver.setForeignKeys || enforcing === enforce) return;
    await driver.setForeignKeys(enforce);
    enforcing = enforce;
    switched = true;
  };
  const restoreForeignKeys = async () => {
    if (!switched || !driver.restoreForeignKeys) return;
    switched = false;
    enforcing = null;
    await driver.restoreForeignKeys();
  };

  ctx.emit({ type: 'run-start', direction, total: plan.length });
  let lastTurn = performance.now();
  try {
    if (options.atomic) {
      // One transaction, one setting: `up` refuses an atomic plan that mixes them.
      await enforceForeignKeys(plan.length > 0 && plan.every((p) => keepsForeignKeys(p.migration)));
      await driver.begin();
    }
    for (const [index, item] of plan.entries()) {
      current = item;
      // On SQLite every await resolves at once: without a turn of the event loop, signal
      // handlers and timers would wait for the whole run to end.
      if (performance.now() - lastTurn >= EVENT_LOOP_TURN_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastTurn = performance.now();
      }
      throwIfAborted(ctx);
      driver.assertLockHeld();
      const m = item.migration;
      ctx.emit({ type: 'migration-start', direction, version: m.version, name: m.name, index, total: plan.length });
      const started = performance.now();
      const transactional = m.meta.transaction && driver.capabilities.transactionalDdl;

      if (options.atomic) {
        await runTransactional(ctx, direction, item, started);
        atomicMembers.push(m.version);
      } else if (!transactional) {
        await closeGroup();
        await enforceForeignKeys(keepsForeignKeys(m));
        const previous: Completion | null = waiting;
        let previousRecorded = false;
        waiting = null;
        try {
          waiting = await runDirty(ctx, direction, item, started, previous, () => (previousRecorded = true));
          // Its own `PRAGMA foreign_keys = ON` took effect (no transaction ignores it).
          enforcing = null;
        } catch (error) {
          // The previous completion waits again, unless it was recorded or is itself what failed.
          if (previous && !previousRecorded && !(error instanceof CompletionFailure)) waiting = previous;
          throw error;
        } finally {
          if (previous && previousRecorded) finished.push(previous.migration.version);
        }
      } else if (driver.capabilities.groupCommit) {
        await recordWaiting();
        if (group && driver.setForeignKeys && enforcing !== keepsForeignKeys(m)) await closeGroup();
        if (!group) {
          await enforceForeignKeys(keepsForeignKeys(m));
          await driver.begin();
          group = { startedAt: performance.now(), members: [] };
        }
        const savepoint = 'strata_migration';
        await withRetries(ctx, item, async () => {
          await driver.savepoint(savepoint);
          try {
            await runTransactional(ctx, direction, item, started);
            await driver.releaseSavepoint(savepoint);
          } catch (error) {
            await driver.rollbackToSavepoint(savepoint);
            await driver.releaseSavepoint(savepoint);
            throw error;
          }
        });
        group.members.push(m.version);
        if (group.members.length >= GROUP_MAX_MIGRATIONS || performance.now() - group.startedAt >= GROUP_MAX_MS) await closeGroup();
      } else {
        await recordWaiting();
        // Only the run's last commit must wait for the disk: it makes every earlier one durable too.
        const durable = index === plan.length - 1;
        await enforceForeignKeys(keepsForeignKeys(m));
        await withRetries(ctx, item, () => inTransaction(driver, () => runTransactional(ctx, direction, item, started), { durable }));
        finished.push(m.version);
      }
      ctx.emit({ type: 'migration-done', direction, version: m.version, name: m.name, durationMs: Math.round(performance.now() - started), index, total: plan.length });
    }
    await closeGroup();
    await recordWaiting();
    if (options.atomic) {
      await driver.commit();
      finished.push(...atomicMembers);
    }
    await restoreForeignKeys();
    return outcome;
  } catch (error) {
    // Earlier members of a savepoint group succeeded: they commit. An atomic run rolls back whole.
    if (options.atomic && driver.inTransaction) await driver.rollback().catch(() => undefined);
    else if (group) await closeGroup().catch(() => undefined);
    else if (driver.inTransaction) await driver.rollback().catch(() => undefined);
    await recordWaiting().catch(() => undefined);
    await restoreForeignKeys().catch((restoreError: unknown) => {
      ctx.emit({ type: 'log', version: current?.migration.version ?? '', message: `could not restore the connection's foreign-key setting: ${messageOf(restoreError)}` });
    });
    if (error instanceof CompletionFailure) {
      // A trailing statement of an earlier migration failed: it stays dirty with its progress.
      const { completion, failure: stepFailure } = error;
      current = completion.item;
      error = stepFailure;
      await driver.writeProgress(completion.version, stepFailure.statementsDone, messageOf(stepFailure.original)).catch(() => undefined);
    }
    if (error instanceof IntegrityFailure && current && (options.atomic || rolledBackAlone(ctx, current.migration))) {
      await error.compareWithBefore(ctx).catch((checkError: unknown) => {
        ctx.emit({ type: 'log', version: current?.migration.version ?? '', message: `could not check the rows without the failed migration: ${messageOf(checkError)}` });
      });
    }
    const failure = describeFailure(ctx, direction, current, error, options.atomic, await driverHint(ctx, error));
    failure.applied = outcome.applied;
    failure.rolledBack = outcome.rolledBack;
    if (current && !(error instanceof StrataError && error.code === 'lock-lost')) {
      ctx.emit({ type: 'migration-failed', direction, version: current.migration.version, name: current.migration.name, error: failure.message });
      await appendLog(ctx, direction, current.migration, 'failed', failure.message, null).catch(() => undefined);
    }
    throw failure;
  }
}

/** Runs a transactional migration's step and writes its tracking and log rows in the open transaction. */
async function runTransactional(ctx: RunContext, direction: Direction, item: PlannedMigration, started: number): Promise<void> {
  const m = item.migration;
  const db = handleFor(ctx, () => undefined);
  if (direction === 'up') await precheck(m, db);
  await runStep(ctx, m.version, stepOf(item, direction), db);
  if (direction === 'up') await verify(m, db);
  await checkIntegrity(ctx);
  const durationMs = Math.round(performance.now() - started);
  if (direction === 'up') await ctx.driver.writeApplied(appliedRow(ctx, m, durationMs));
  else await ctx.driver.deleteApplied(item.row!.version);
  await appendLog(ctx, direction, m, 'success', null, durationMs);
}

/**
 * What a finished dirty-protocol migration still has to record: its `applied` row (or, rolled
 * back, the removal of its row) and its success log row. It is written in the same commit as
 * the next migration's dirty row when there is one (§6: on MySQL every migration takes this
 * path, and a commit costs a sync), else on its own.
 */
interface Completion {
  readonly item: PlannedMigration;
  readonly migration: LoadedMigration;
  readonly direction: Direction;
  readonly row: AppliedMigration | null;
  readonly version: string;
  readonly durationMs: number;
  /**
   * The step's statements after its last one that commits implicitly (MySQL: DML after the
   * DDL): they run inside the completion's transaction, saving a commit each, and roll back
   * with it. Empty for code steps and where the driver cannot tell.
   */
  readonly trailing: readonly Statement[];
  /** Statements of the step that ran before `trailing`. */
  readonly statementsDone: number;
}

/** A completion's trailing statement failed: the failure belongs to that migration, not the next. */
class CompletionFailure extends Error {
  constructor(
    readonly completion: Completion,
    readonly failure: StepFailure,
  ) {
    super(failure.message, { cause: failure });
  }
}

/** Inside the caller's transaction: the trailing statements, then the row and the success log row. */
async function recordCompletion(ctx: RunContext, completion: Completion): Promise<void> {
  const { migration: m, direction } = completion;
  for (const statement of completion.trailing) {
    try {
      await ctx.driver.execute(statement.text);
    } catch (error) {
      // The trailing statements before it roll back with the transaction: they did not happen.
      throw new CompletionFailure(completion, new StepFailure(error, statement, completion.statementsDone));
    }
  }
  const done = completion.statementsDone + completion.trailing.length;
  if (direction === 'up') await ctx.driver.writeApplied({ ...completion.row!, statementsDone: done });
  else await ctx.driver.deleteApplied(completion.version);
  await appendLog(ctx, direction, m, 'success', null, completion.durationMs);
}

/**
 * The dirty protocol, for what cannot be rolled back (MySQL DDL, `transaction: off`): the row
 * is committed `dirty` first (together with the previous migration's completion, if one is
 * waiting), statements are counted as they run, and only success sets it `applied` (or,
 * rolling back, removes it) — returned as a Completion for the caller to record. A failure
 * records how many statements ran and the error; a crash part-way leaves the row dirty.
 */
async function runDirty(
  ctx: RunContext,
  direction: Direction,
  item: PlannedMigration,
  started: number,
  previous: Completion | null,
  onPreviousRecorded: () => void,
): Promise<Completion> {
  const { driver } = ctx;
  const m = item.migration;
  let done = 0;
  const db = handleFor(ctx, () => {
    done++;
  });
  const dirtyBase = direction === 'up' ? appliedRow(ctx, m, null) : item.row!;
  await inTransaction(ctx.driver, async () => {
    if (previous) await recordCompletion(ctx, previous);
    await driver.writeApplied({ ...dirtyBase, state: 'dirty', dirtyOperation: direction, statementsDone: 0, error: null });
  });
  if (previous) onPreviousRecorded();
  // The precheck runs after that commit, so it sees the previous migration whole.
  if (direction === 'up') {
    try {
      await precheck(m, db);
    } catch (error) {
      await driver.deleteApplied(m.version);
      throw error;
    }
  }
  const step = stepOf(item, direction);
  const trailing = trailingStatements(ctx, m, step, direction);
  try {
    await runStep(ctx, m.version, step, db, async (statementsDone) => {
      done = statementsDone;
    }, step.type === 'sql' ? statementsOf(step.script, driver.syntax).length - trailing.length : undefined);
    if (direction === 'up') await verify(m, db);
    // Nothing can be rolled back here: a violation leaves the migration dirty (§6).
    await checkIntegrity(ctx);
  } catch (error) {
    const original = error instanceof StepFailure ? error.original : error;
    if (error instanceof StepFailure && error.statement !== null) done = error.statementsDone;
    const noEffect = done === 0 && driver.errorFacts(original).noEffect;
    if (noEffect) {
      // Nothing ran: the dirty marker is withdrawn and only the failed log row stays.
      if (direction === 'up') await driver.deleteApplied(m.version);
      else await driver.writeApplied(item.row!);
    } else {
      await driver.writeProgress(m.version, done, messageOf(original));
    }
    throw error;
  }
  const durationMs = Math.round(performance.now() - started);
  return {
    item,
    migration: m,
    direction,
    row: direction === 'up' ? { ...appliedRow(ctx, m, durationMs), statementsDone: done } : null,
    version: direction === 'up' ? m.version : item.row!.version,
    durationMs,
    trailing,
    statementsDone: done,
  };
}

/**
 * A SQL step's statements after its last one that would commit implicitly. Only for
 * migrations that asked for a transaction (`transaction: off` means "never wrap mine"), and
 * not when a verify must see the migration whole before it is recorded.
 */
function trailingStatements(ctx: RunContext, m: LoadedMigration, step: Step, direction: Direction): readonly Statement[] {
  const joins = ctx.driver.joinsTransaction;
  if (!joins || step.type !== 'sql' || !m.meta.transaction || (direction === 'up' && m.verify)) return [];
  const statements = statementsOf(step.script, ctx.driver.syntax);
  let first = statements.length;
  while (first > 0 && joins.call(ctx.driver, statements[first - 1]!.text)) first--;
  return statements.slice(first);
}

async function runStep(ctx: RunContext, version: string, step: Step, db: () => Db, onProgress?: (done: number) => Promise<void>, count?: number): Promise<void> {
  if (step.type === 'code') {
    try {
      await step.fn(db());
    } catch (error) {
      throw new StepFailure(error, null, 0);
    }
    return;
  }
  const statements = statementsOf(step.script, ctx.driver.syntax).slice(0, count);
  for (const [i, statement] of statements.entries()) {
    throwIfAborted(ctx);
    ctx.driver.assertLockHeld();
    try {
      await executeWithRetries(ctx, statement, onProgress !== undefined, version);
    } catch (error) {
      throw new StepFailure(error, statement, i);
    }
    if (onProgress) await onProgress(i + 1);
  }
}

/**
 * A lock-wait timeout means the statement had no effect. Outside a transaction the statement
 * itself is retried; inside one the whole migration is (withRetries), because the
 * transaction is aborted.
 */
async function executeWithRetries(ctx: RunContext, statement: Statement, retryHere: boolean, version: string): Promise<void> {
  const lockTimeout = !isConcurrently(statement.text, ctx.driver.syntax);
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.driver.execute(statement.text, { lockTimeout });
      return;
    } catch (error) {
      if (!retryHere || !ctx.driver.errorFacts(error).lockTimeout || attempt > ctx.ddlRetries) throw error;
      ctx.emit({ type: 'ddl-retry', version, attempt, table: tableOfStatement(statement.text, ctx.driver.syntax) });
      await backoff(ctx, attempt);
    }
  }
}

async function withRetries(ctx: RunContext, item: PlannedMigration, attemptOnce: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce();
    } catch (error) {
      const original = error instanceof StepFailure ? error.original : error;
      if (!ctx.driver.errorFacts(original).lockTimeout || attempt > ctx.ddlRetries) throw error;
      const table = error instanceof StepFailure && error.statement ? tableOfStatement(error.statement.text, ctx.driver.syntax) : null;
      ctx.emit({ type: 'ddl-retry', version: item.migration.version, attempt, table });
      await backoff(ctx, attempt);
    }
  }
}

async function backoff(ctx: RunContext, attempt: number): Promise<void> {
  const ms = Math.min(5000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
  await new Promise((resolve) => setTimeout(resolve, ms));
  throwIfAborted(ctx);
}

async function precheck(m: LoadedMigration, db: () => Db): Promise<void> {
  if (!m.precheck) return;
  let result: unknown;
  try {
    result = await m.precheck(db());
  } catch (error) {
    throw new MigrationError('precheck-failed', `${m.file ?? m.id}: precheck threw: ${messageOf(error)}`, {
      migration: m.id, file: m.file, hint: 'nothing of this migration ran; make the precheck pass (or fix it) and run `strata up` again',
    }, { cause: error });
  }
  if (result === false) {
    throw new MigrationError('precheck-failed', `${m.file ?? m.id}: precheck returned false, so the migration did not run`, {
      migration: m.id, file: m.file, hint: 'nothing of this migration ran; bring the database to the state the precheck expects and run `strata up` again',
    });
  }
}

async function verify(m: LoadedMigration, db: () => Db): Promise<void> {
  if (!m.verify) return;
  let result: unknown;
  try {
    result = await m.verify(db());
  } catch (error) {
    throw new MigrationError('verify-failed', `${m.file ?? m.id}: verify threw: ${messageOf(error)}`, { migration: m.id, file: m.file }, { cause: error });
  }
  if (result === false) {
    throw new MigrationError('verify-failed', `${m.file ?? m.id}: verify returned false after the migration ran`, { migration: m.id, file: m.file });
  }
}

/** Whether `m` runs with foreign keys enforced (`-- foreign-keys: on`, `foreignKeys: true`). */
function keepsForeignKeys(m: LoadedMigration): boolean {
  return m.meta.foreignKeys === true;
}

/** Rows left pointing nowhere fail the migration before it is recorded (§2). */
class IntegrityFailure extends Error {
  private readonly found: string;

  constructor(violations: readonly IntegrityViolation[]) {
    const found = violations.map(describeViolation).join('; ');
    super(`foreign key check failed: ${found}`);
    this.found = found;
  }

  /**
   * After the migration was rolled back: rows that violate a key without it predate it (a
   * database written with foreign keys off), and the user must fix those, not the file.
   */
  async compareWithBefore(ctx: RunContext): Promise<void> {
    if (!ctx.driver.checkIntegrity || ctx.driver.inTransaction) return;
    const before = await ctx.driver.checkIntegrity();
    if (before.length === 0) return;
    const without = before.map(describeViolation).join('; ');
    this.message += without === this.found ? ' — they were there before this migration ran' : ` — and without this migration: ${without}`;
  }
}

function describeViolation(v: IntegrityViolation): string {
  const ids = v.rowids.map((id) => (id === null ? '?' : String(id))).join(', ');
  return `${v.rows} row${v.rows === 1 ? '' : 's'} of ${v.table} (rowid ${ids}${v.rows > v.rowids.length ? ', …' : ''}) reference${v.rows === 1 ? 's' : ''} no row of ${v.parent}`;
}

async function checkIntegrity(ctx: RunContext): Promise<void> {
  if (!ctx.driver.checkIntegrity) return;
  const violations = await ctx.driver.checkIntegrity();
  if (violations.length > 0) throw new IntegrityFailure(violations);
}

/** A transactional migration that failed left nothing behind (its savepoint or transaction rolled back). */
function rolledBackAlone(ctx: RunContext, m: LoadedMigration): boolean {
  return m.meta.transaction && ctx.driver.capabilities.transactionalDdl;
}

function stepOf(item: PlannedMigration, direction: Direction): Step {
  return direction === 'up' ? item.migration.up : item.migration.down!;
}

/** The `db` handle, built on first use: SQL migrations without checks never need one. */
function handleFor(ctx: RunContext, onStatement: () => void): () => Db {
  let db: Db | undefined;
  return () => (db ??= createDbHandle({
    driver: ctx.driver,
    dir: ctx.dir,
    log: (message) => ctx.emit({ type: 'log', version: '', message }),
    beforeStatement: () => {
      throwIfAborted(ctx);
      ctx.driver.assertLockHeld();
    },
    onStatement,
  }));
}

function appliedRow(ctx: RunContext, m: LoadedMigration, durationMs: number | null): AppliedMigration {
  return {
    version: m.version,
    name: m.name,
    description: m.meta.description,
    checksum: m.checksum,
    kind: m.kind,
    depends: m.meta.depends,
    appliedAt: ctx.now().toISOString(),
    durationMs,
    appliedBy: ctx.appliedBy,
    state: 'applied',
    dirtyOperation: null,
    statementsDone: null,
    error: null,
  };
}

async function appendLog(ctx: RunContext, direction: Direction, m: LoadedMigration, status: 'success' | 'failed', error: string | null, durationMs: number | null): Promise<void> {
  await ctx.driver.appendLog({
    runId: ctx.runId,
    version: m.version,
    name: m.name,
    operation: direction,
    status,
    error,
    checksum: m.checksum,
    startedAt: ctx.now().toISOString(),
    durationMs,
    appliedBy: ctx.appliedBy,
    detail: ctx.logDetail,
  });
}

function throwIfAborted(ctx: RunContext): void {
  if (ctx.signal?.aborted) throw new AbortError();
}

/** What the driver adds about a failed statement (e.g. the INVALID index of a failed CREATE INDEX CONCURRENTLY). */
async function driverHint(ctx: RunContext, error: unknown): Promise<string | null> {
  if (!ctx.driver.failureHint || !(error instanceof StepFailure) || !error.statement || ctx.signal?.aborted) return null;
  return ctx.driver.failureHint(error.statement.text, error.original).catch(() => null);
}

/** One error for the user: what failed, where (file and line), what state it left, what to do. */
function describeFailure(ctx: RunContext, direction: Direction, item: PlannedMigration | null, error: unknown, atomic: boolean, driverNote: string | null = null): StrataError {
  const original = error instanceof StepFailure ? error.original : error;
  const m = item?.migration;
  if (ctx.signal?.aborted && !(original instanceof StrataError && original.code !== 'aborted')) {
    return new AbortError(
      m ? `stopped during ${m.file ?? m.id}: ${atomic || (m.meta.transaction && ctx.driver.capabilities.transactionalDdl) ? 'it was rolled back' : 'it is left dirty with its progress recorded'}` : 'stopped',
      { migration: m?.id ?? null, file: m?.file ?? null },
    );
  }
  if (original instanceof StrataError) return original;
  if (!m) return new MigrationError('migration-failed', messageOf(original), {}, { cause: original });

  const statement = error instanceof StepFailure ? error.statement : null;
  const line = statement?.line ?? lineFromStack(original, m.file);
  const where = `${m.file ?? m.id}${line ? ` failed at line ${line}` : ' failed'}`;
  const transactional = atomic || (m.meta.transaction && ctx.driver.capabilities.transactionalDdl);
  const facts = ctx.driver.errorFacts(original);
  const command = direction === 'up' ? 'strata up' : 'strata down';
  if (facts.lockTimeout) {
    const table = statement ? tableOfStatement(statement.text, ctx.driver.syntax) : null;
    const step = direction === 'up' ? m.up : m.down;
    // Retried: a transactional migration whole, a non-transactional SQL migration statement by statement.
    const retried = !atomic && (transactional || step?.type === 'sql');
    const next = transactional
      ? `run \`${command}\` again (or raise --ddl-lock-timeout)`
      : `check what of ${m.id} ran and run \`strata repair --applied ${m.version}\` or \`--rolled-back ${m.version}\` (it is recorded dirty)`;
    return new MigrationError('ddl-lock-timeout', `${where}: waited too long for a lock${table ? ` on table ${table}` : ''} (${retried ? `${ctx.ddlRetries} retries` : 'not retried'}): ${messageOf(original)}`, {
      migration: m.id, file: m.file, line,
      hint: `another session holds a lock${table ? ` on ${table}` : ''}; find it (pg_stat_activity / SHOW PROCESSLIST), let it finish, then ${next}`,
    }, { cause: original });
  }
  // The rows a foreign key check names may predate the migration: then they are what to fix.
  const fix = (what: string) => (original instanceof IntegrityFailure ? `fix ${what} or the rows named (they may predate it)` : `fix ${what}`);
  const hint = atomic
    ? `the whole run was rolled back; ${fix(m.file ?? m.id)} and run \`${command}\` again`
    : transactional
      ? `the failed ${direction === 'up' ? 'migration' : 'rollback'} of ${m.id} was undone${earlierNote(direction)}; ${fix('the file')} and run \`${command}\` again`
      : `${m.id} is recorded dirty: check what of it ran, then \`strata repair --applied ${m.version}\` (you finished it by hand) or \`strata repair --rolled-back ${m.version}\` (you undid it)`;
  return new MigrationError('migration-failed', `${where}: ${messageOf(original)}`, { migration: m.id, file: m.file, line, hint: driverNote ? `${driverNote}; then ${hint}` : hint }, { cause: original });
}

function earlierNote(direction: Direction): string {
  return direction === 'up' ? ' (migrations before it in this run stay applied)' : ' (migrations before it in this run stay rolled back)';
}

function lineFromStack(error: unknown, file: string | null): number | null {
  if (!file || !(error instanceof Error) || !error.stack) return null;
  const base = file.split(/[\\/]/).pop()!;
  for (const frame of error.stack.split('\n')) {
    const index = frame.indexOf(base);
    if (index === -1) continue;
    const match = /:(\d+):\d+\)?\s*$/.exec(frame.slice(index));
    if (match) return Number(match[1]);
  }
  return null;
}
