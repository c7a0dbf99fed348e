/** `--atomic`: the whole plan in one transaction, committed at the end or rolled back whole. */
import type { Done } from './context.js';
import { keepsForeignKeys } from './foreign-keys.js';
import { commitMembers } from './record.js';
import { safePoint } from './safe-point.js';
import { runTransactional } from './step.js';
import { rollbackIfOpen, type MigrationRun, type RunShared, type RunStrategy } from './strategy.js';
import type { Cleanup } from './cleanup.js';
import type { PlannedMigration } from './context.js';

export interface AtomicStrategy extends RunStrategy {
  /** Before the first migration: the one transaction, with the one foreign-key setting. */
  begin(plan: readonly PlannedMigration[]): Promise<void>;
}

export function atomic(shared: RunShared): AtomicStrategy {
  const { driver } = shared.ctx;
  const members: Done[] = [];
  return {
    async begin(plan) {
      // One transaction, one setting: `up` refuses an atomic plan that mixes them.
      await shared.foreignKeys.enforce(plan.length > 0 && plan.every((p) => keepsForeignKeys(p.migration)));
      await driver.begin();
    },
    async run({ item, ctx, started, done }: MigrationRun) {
      await runTransactional(ctx, shared.direction, item, started);
      members.push(done());
    },
    async settle() {
      // A signal during the last migration's final await must not commit the whole run.
      await safePoint(shared.ctx);
      await commitMembers(driver, members);
      for (const done of members) shared.committed(done);
    },
    // The whole run rolls back.
    abandon: (cleanup: Cleanup) => rollbackIfOpen(shared, cleanup),
  };
}
