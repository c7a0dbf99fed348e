/**
 * After a run failed: close what the strategies left open, record what can be recorded, and
 * build the one error the user gets — with the `failed` log rows SPEC §3 promises. What the
 * cleanup itself fails to do is said in a log line (./cleanup.ts), never dropped.
 */
import { performance } from 'node:perf_hooks';
import { AbortError, StrataError, messageOf } from '../errors.js';
import { MigrationTimeout } from '../migration-deadline.js';
import type { LoadedMigration } from '../model.js';
import { inTransaction, rollbackFailed } from '../transaction.js';
import type { PlannedMigration, RunOutcome } from './context.js';
import { Cleanup } from './cleanup.js';
import { CompletionFailure, DirtyWithdrawn } from './dirty-migration.js';
import type { DirtyProtocol, FailureState } from './dirty-protocol.js';
import { describeCommitFailure, describeFailure, describeTrackingDropped, driverHint, trackingDroppedBy, withHint, withLostGroup } from './failure.js';
import { IntegrityFailure } from './foreign-keys.js';
import { GroupCommitFailure, appendLog, isLockLost } from './record.js';
import { unwrap } from './step.js';
import type { RunShared, RunStrategy } from './strategy.js';

export interface FailedRun {
  readonly shared: RunShared;
  readonly outcome: RunOutcome;
  readonly atomic: boolean;
  /** The strategy whose transaction may be open: atomic, or the transactional one. */
  readonly strategy: RunStrategy;
  readonly dirty: DirtyProtocol;
  /** The migration that was running. */
  readonly current: PlannedMigration | null;
  /** performance.now() when `current` started. */
  readonly currentStartedAt: number;
  /** The running migration's deadline, if it expired. */
  readonly expired: MigrationTimeout | null;
}

/** Returns the error to throw. */
export async function failRun(run: FailedRun, caught: unknown): Promise<StrataError> {
  // How long the running migration ran before it failed: taken before the cleanup (rollback,
  // records) adds its own time.
  const failedAfterMs = Math.round(performance.now() - run.currentStartedAt);
  const { shared, atomic } = run;
  const { ctx, direction } = shared;
  const cleanup = new Cleanup(ctx);
  const state: FailureState = { error: caught, current: run.current };
  /** A finished dirty-protocol migration whose trailing statements failed: the failure becomes its own. */
  const failedCompletion = caught instanceof CompletionFailure ? caught.completion : null;
  const withdrawn = state.error instanceof DirtyWithdrawn;
  if (state.error instanceof DirtyWithdrawn) state.error = state.error.failure;
  // The time ran out: whatever the step then failed with (a cancelled statement, a stop), the
  // failure is the timeout — unless the run's own signal came too (a stop wins).
  if (run.expired && !ctx.signal?.aborted && !(unwrap(state.error) instanceof MigrationTimeout)) state.error = run.expired;
  /** Members of a savepoint group that had succeeded but whose commit failed: none of them is applied. */
  let lost: GroupCommitFailure | null = state.error instanceof GroupCommitFailure ? state.error : null;
  // Earlier members of a savepoint group succeeded: they commit. An atomic run rolls back whole.
  lost = (await run.strategy.abandon(cleanup)) ?? lost;
  /** A finished dirty-protocol migration not recorded yet: the last one whose statements ran. */
  const unrecorded = await run.dirty.afterFailure(state, cleanup);
  await cleanup.attempt("restore the connection's foreign-key setting", () => shared.foreignKeys.restore(), state.current?.migration.version ?? '');
  await run.dirty.blameCompletion(state, cleanup);
  const { error, current } = state;
  if (error instanceof IntegrityFailure && current && (atomic || rolledBackAlone(shared, current.migration))) {
    await cleanup.attempt('check the rows without the failed migration', () => error.compareWithBefore(ctx), current.migration.version);
  }
  let failure: StrataError;
  let blamed = current;
  if (error instanceof GroupCommitFailure) {
    failure = describeCommitFailure(ctx, error, direction, atomic);
  } else {
    const droppedBy = await trackingDroppedBy(ctx, error, unrecorded?.item ?? current);
    failure = droppedBy
      ? describeTrackingDropped(ctx, droppedBy, error, direction)
      : describeFailure(ctx, direction, current, error, atomic, await driverHint(ctx, error), withdrawn);
    if (droppedBy) blamed = droppedBy;
    if (lost && !(failure instanceof AbortError)) failure = withLostGroup(failure, lost, direction);
  }
  failure.applied = run.outcome.applied;
  failure.rolledBack = run.outcome.rolledBack;
  // The members of a group whose commit failed failed too: their success log rows rolled back
  // with it. A lost lock leaves the log alone (another runner may hold it now).
  const lockLost = isLockLost(error) || (error instanceof GroupCommitFailure && isLockLost(error.original));
  const failed: [LoadedMigration, string, number | null][] = [];
  if (lost) {
    const message = lost === error ? failure.message : describeCommitFailure(ctx, lost, direction, atomic).message;
    for (const done of lost.members) failed.push([done.item.migration, message, done.event.durationMs]);
  }
  if (blamed && !(error instanceof GroupCommitFailure)) {
    // The migration that was running, or a finished one the failure is blamed on (its own run's time).
    const finished = [unrecorded, failedCompletion].find((c) => c?.item === blamed);
    const durationMs = blamed === run.current ? failedAfterMs : finished ? finished.durationMs : null;
    failed.push([blamed.migration, failure.message, durationMs]);
  }
  if (lockLost || failed.length === 0) return failure;
  for (const [m, message] of failed) ctx.emit({ type: 'migration-failed', direction, version: m.version, name: m.name, error: message });
  try {
    await inTransaction(ctx.driver, async () => {
      for (const [m, message, durationMs] of failed) await appendLog(ctx, direction, m, 'failed', message, durationMs);
    }, { onRollbackError: rollbackFailed(ctx, failed[0]![0].version) });
  } catch (logError) {
    // On a full disk this can fail too: say so rather than lose the audit trail silently.
    if (!(failure instanceof AbortError)) failure = withHint(failure, `${failure.hint ?? 'see the error above'} (the failed log ${failed.length === 1 ? 'row' : 'rows'} could not be written: ${messageOf(logError)})`);
    else ctx.emit({ type: 'log', version: failed[0]![0].version, message: `could not write the failed log ${failed.length === 1 ? 'row' : 'rows'}: ${ctx.redact(messageOf(logError))}` });
  }
  return failure;
}

/** A transactional migration that failed left nothing behind (its savepoint or transaction rolled back). */
function rolledBackAlone(shared: RunShared, m: LoadedMigration): boolean {
  return m.meta.transaction && shared.ctx.driver.capabilities.transactionalDdl;
}
