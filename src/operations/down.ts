/** `down` and `redo`: roll back applied migrations, newest in canonical order first. */
import { performance } from 'node:perf_hooks';
import { ValidationError } from '../core/errors.js';
import type { LoadedMigration } from '../core/model.js';
import { planDown, type DownOptions } from '../core/plan.js';
import { runPlan, type PlannedMigration } from '../core/run.js';
import { forbiddenStatements } from '../core/statement-rules.js';
import type { Entry, State } from '../core/state.js';
import type { Driver } from '../core/ports/index.js';
import { takeRestorePoint } from '../backups/restore-point.js';
import { loadEntries, readState, refuseOnProblems, runContext, withLock, type OperationContext } from './context.js';
import type { PlanResult } from './up.js';

export interface DownResult {
  readonly rolledBack: string[];
  readonly count: number;
  readonly durationMs: number;
}

export interface RedoResult {
  readonly rolledBack: string[];
  readonly applied: string[];
  readonly durationMs: number;
}

export async function down(ctx: OperationContext, options: DownOptions = {}): Promise<DownResult> {
  const started = performance.now();
  return withLock(ctx, async (driver, { state, applied }) => {
    const plan = await checkedDownPlan(ctx, driver, state, planDown(state, options));
    if (plan.length > 0) await takeRestorePoint(ctx, driver, applied);
    const outcome = await runPlan(runContext(ctx, driver), 'down', plan, { atomic: false });
    return { rolledBack: outcome.rolledBack, count: outcome.rolledBack.length, durationMs: Math.round(performance.now() - started) };
  });
}

/** `down --dry-run`: what would be rolled back. Read-only. */
export async function planRollback(ctx: OperationContext, options: DownOptions = {}): Promise<PlanResult> {
  const driver = await ctx.driver();
  const { state } = await readState(ctx, driver);
  const plan = await checkedDownPlan(ctx, driver, state, planDown(state, options));
  return {
    dryRun: true,
    plan: plan.map(({ migration: m }) => ({
      version: m.version,
      name: m.name,
      sql: m.down?.type === 'sql' ? m.down.script.sql.trim() : null,
      file: m.file,
      transaction: m.meta.transaction,
    })),
  };
}

/** Down then up of the most recent migration. */
export async function redo(ctx: OperationContext): Promise<RedoResult> {
  const started = performance.now();
  return withLock(ctx, async (driver, read) => {
    const { state } = read;
    refuseOnProblems(state, { command: 'up', allowOutOfOrder: ctx.allowOutOfOrder }, 'redo');
    const plan = await checkedDownPlan(ctx, driver, state, planDown(state, { steps: 1 }));
    if (plan.length > 0) await takeRestorePoint(ctx, driver, read.applied);
    const run = runContext(ctx, driver);
    const rolledBack = (await runPlan(run, 'down', plan, { atomic: false })).rolledBack;
    const applied = (await runPlan(run, 'up', plan.map(({ migration }) => ({ migration, row: null })), { atomic: false })).applied;
    return { rolledBack, applied, durationMs: Math.round(performance.now() - started) };
  });
}

/**
 * Loads the members and refuses the whole plan (exit 3, each reason listed) when any member
 * cannot be rolled back — never a part of it.
 */
async function checkedDownPlan(ctx: OperationContext, driver: Driver, state: State, entries: readonly Entry[]): Promise<PlannedMigration[]> {
  refuseOnProblems(state, { command: 'down' }, 'down');
  const missing = entries.filter((e) => e.source === null);
  const loaded: LoadedMigration[] = await loadEntries(ctx, entries.filter((e) => e.source !== null));
  const reasons = [
    ...missing.map((e) => `${e.id} has no file to roll back with`),
    ...loaded.filter((m) => m.down === null).map((m) => m.irreversibleReason!),
  ];
  if (reasons.length > 0) {
    throw new ValidationError('irreversible', `cannot roll back: ${reasons.join('; ')}`, {
      file: loaded.find((m) => m.down === null)?.file ?? null,
      hint: 'nothing was rolled back; add a down to each migration listed, or choose a smaller --steps / later --target',
    });
  }
  const forbidden = loaded.flatMap((m) => forbiddenStatements(m, driver.syntax, m.meta.transaction && driver.capabilities.transactionalDdl));
  if (forbidden.length > 0) {
    throw new ValidationError(forbidden[0]!.code, forbidden.map((p) => p.message).join('; '), { file: forbidden[0]!.file, problems: forbidden });
  }
  const rows = new Map(entries.map((e) => [e.key, e.applied]));
  return loaded.map((migration) => ({ migration, row: rows.get(migration.key)! }));
}
