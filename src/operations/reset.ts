/**
 * `reset`: drop every object strata can see, forget every applied migration (the log stays,
 * gaining a `reset` row), then apply everything. Refused in a protected environment.
 */
import { ConfigError } from '../core/errors.js';
import { runPlan } from '../core/run.js';
import type { DbObject, Driver } from '../core/ports/index.js';
import { loadEntries, readState, refuseOnProblems, runContext, withLock, type OperationContext } from './context.js';
import { inTransaction, rollbackFailed } from '../core/transaction.js';
import { log } from './record.js';
import { planUp } from '../core/plan.js';
import { takeRestorePoint } from '../backups/restore-point.js';

export interface ResetOptions {
  /** Reset even a protected environment. */
  readonly force?: boolean | undefined;
}

export interface ResetResult {
  readonly dropped: DbObject[];
  readonly applied: string[];
  readonly count: number;
  /** The restore point taken before anything was dropped; null when none was (backups off, `:memory:`). */
  readonly copiedTo: string | null;
}

/** What `reset` would drop. Read-only. */
export async function planReset(ctx: OperationContext, options: ResetOptions = {}): Promise<{ dropped: DbObject[] }> {
  const driver = await ctx.driver();
  const { state } = await readState(ctx, driver);
  refuseOnProblems(state, { command: 'repair' }, 'reset');
  await refuseProtected(ctx, driver, options);
  return { dropped: await driver.listObjects() };
}

export async function reset(ctx: OperationContext, options: ResetOptions = {}): Promise<ResetResult> {
  return withLock(ctx, async (driver, { state, applied }) => {
    refuseOnProblems(state, { command: 'repair' }, 'reset');
    await refuseProtected(ctx, driver, options);
    const copiedTo = (await takeRestorePoint(ctx, driver, applied))?.file ?? null;
    const dropped = await driver.listObjects();
    await driver.dropObjects(dropped);
    await inTransaction(driver, async () => {
      await driver.deleteAllApplied();
      await log(ctx, driver, { version: null, name: null, checksum: null }, 'reset', { dropped: dropped.length, ...(copiedTo ? { copiedTo } : {}) });
    }, { onRollbackError: rollbackFailed(ctx) });
    const fresh = (await readState(ctx, driver)).state;
    refuseOnProblems(fresh, { command: 'up', allowOutOfOrder: ctx.allowOutOfOrder }, 'reset');
    const migrations = await loadEntries(ctx, planUp(fresh));
    const outcome = await runPlan(runContext(ctx, driver), 'up', migrations.map((migration) => ({ migration, row: null })), { atomic: false });
    return { dropped, applied: outcome.applied, count: outcome.applied.length, copiedTo };
  });
}

export async function refuseProtected(ctx: OperationContext, driver: Driver, options: ResetOptions, command = 'reset', does = 'reset drops every table'): Promise<void> {
  if (options.force) return;
  const environment = ctx.environment;
  const byConfig = environment?.protected ?? false;
  const byHistory = !byConfig && (await driver.readProtected());
  if (byConfig || byHistory) {
    throw new ConfigError('protected-environment', `${command} refused: ${byConfig ? `environment "${environment!.name}" is protected` : 'this database was migrated as a protected environment before'}`, {
      hint: `${does}; if you really mean it, add --force`,
    });
  }
}
