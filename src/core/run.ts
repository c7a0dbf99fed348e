/**
 * Runs a plan: each transactional migration and its tracking row commit together or not at
 * all; what cannot be transactional follows the dirty protocol (§6). Consecutive
 * transactional migrations share one commit where the driver says a commit is expensive
 * (SQLite), each inside its own SAVEPOINT so a failure still rolls back only itself.
 */
import { performance } from 'node:perf_hooks';
import type { Driver, IntegrityViolation } from '../drivers/driver.js';
import { tableOfStatement } from '../sql/classify.js';
import type { Statement } from '../sql/split.js';
import { statementsOf } from './script-statements.js';
import { inTransaction } from './transaction.js';
import { untilAborted } from './until-aborted.js';
import { MigrationTimeout, startDeadline, type Deadline } from './migration-deadline.js';
import { createDbHandle } from './db-handle.js';
import { AbortError, MigrationError, StrataError, messageOf } from './errors.js';
import type { EventListener, StrataEvent } from './events.js';
import type { AppliedMigration, Db, LoadedMigration, Step } from './model.js';
import { scrubError, type Redact } from './redact.js';

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
  /** How long one migration may run before it fails; 0 = no limit. */
  readonly migrationTimeoutMs: number;
  /** Removes passwords from every text the run stores (error columns) or reports (errors, `db.log`). */
  readonly redact: Redact;
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
  /** A migration counts as applied (or rolled back), and says so, only once its commit succeeded. */
  const committed = (done: Done) => {
    finished.push(done.item.migration.version);
    ctx.emit(done.event);
  };
  let group: { startedAt: number; members: Done[] } | null = null;
  /** A finished dirty-protocol migration whose completion waits to share the next commit. */
  let waiting: Completion | null = null;
  /** A completion whose recording failed: it is the migration whose statements ran last. */
  let recordFailed: Completion | null = null;
  const recordWaiting = async () => {
    if (!waiting) return;
    const completion = waiting;
    waiting = null;
    try {
      await inTransaction(ctx.driver, () => recordCompletion(ctx, completion));
    } catch (error) {
      recordFailed = completion;
      throw error;
    }
    committed(completion.done);
  };
  const atomicMembers: Done[] = [];
  let current: PlannedMigration | null = null;
  let deadline: Deadline | null = null;

  const closeGroup = async () => {
    if (!group) return;
    const members = group.members;
    group = null;
    await commitMembers(driver, members);
    for (const done of members) committed(done);
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
      current = null;
      // On SQLite every await resolves at once: without a turn of the event loop, signal
      // handlers and timers would wait for the whole run to end.
      if (performance.now() - lastTurn >= EVENT_LOOP_TURN_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastTurn = performance.now();
      }
      // Stopped between two migrations: nothing of this one ran, so it gets no `failed` row.
      if (ctx.signal?.aborted) throw new AbortError(`stopped before ${item.migration.file ?? item.migration.id} started: nothing of it ran`, { migration: item.migration.id, file: item.migration.file });
      current = item;
      driver.assertLockHeld();
      const m = item.migration;
      ctx.emit({ type: 'migration-start', direction, version: m.version, name: m.name, index, total: plan.length });
      const started = performance.now();
      const transactional = m.meta.transaction && driver.capabilities.transactionalDdl;
      deadline = startDeadline(ctx, m, options.atomic ? 'the whole run was rolled back' : transactional ? 'it was rolled back' : 'it is left dirty');
      const mctx = deadline.ctx;
      const done = (): Done => ({ item, event: { type: 'migration-done', direction, version: m.version, name: m.name, durationMs: Math.round(performance.now() - started), index, total: plan.length } });

      if (options.atomic) {
        await runTransactional(mctx, direction, item, started);
        atomicMembers.push(done());
      } else if (!transactional) {
        await closeGroup();
        await enforceForeignKeys(keepsForeignKeys(m));
        const previous: Completion | null = waiting;
        let previousRecorded = false;
        waiting = null;
        // The previous migration is said to be applied as soon as the commit that records it
        // (with this one's dirty marker) succeeds, not when this one ends.
        const previousCommitted = () => {
          previousRecorded = true;
          committed(previous!.done);
        };
        try {
          waiting = await runDirty(mctx, direction, item, started, previous, previousCommitted, done);
          // Its own `PRAGMA foreign_keys = ON` took effect (no transaction ignores it).
          enforcing = null;
        } catch (error) {
          // The previous completion waits again, unless it was recorded or is itself what failed.
          if (previous && !previousRecorded && !(error instanceof CompletionFailure)) waiting = previous;
          throw error;
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
        await withRetries(mctx, item, async () => {
          await driver.savepoint(savepoint);
          try {
            await runTransactional(mctx, direction, item, started);
            await driver.releaseSavepoint(savepoint);
          } catch (error) {
            await driver.rollbackToSavepoint(savepoint);
            await driver.releaseSavepoint(savepoint);
            throw error;
          }
        });
        group.members.push(done());
        if (group.members.length >= GROUP_MAX_MIGRATIONS || performance.now() - group.startedAt >= GROUP_MAX_MS) await closeGroup();
      } else {
        await recordWaiting();
        // Only the run's last commit must wait for the disk: it makes every earlier one durable too.
        const durable = index === plan.length - 1;
        await enforceForeignKeys(keepsForeignKeys(m));
        await withRetries(mctx, item, () => inTransaction(driver, () => runTransactional(mctx, direction, item, started), { durable }));
        committed(done());
      }
      deadline.clear();
    }
    current = null;
    await closeGroup();
    await recordWaiting();
    if (options.atomic) {
      // A signal during the last migration's final await must not commit the whole run.
      await safePoint(ctx);
      await commitMembers(driver, atomicMembers);
      for (const done of atomicMembers) committed(done);
    }
    await restoreForeignKeys();
    return outcome;
  } catch (caught) {
    let error = caught;
    deadline?.clear();
    const withdrawn = error instanceof DirtyWithdrawn;
    if (error instanceof DirtyWithdrawn) error = error.failure;
    // The time ran out: whatever the step then failed with (a cancelled statement, a stop), the
    // failure is the timeout — unless the run's own signal came too (a stop wins).
    const expired = deadline?.expired ?? null;
    if (expired && !ctx.signal?.aborted && !(unwrap(error) instanceof MigrationTimeout)) error = expired;
    /** Members of a savepoint group that had succeeded but whose commit failed: none of them is applied. */
    let lost: GroupCommitFailure | null = error instanceof GroupCommitFailure ? error : null;
    // Earlier members of a savepoint group succeeded: they commit. An atomic run rolls back whole.
    if (options.atomic && driver.inTransaction) await driver.rollback().catch(() => undefined);
    else if (group) {
      const members = group.members;
      try {
        await closeGroup();
      } catch (commitError) {
        // Whatever stopped the commit, the earlier members were not committed.
        if (driver.inTransaction) await driver.rollback().catch(() => undefined);
        lost = commitError instanceof GroupCommitFailure ? commitError : new GroupCommitFailure(members, commitError, null);
      }
    } else if (driver.inTransaction) await driver.rollback().catch(() => undefined);
    /** A finished dirty-protocol migration not recorded yet: the last one whose statements ran. */
    const unrecorded: Completion | null = recordFailed ?? waiting;
    // Recording a finished migration failed (not a trailing statement of it): the failure is
    // that migration's (it stays dirty), not the next one's, which never started.
    if (recordFailed && !(error instanceof CompletionFailure)) current = (recordFailed as Completion).item;
    const stoppedBefore: Completion | null = waiting;
    if (stoppedBefore && ctx.signal?.aborted && stoppedBefore.trailing.length > 0) {
      // Stopped before a finished migration's trailing statements ran: they never will, so
      // it stays dirty with its progress instead of running statements after the signal.
      waiting = null;
      await driver.writeProgress(stoppedBefore.version, stoppedBefore.statementsDone, 'stopped by a signal before its last statements ran').catch(() => undefined);
      if (!current || error instanceof AbortError) {
        current = stoppedBefore.item;
        error = new AbortError(`stopped during ${stoppedBefore.migration.file ?? stoppedBefore.migration.id}: it is left dirty with ${statements(stoppedBefore.statementsDone)} done`, {
          migration: stoppedBefore.migration.id, file: stoppedBefore.migration.file, hint: dirtyHint(stoppedBefore.migration),
        });
      }
    }
    await recordWaiting().catch(() => undefined);
    await restoreForeignKeys().catch((restoreError: unknown) => {
      ctx.emit({ type: 'log', version: current?.migration.version ?? '', message: `could not restore the connection's foreign-key setting: ${messageOf(restoreError)}` });
    });
    if (error instanceof CompletionFailure) {
      // A trailing statement of an earlier migration failed: it stays dirty with its progress.
      const { completion, failure: stepFailure } = error;
      current = completion.item;
      error = stepFailure;
      await driver.writeProgress(completion.version, stepFailure.statementsDone, ctx.redact(messageOf(stepFailure.original))).catch(() => undefined);
    }
    if (error instanceof IntegrityFailure && current && (options.atomic || rolledBackAlone(ctx, current.migration))) {
      await error.compareWithBefore(ctx).catch((checkError: unknown) => {
        ctx.emit({ type: 'log', version: current?.migration.version ?? '', message: `could not check the rows without the failed migration: ${messageOf(checkError)}` });
      });
    }
    let failure: StrataError;
    if (error instanceof GroupCommitFailure) {
      failure = describeCommitFailure(ctx, error, direction, options.atomic);
    } else {
      const droppedBy = await trackingDroppedBy(ctx, error, unrecorded?.item ?? current);
      failure = droppedBy
        ? describeTrackingDropped(ctx, droppedBy, error, direction)
        : describeFailure(ctx, direction, current, error, options.atomic, await driverHint(ctx, error), withdrawn);
      if (droppedBy) current = droppedBy;
      if (lost && !(failure instanceof AbortError)) failure = withLostGroup(failure, lost, direction);
    }
    failure.applied = outcome.applied;
    failure.rolledBack = outcome.rolledBack;
    // The members of a group whose commit failed failed too: their success log rows rolled back
    // with it. A lost lock leaves the log alone (another runner may hold it now).
    const lockLost = isLockLost(error) || (error instanceof GroupCommitFailure && isLockLost(error.original));
    const failed: [LoadedMigration, string][] = [];
    if (lost) {
      const message = lost === error ? failure.message : describeCommitFailure(ctx, lost, direction, options.atomic).message;
      for (const done of lost.members) failed.push([done.item.migration, message]);
    }
    if (current && !(error instanceof GroupCommitFailure)) failed.push([current.migration, failure.message]);
    if (!lockLost) {
      for (const [m, message] of failed) ctx.emit({ type: 'migration-failed', direction, version: m.version, name: m.name, error: message });
      if (failed.length > 0) {
        try {
          await inTransaction(driver, async () => {
            for (const [m, message] of failed) await appendLog(ctx, direction, m, 'failed', message, null);
          });
        } catch (logError) {
          // On a full disk this can fail too: say so rather than lose the audit trail silently.
          if (!(failure instanceof AbortError)) failure = withHint(failure, `${failure.hint ?? 'see the error above'} (the failed log ${failed.length === 1 ? 'row' : 'rows'} could not be written: ${messageOf(logError)})`);
        }
      }
    }
    throw failure;
  }
}

/** A finished migration and the event that says so, held until the commit that records it succeeds. */
interface Done {
  readonly item: PlannedMigration;
  readonly event: Extract<StrataEvent, { type: 'migration-done' }>;
}

/** The commit of a savepoint group (or of an atomic run) failed: every member was rolled back. */
class GroupCommitFailure extends Error {
  constructor(
    readonly members: readonly Done[],
    readonly original: unknown,
    readonly rollbackError: unknown,
  ) {
    super(messageOf(original), { cause: original });
  }
}

/** Commits the open transaction holding `members`; on failure it is rolled back (where the database did not already). */
async function commitMembers(driver: Driver, members: readonly Done[]): Promise<void> {
  try {
    await driver.commit();
  } catch (error) {
    // SQLite may leave the transaction open after a failed COMMIT (and asks for a ROLLBACK).
    // Should that ROLLBACK fail too, the COMMIT's error is still the one to report: either way
    // nothing of the group was committed.
    if (driver.inTransaction) await driver.rollback().catch((rollbackError: unknown) => {
      throw new GroupCommitFailure(members, error, rollbackError);
    });
    throw new GroupCommitFailure(members, error, null);
  }
}

/** Runs a transactional migration's step and writes its tracking and log rows in the open transaction. */
async function runTransactional(ctx: RunContext, direction: Direction, item: PlannedMigration, started: number): Promise<void> {
  const m = item.migration;
  const db = handleFor(ctx, () => undefined);
  if (direction === 'up') await precheck(m, db);
  await runStep(ctx, m.version, stepOf(item, direction), db);
  if (direction === 'up') await verify(m, db, `the migration was rolled back`);
  await checkIntegrity(ctx);
  // The step may have awaited something after its last statement: a signal then must still
  // roll it back, never let it be recorded.
  await safePoint(ctx);
  const durationMs = Math.round(performance.now() - started);
  if (direction === 'up') await ctx.driver.writeApplied(appliedRow(ctx, m, durationMs));
  else await ctx.driver.deleteApplied(item.row!.version);
  await appendLog(ctx, direction, m, 'success', null, durationMs);
  // Each write is a round trip on a server, in which a signal can arrive: the last check before the commit.
  await safePoint(ctx);
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
  /** Emitted once the completion is committed. */
  readonly done: Done;
}

/**
 * A dirty-protocol migration failed with nothing of it run, so its dirty row was withdrawn
 * (or, rolling back, its applied row restored): the hint must not send the user to `repair`.
 */
class DirtyWithdrawn extends Error {
  constructor(readonly failure: unknown) {
    super(failure instanceof Error ? failure.message : String(failure), { cause: failure });
  }
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
  done: () => Done,
): Promise<Completion> {
  const { driver } = ctx;
  const m = item.migration;
  let statementsDone = 0;
  const db = handleFor(ctx, () => {
    statementsDone++;
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
      if (error instanceof AbortError) throw new AbortError(`stopped during ${m.file ?? m.id}: nothing of it had run (it is not recorded)`, { migration: m.id, file: m.file });
      throw error;
    }
  }
  const step = stepOf(item, direction);
  const trailing = trailingStatements(ctx, m, step, direction);
  try {
    await runStep(ctx, m.version, step, db, async (count) => {
      statementsDone = count;
    }, step.type === 'sql' ? statementsOf(step.script, driver.syntax).length - trailing.length : undefined);
    if (direction === 'up') await verify(m, db, `${m.id} is left dirty (its statements ran); check its effects, then \`strata repair --applied ${m.version}\` or \`--rolled-back ${m.version}\``);
    // Nothing can be rolled back here: a violation leaves the migration dirty (§6).
    await checkIntegrity(ctx);
    // Finished, but the signal came first: it is not recorded applied, it stays dirty (§6).
    await safePoint(ctx);
  } catch (error) {
    const original = error instanceof StepFailure ? error.original : error;
    if (error instanceof StepFailure && error.statement !== null) statementsDone = error.statementsDone;
    const stopped = ctx.signal?.aborted === true;
    const timedOut = stopped && ctx.signal!.reason instanceof MigrationTimeout;
    // After a stop, no statement having run means nothing of it happened, whatever the error says.
    const noEffect = statementsDone === 0 && (stopped || driver.errorFacts(original).noEffect);
    if (noEffect) {
      // Nothing ran: the dirty marker is withdrawn and only the failed log row stays.
      if (direction === 'up') await driver.deleteApplied(m.version);
      else await driver.writeApplied(item.row!);
    } else {
      await driver.writeProgress(m.version, statementsDone, stopped ? (timedOut ? (ctx.signal!.reason as Error).message : 'stopped by a signal') : ctx.redact(messageOf(original)));
    }
    const left = noEffect ? 'nothing of it had run (it is not recorded)' : `it is left dirty with ${statements(statementsDone)} done`;
    if (timedOut) {
      const reason = ctx.signal!.reason as MigrationTimeout;
      throw new MigrationTimeout('migration-failed', reason.message.replace(/it is left dirty$/, left), { migration: m.id, file: m.file, hint: noEffect ? reason.hint : `${dirtyHint(m)}; ${reason.hint}` });
    }
    if (stopped && !(original instanceof StrataError && original.code !== 'aborted')) {
      throw new AbortError(`stopped during ${m.file ?? m.id}: ${left}`, {
        migration: m.id, file: m.file, hint: noEffect ? null : dirtyHint(m),
      });
    }
    if (noEffect) throw new DirtyWithdrawn(error);
    throw error;
  }
  const durationMs = Math.round(performance.now() - started);
  return {
    item,
    migration: m,
    direction,
    row: direction === 'up' ? { ...appliedRow(ctx, m, durationMs), statementsDone } : null,
    version: direction === 'up' ? m.version : item.row!.version,
    durationMs,
    trailing,
    statementsDone,
    done: done(),
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
      // A step awaiting something that never settles cannot keep a stopped run open.
      await untilAborted(Promise.resolve(step.fn(db())), ctx.signal);
    } catch (error) {
      throw new StepFailure(error, null, 0);
    }
    // One turn of the event loop after a code step, so that what the step's own code set off
    // and left (a rejection nothing awaited, a signal) is seen before the step is recorded.
    if (ctx.signal) await new Promise((resolve) => setImmediate(resolve));
    return;
  }
  const statements = statementsOf(step.script, ctx.driver.syntax).slice(0, count);
  for (const [i, statement] of statements.entries()) {
    await safePoint(ctx);
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
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.driver.execute(statement.text);
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
    if (error instanceof AbortError) throw error;
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

/** `undone` says what became of the migration when verify fails (rolled back, or left dirty). */
async function verify(m: LoadedMigration, db: () => Db, undone: string): Promise<void> {
  if (!m.verify) return;
  let result: unknown;
  try {
    result = await m.verify(db());
  } catch (error) {
    if (error instanceof AbortError) throw error;
    throw new MigrationError('verify-failed', `${m.file ?? m.id}: verify threw: ${messageOf(error)}`, { migration: m.id, file: m.file, hint: `${undone}; fix the verify (or the migration) and run \`strata up\` again` }, { cause: error });
  }
  if (result === false) {
    throw new MigrationError('verify-failed', `${m.file ?? m.id}: verify returned false after the migration ran`, {
      migration: m.id, file: m.file,
      hint: `${undone}; find out why the check fails (the migration or the verify), fix it and run \`strata up\` again`,
    });
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
    log: (message) => ctx.emit({ type: 'log', version: '', message: ctx.redact(message) }),
    beforeStatement: async () => {
      await safePoint(ctx);
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

function isLockLost(error: unknown): boolean {
  return error instanceof StrataError && error.code === 'lock-lost';
}

function throwIfAborted(ctx: RunContext): void {
  if (!ctx.signal?.aborted) return;
  // A migration's own deadline aborts with its failure (a MigrationTimeout); a signal is a stop.
  throw ctx.signal.reason instanceof MigrationTimeout ? ctx.signal.reason : new AbortError();
}

function unwrap(error: unknown): unknown {
  return error instanceof StepFailure ? error.original : error;
}

/** When the event loop last turned (a signal is delivered only then). Shared by every run of the process: only a pace. */
let lastSafePointTurn = performance.now();
/** A signal may wait this long for a turn; a turn costs a few microseconds. */
const SAFE_POINT_TURN_MS = 5;

/**
 * A point where a signal stops the run: before each statement and before anything is
 * recorded. On SQLite a statement runs synchronously and every await resolves at once, so a
 * signal that came during a long statement is delivered only when the event loop turns: turn
 * it first when it has not turned for a few milliseconds.
 */
async function safePoint(ctx: RunContext): Promise<void> {
  if (ctx.signal && performance.now() - lastSafePointTurn >= SAFE_POINT_TURN_MS) {
    await new Promise((resolve) => setImmediate(resolve));
    lastSafePointTurn = performance.now();
  }
  throwIfAborted(ctx);
}

function statements(n: number): string {
  return `${n} statement${n === 1 ? '' : 's'}`;
}

function dirtyHint(m: LoadedMigration): string {
  return `check what of ${m.id} ran, then \`strata repair --applied ${m.version}\` (you finished it by hand) or \`strata repair --rolled-back ${m.version}\` (you undid it)`;
}

/** What the driver adds about a failed statement (e.g. the INVALID index of a failed CREATE INDEX CONCURRENTLY). */
async function driverHint(ctx: RunContext, error: unknown): Promise<string | null> {
  if (!ctx.driver.failureHint || !(error instanceof StepFailure) || !error.statement || ctx.signal?.aborted) return null;
  return ctx.driver.failureHint(error.statement.text, error.original).catch(() => null);
}

/** One error for the user: what failed, where (file and line), what state it left, what to do. */
function describeFailure(ctx: RunContext, direction: Direction, item: PlannedMigration | null, error: unknown, atomic: boolean, driverNote: string | null = null, withdrawn = false): StrataError {
  // The error text is stored in the log table and thrown on: scrubbed before either.
  const original = scrubError(error instanceof StepFailure ? error.original : error, ctx.redact);
  const m = item?.migration;
  if (original instanceof AbortError && original.file) return original;
  if (ctx.signal?.aborted && !(original instanceof StrataError && original.code !== 'aborted')) {
    return new AbortError(
      m ? `stopped during ${m.file ?? m.id}: ${atomic || (m.meta.transaction && ctx.driver.capabilities.transactionalDdl) ? 'it was rolled back' : 'it is left dirty with its progress recorded'}` : atomic ? 'stopped before the commit: the whole run was rolled back' : 'stopped',
      { migration: m?.id ?? null, file: m?.file ?? null },
    );
  }
  if (original instanceof StrataError) return original;
  if (!m) return new MigrationError('migration-failed', messageOf(original), {}, { cause: original });

  const statement = error instanceof StepFailure ? error.statement : null;
  const step = direction === 'up' ? m.up : m.down;
  // A failing statement is shown in the file it came from: a `.down.sql` companion has its own.
  const file = (statement && step?.type === 'sql' ? step.script.file : null) ?? m.file;
  const line = statement?.line ?? lineFromStack(original, file);
  const where = `${file ?? m.id}${line ? ` failed at line ${line}` : ' failed'}`;
  const transactional = atomic || (m.meta.transaction && ctx.driver.capabilities.transactionalDdl);
  const facts = ctx.driver.errorFacts(original);
  const command = direction === 'up' ? 'strata up' : 'strata down';
  if (facts.lockTimeout) {
    const table = statement ? tableOfStatement(statement.text, ctx.driver.syntax) : null;
    // Retried: a transactional migration whole, a non-transactional SQL migration statement by statement.
    const retried = !atomic && (transactional || step?.type === 'sql');
    const next = transactional
      ? `run \`${command}\` again (or raise --ddl-lock-timeout)`
      : withdrawn
        ? `run \`${command}\` again (or raise --ddl-lock-timeout); nothing of ${m.id} ran, so ${direction === 'up' ? 'it is not recorded' : 'it stays applied'}`
        : `check what of ${m.id} ran and run \`strata repair --applied ${m.version}\` or \`--rolled-back ${m.version}\` (it is recorded dirty)`;
    return new MigrationError('ddl-lock-timeout', `${where}: waited too long for a lock${table ? ` on table ${table}` : ''} (${retried ? `${ctx.ddlRetries} retries` : 'not retried'}): ${messageOf(original)}`, {
      migration: m.id, file, line,
      hint: `another session holds a lock${table ? ` on ${table}` : ''}; ${ctx.driver.findLockHolder}, let it finish, then ${next}`,
    }, { cause: original });
  }
  // Earlier migrations of this run stay applied (a failed group commit is described by describeCommitFailure).
  const earlier = earlierNote(direction);
  if (facts.diskFull) {
    // Not the migration's fault: the same file runs once there is room.
    const undone = transactional
      ? `nothing of ${m.id} was ${direction === 'up' ? 'applied' : 'rolled back'}${earlier}`
      : `${m.id} is recorded dirty: check what of it ran, then \`strata repair --applied ${m.version}\` or \`--rolled-back ${m.version}\``;
    return new MigrationError('migration-failed', `${where}: the disk that holds ${ctx.driver.displayName} is full (${messageOf(original)})`, {
      migration: m.id, file: m.file, line,
      hint: `free space on that disk (or raise its quota), then run \`${command}\` again; ${undone}`,
    }, { cause: original });
  }
  // The rows a foreign key check names may predate the migration: then they are what to fix.
  const fix = (what: string) => (original instanceof IntegrityFailure ? `fix ${what} or the rows named (they may predate it)` : `fix ${what}`);
  const hint = atomic
    ? `the whole run was rolled back; ${fix(m.file ?? m.id)} and run \`${command}\` again`
    : transactional
      ? `the failed ${direction === 'up' ? 'migration' : 'rollback'} of ${m.id} was undone${earlierNote(direction)}; ${fix('the file')} and run \`${command}\` again`
      : withdrawn
        ? direction === 'up'
          ? `nothing of ${m.id} ran (its first statement failed and had no effect), so it is not recorded; fix the file and run \`strata up\` again`
          : `nothing of the rollback of ${m.id} ran (its first statement failed and had no effect), so it stays applied; fix ${file ?? 'the down step'} and run \`strata down\` again`
        : `${m.id} is recorded dirty: check what of it ran, then \`strata repair --applied ${m.version}\` (you finished it by hand) or \`strata repair --rolled-back ${m.version}\` (you undid it)`;
  return new MigrationError('migration-failed', `${where}: ${messageOf(original)}`, { migration: m.id, file, line, hint: driverNote ? `${driverNote}; then ${hint}` : hint }, { cause: original });
}

/** The commit of a group (or of an atomic run) failed: none of its members was applied; it says which. */
function describeCommitFailure(ctx: RunContext, failure: GroupCommitFailure, direction: Direction, atomic: boolean): StrataError {
  const original = scrubError(failure.original, ctx.redact);
  // A lost lease or a signal keeps its own error (and exit code); the outcome lists nothing of the group.
  if (original instanceof StrataError) return original;
  const migrations = failure.members.map((done) => done.item.migration);
  const shown = migrations.slice(0, 5).map((m) => m.file ?? m.id).join(', ') + (migrations.length > 5 ? ` and ${migrations.length - 5} more` : '');
  const first = migrations[0];
  const command = direction === 'up' ? 'strata up' : 'strata down';
  const state = direction === 'up' ? 'none of them was applied' : 'none of them was rolled back (they stay applied)';
  const before = atomic ? 'the whole run was rolled back' : `migrations committed before them in this run stay ${direction === 'up' ? 'applied' : 'rolled back'}`;
  const rollback = failure.rollbackError ? ` (the ROLLBACK that followed failed too: ${messageOf(failure.rollbackError)})` : '';
  // A full disk is not the migrations' fault: the same files commit once there is room.
  const diskFull = ctx.driver.errorFacts(original).diskFull === true;
  const cause = diskFull ? `the disk that holds ${ctx.driver.displayName} is full (${messageOf(original)})` : messageOf(original);
  const next = diskFull
    ? `free space on that disk (or raise its quota), then run \`${command}\` again; ${state}: the failed commit rolled them back together (${before})`
    : `${state}: the failed commit rolled them back together (${before}); fix the cause and run \`${command}\` again`;
  return new MigrationError('migration-failed', `the commit of ${shown} failed: ${cause}${rollback}`, {
    migration: first?.id ?? null, file: first?.file ?? null, hint: next,
  }, { cause: original });
}

/**
 * Whether the tracking table is gone after a failure, and which migration dropped it: the one
 * whose statements ran last (its completion, or the dirty row of the next one, could not be
 * written). Only a failed run asks, so the probe costs nothing on success.
 */
async function trackingDroppedBy(ctx: RunContext, error: unknown, lastRun: PlannedMigration | null): Promise<PlannedMigration | null> {
  if (!lastRun || ctx.signal?.aborted || isLockLost(error)) return null;
  let rows: readonly unknown[] | null;
  try {
    rows = ctx.driver.readChecksums ? await ctx.driver.readChecksums() : await ctx.driver.readApplied();
  } catch {
    // The probe could not tell (e.g. the connection is gone): the failure is described as it is.
    return null;
  }
  return rows === null ? lastRun : null;
}

function describeTrackingDropped(ctx: RunContext, item: PlannedMigration, error: unknown, direction: Direction): StrataError {
  const original = scrubError(error instanceof StepFailure ? error.original : error, ctx.redact);
  const m = item.migration;
  const file = m.file ?? m.id;
  const recreate = direction === 'up'
    ? `edit ${file} so that it leaves strata's tables alone, then run \`strata baseline ${m.version}\` (it creates the tracking table again and records every migration up to ${m.version} as applied, without running them) and \`strata up\` for the rest`
    : `run \`strata baseline <v>\` naming the last migration still applied (it creates the tracking table again and records every migration up to v as applied, without running them)`;
  return new MigrationError('migration-failed', `${file} dropped strata's tracking table, so it could not be recorded: ${messageOf(original)}`, {
    migration: m.id, file: m.file,
    hint: `the changes of ${m.id} and of the migrations before it are in the database, but the record of what is applied is gone; restore the tracking table from a backup, or ${recreate}`,
  }, { cause: original });
}

/** A migration failed inside a group, and the commit of the group's earlier members failed too. */
function withLostGroup(failure: StrataError, lost: GroupCommitFailure, direction: Direction): StrataError {
  const ids = lost.members.map((done) => done.item.migration.id);
  if (ids.length === 0) return failure;
  const state = direction === 'up' ? 'not applied either' : 'not rolled back either (they stay applied)';
  const base = (failure.hint ?? 'see the error above').replace(earlierNote(direction), '');
  const listed = `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''}`;
  return withHint(failure, `${base}; ${listed}, run before it in the same commit, ${ids.length === 1 ? 'was' : 'were'} ${state}: that commit failed (${messageOf(lost.original)}) and rolled ${ids.length === 1 ? 'it' : 'them'} back`);
}

/** The same error with another hint (errors are immutable once built). */
function withHint(error: StrataError, hint: string): StrataError {
  const details = { migration: error.migration, file: error.file, line: error.line, hint, problems: error.problems, applied: error.applied, rolledBack: error.rolledBack };
  const Class = error.constructor as new (...args: ConstructorParameters<typeof StrataError>) => StrataError;
  const copy = error instanceof AbortError ? new AbortError(error.message, details) : new Class(error.code, error.message, details, { cause: error.cause });
  if (error.stack) copy.stack = error.stack;
  return copy;
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
