/**
 * Consecutive transactional migrations share one commit where the driver says a commit is
 * expensive (SQLite: a sync), each inside its own SAVEPOINT so that a failure still rolls
 * back only itself; the members before it commit.
 */
import { performance } from 'node:perf_hooks';
import { keepsForeignKeys } from './foreign-keys.js';
import type { Done } from './context.js';
import { GroupCommitFailure, commitMembers } from './record.js';
import { runTransactional, withRetries } from './step.js';
import { rollbackIfOpen, type MigrationRun, type RunShared, type RunStrategy } from './strategy.js';
import type { Cleanup } from './cleanup.js';

/** Group-commit bounds: a failure late in a long group would otherwise hold the write lock long. */
const GROUP_MAX_MIGRATIONS = 500;
const GROUP_MAX_MS = 250;
const SAVEPOINT = 'strata_migration';

export function savepointGroup(shared: RunShared): RunStrategy {
  const { driver } = shared.ctx;
  let group: { startedAt: number; members: Done[] } | null = null;

  const close = async () => {
    if (!group) return;
    const members = group.members;
    group = null;
    await commitMembers(driver, members);
    for (const done of members) shared.committed(done);
  };

  return {
    async run({ item, ctx, started, done }: MigrationRun) {
      const m = item.migration;
      // Foreign-key enforcement can change only between transactions.
      if (group && shared.foreignKeys.mustSwitchFor(m)) await close();
      if (!group) {
        await shared.foreignKeys.enforce(keepsForeignKeys(m));
        await driver.begin();
        group = { startedAt: performance.now(), members: [] };
      }
      await withRetries(ctx, item, async () => {
        await driver.savepoint(SAVEPOINT);
        try {
          await runTransactional(ctx, shared.direction, item, started);
          await driver.releaseSavepoint(SAVEPOINT);
        } catch (error) {
          await driver.rollbackToSavepoint(SAVEPOINT);
          await driver.releaseSavepoint(SAVEPOINT);
          throw error;
        }
      });
      group.members.push(done());
      if (group.members.length >= GROUP_MAX_MIGRATIONS || performance.now() - group.startedAt >= GROUP_MAX_MS) await close();
    },
    settle: close,
    async abandon(cleanup: Cleanup) {
      // The members before the failed one succeeded: they commit.
      if (!group) return rollbackIfOpen(shared, cleanup);
      const members = group.members;
      try {
        await close();
        return null;
      } catch (commitError) {
        // Whatever stopped the commit, the earlier members were not committed.
        await rollbackIfOpen(shared, cleanup);
        return commitError instanceof GroupCommitFailure ? commitError : new GroupCommitFailure(members, commitError, null);
      }
    },
  };
}
