/**
 * The dirty protocol for one migration, for what cannot be rolled back (MySQL DDL,
 * `transaction: off`): the row is committed `dirty` first (together with the previous
 * migration's completion, if one is waiting), statements are counted as they run, and only
 * success sets it `applied` (or, rolling back, removes it) — returned as a Completion for the
 * caller to record. A failure records how many statements ran and the error; a crash
 * part-way leaves the row dirty.
 */
import { performance } from 'node:perf_hooks';
import type { Statement } from '../../sql/split.js';
import { AbortError, StrataError, messageOf } from '../errors.js';
import { MigrationTimeout } from '../migration-deadline.js';
import type { AppliedMigration, LoadedMigration, Step } from '../model.js';
import { statementsOf } from '../script-statements.js';
import { inTransaction, rollbackFailed } from '../transaction.js';
import { clearCheckpoints, hasCheckpoints } from '../batch/checkpoints.js';
import { stepOf, type Direction, type Done, type PlannedMigration, type RunContext } from './context.js';
import { dirtyHint, statements } from './failure.js';
import { checkIntegrity } from './foreign-keys.js';
import { appendLog, appliedRow } from './record.js';
import { safePoint } from './safe-point.js';
import { StepFailure, handleFor, precheck, runStep, verify } from './step.js';

/**
 * What a finished dirty-protocol migration still has to record: its `applied` row (or, rolled
 * back, the removal of its row) and its success log row. It is written in the same commit as
 * the next migration's dirty row when there is one (§6: on MySQL every migration takes this
 * path, and a commit costs a sync), else on its own.
 */
export interface Completion {
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
export class DirtyWithdrawn extends Error {
  constructor(readonly failure: unknown) {
    super(failure instanceof Error ? failure.message : String(failure), { cause: failure });
  }
}

/** A completion's trailing statement failed: the failure belongs to that migration, not the next. */
export class CompletionFailure extends Error {
  constructor(
    readonly completion: Completion,
    readonly failure: StepFailure,
  ) {
    super(failure.message, { cause: failure });
  }
}

/** Inside the caller's transaction: the trailing statements, then the row and the success log row. */
export async function recordCompletion(ctx: RunContext, completion: Completion): Promise<void> {
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
  // Finished: its `db.batch` checkpoints go in the same commit.
  await clearCheckpoints(ctx.driver, completion.version);
  await appendLog(ctx, direction, m, 'success', null, completion.durationMs);
}

export async function runDirty(
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
  }, { version: m.version, statementsDone: () => statementsDone });
  const dirtyBase = direction === 'up' ? appliedRow(ctx, m, null) : item.row!;
  await inTransaction(ctx.driver, async () => {
    if (previous) await recordCompletion(ctx, previous);
    await driver.writeApplied({ ...dirtyBase, state: 'dirty', dirtyOperation: direction, statementsDone: 0, error: null });
  }, { onRollbackError: rollbackFailed(ctx, m.version) });
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
      throw new MigrationTimeout('migration-failed', reason.message.replace(/it is left dirty$/, left), { migration: m.id, file: m.file, hint: noEffect ? reason.hint : `${dirtyHint(m, hasCheckpoints(driver, m.version))}; ${reason.hint}` });
    }
    if (stopped && !(original instanceof StrataError && original.code !== 'aborted')) {
      throw new AbortError(`stopped during ${m.file ?? m.id}: ${left}`, {
        migration: m.id, file: m.file, hint: noEffect ? null : dirtyHint(m, hasCheckpoints(driver, m.version)),
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
