/**
 * The dirty protocol as a run strategy (§6). A finished migration's completion is held back
 * to share the commit of the next migration's dirty row (MySQL: a commit costs a sync), and is
 * recorded alone by `settle` when a transactional migration or the end of the run comes first.
 */
import { AbortError, messageOf } from '../errors.js';
import { inTransaction, rollbackFailed } from '../transaction.js';
import type { PlannedMigration } from './context.js';
import { CompletionFailure, recordCompletion, runDirty, type Completion } from './dirty-migration.js';
import { dirtyHint, statements } from './failure.js';
import { keepsForeignKeys } from './foreign-keys.js';
import { rollbackIfOpen, type MigrationRun, type RunShared, type RunStrategy } from './strategy.js';
import type { Cleanup } from './cleanup.js';

/** A run's failure as it is being described: which error, and whose. */
export interface FailureState {
  error: unknown;
  current: PlannedMigration | null;
}

export interface DirtyProtocol extends RunStrategy {
  /**
   * After a failure: the completion still waiting is recorded (unless a signal came before
   * its trailing statements, which then never run), and a failure to record one becomes that
   * migration's. Returns the last migration whose statements ran but that is not recorded.
   */
  afterFailure(failure: FailureState, cleanup: Cleanup): Promise<Completion | null>;
  /** A trailing statement of an earlier migration failed: the failure is that migration's, left dirty with its progress. */
  blameCompletion(failure: FailureState, cleanup: Cleanup): Promise<void>;
}

export function dirtyProtocol(shared: RunShared): DirtyProtocol {
  const { ctx, direction } = shared;
  const { driver } = ctx;
  /** A finished migration whose completion waits to share the next commit. */
  let waiting: Completion | null = null;
  /** A completion whose recording failed: it is the migration whose statements ran last. */
  let recordFailed: Completion | null = null;

  const recordWaiting = async () => {
    if (!waiting) return;
    const completion = waiting;
    waiting = null;
    try {
      await inTransaction(driver, () => recordCompletion(ctx, completion), { onRollbackError: rollbackFailed(ctx, completion.item.migration.version) });
    } catch (error) {
      recordFailed = completion;
      throw error;
    }
    shared.committed(completion.done);
  };

  return {
    async run({ item, ctx: mctx, started, done }: MigrationRun) {
      await shared.foreignKeys.enforce(keepsForeignKeys(item.migration));
      const previous: Completion | null = waiting;
      let previousRecorded = false;
      waiting = null;
      // The previous migration is said to be applied as soon as the commit that records it
      // (with this one's dirty marker) succeeds, not when this one ends.
      const previousCommitted = () => {
        previousRecorded = true;
        shared.committed(previous!.done);
      };
      try {
        waiting = await runDirty(mctx, direction, item, started, previous, previousCommitted, done);
        // Its own `PRAGMA foreign_keys = ON` took effect (no transaction ignores it).
        shared.foreignKeys.forget();
      } catch (error) {
        // The previous completion waits again, unless it was recorded or is itself what failed.
        if (previous && !previousRecorded && !(error instanceof CompletionFailure)) waiting = previous;
        throw error;
      }
    },
    settle: recordWaiting,
    // Its transactions (the dirty row, a completion) end where they are opened.
    abandon: (cleanup: Cleanup) => rollbackIfOpen(shared, cleanup),

    async afterFailure(failure, cleanup) {
      const unrecorded: Completion | null = recordFailed ?? waiting;
      // Recording a finished migration failed (not a trailing statement of it): the failure is
      // that migration's (it stays dirty), not the next one's, which never started.
      if (recordFailed && !(failure.error instanceof CompletionFailure)) failure.current = (recordFailed as Completion).item;
      const stoppedBefore: Completion | null = waiting;
      if (stoppedBefore && ctx.signal?.aborted && stoppedBefore.trailing.length > 0) {
        // Stopped before a finished migration's trailing statements ran: they never will, so
        // it stays dirty with its progress instead of running statements after the signal.
        waiting = null;
        const m = stoppedBefore.migration;
        await cleanup.attempt(`record the progress of ${m.id} (it stays dirty)`, () => driver.writeProgress(stoppedBefore.version, stoppedBefore.statementsDone, 'stopped by a signal before its last statements ran'), m.version);
        if (!failure.current || failure.error instanceof AbortError) {
          failure.current = stoppedBefore.item;
          failure.error = new AbortError(`stopped during ${m.file ?? m.id}: it is left dirty with ${statements(stoppedBefore.statementsDone)} done`, {
            migration: m.id, file: m.file, hint: dirtyHint(m),
          });
        }
      }
      const last = waiting;
      if (last) await cleanup.attempt(`record ${last.migration.id} as ${direction === 'up' ? 'applied' : 'rolled back'} (it stays dirty, though its statements ran)`, recordWaiting, last.migration.version);
      return unrecorded;
    },

    async blameCompletion(failure, cleanup) {
      if (!(failure.error instanceof CompletionFailure)) return;
      const { completion, failure: stepFailure } = failure.error;
      failure.current = completion.item;
      failure.error = stepFailure;
      await cleanup.attempt(`record the progress of ${completion.migration.id}`, () => driver.writeProgress(completion.version, stepFailure.statementsDone, ctx.redact(messageOf(stepFailure.original))), completion.migration.version);
    },
  };
}
