/** One transaction per migration (servers): the migration and its tracking row commit together or not at all. */
import { inTransaction, rollbackFailed } from '../transaction.js';
import { keepsForeignKeys } from './foreign-keys.js';
import { runTransactional, withRetries } from './step.js';
import { rollbackIfOpen, type MigrationRun, type RunShared, type RunStrategy } from './strategy.js';
import type { Cleanup } from './cleanup.js';

export function perMigration(shared: RunShared): RunStrategy {
  const { driver } = shared.ctx;
  return {
    async run({ item, index, ctx, started, done }: MigrationRun) {
      // Only the run's last commit must wait for the disk: it makes every earlier one durable too.
      const durable = index === shared.total - 1;
      await shared.foreignKeys.enforce(keepsForeignKeys(item.migration));
      await withRetries(ctx, item, () => inTransaction(driver, () => runTransactional(ctx, shared.direction, item, started), { durable, onRollbackError: rollbackFailed(ctx, item.migration.version) }));
      shared.committed(done());
    },
    // Nothing is held back: each migration committed as it ended.
    async settle() {},
    abandon: (cleanup: Cleanup) => rollbackIfOpen(shared, cleanup),
  };
}
