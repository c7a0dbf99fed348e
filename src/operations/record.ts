/**
 * Recording without running: `baseline` (adopt an existing database), `mark-applied` and
 * `unmark`. Each write is logged and commits with its log row.
 */
import { ConfigError, ValidationError } from '../core/errors.js';
import type { AppliedMigration, LogOperation, SourceMigration } from '../core/model.js';
import { appliedDependents, findEntry } from '../core/plan.js';
import type { Entry } from '../core/state.js';
import type { Driver } from '../core/ports/index.js';
import { inTransaction, rollbackFailed } from '../core/transaction.js';
import { loadEntries, refuseOnProblems, runContext, withLock, type OperationContext } from './context.js';

export async function baseline(ctx: OperationContext, version: string): Promise<{ baselined: string[] }> {
  return withLock(ctx, async (driver, { state }) => {
    refuseOnProblems(state, { command: 'up', allowOutOfOrder: ctx.allowOutOfOrder }, 'baseline');
    const target = findEntry(state, version, 'baseline version');
    const index = state.entries.indexOf(target);
    const after = state.entries.slice(index + 1).filter((e) => e.applied !== null);
    if (after.length > 0) {
      throw new ValidationError('out-of-order', `baseline ${version} refused: migrations after it are applied already (${after.map((e) => e.id).join(', ')})`, {
        hint: 'baseline adopts a database that strata has not run on; use `strata mark-applied <version>` for single migrations',
      });
    }
    const prefix = state.entries.slice(0, index + 1).filter((e) => e.applied === null);
    const migrations = await loadEntries(ctx, prefix);
    await inTransaction(driver, async () => {
      for (const m of migrations) await record(ctx, driver, m, 'baseline');
    }, { onRollbackError: rollbackFailed(ctx) });
    return { baselined: migrations.map((m) => m.version) };
  });
}

export async function markApplied(ctx: OperationContext, version: string): Promise<{ marked: string }> {
  return withLock(ctx, async (driver, { state }) => {
    const entry = findEntry(state, version, 'version');
    refuseOnProblems(state, { command: 'mark', key: entry.key }, 'mark-applied');
    if (entry.applied !== null && entry.state !== 'dirty') {
      throw new ConfigError('usage', `${entry.id} is applied already`, { hint: '`strata status` shows what is applied' });
    }
    if (entry.source === null) throw new ConfigError('usage', `${entry.id} has no file to mark applied`);
    const unapplied = entry.dependsOn.map((k) => state.byKey.get(k)!).filter((d) => d.applied === null || d.state === 'dirty');
    if (unapplied.length > 0) {
      throw new ValidationError('unknown-dependency', `mark-applied ${version} refused: it depends on migrations that are not applied: ${unapplied.map((d) => d.id).join(', ')}`, {
        hint: 'apply or mark those first',
      });
    }
    const [migration] = await loadEntries(ctx, [entry]);
    await inTransaction(driver, () => record(ctx, driver, migration!, 'mark'), { onRollbackError: rollbackFailed(ctx) });
    return { marked: entry.version };
  });
}

export async function unmark(ctx: OperationContext, version: string): Promise<{ unmarked: string }> {
  return withLock(ctx, async (driver, { state }) => {
    const entry = findEntry(state, version, 'version');
    refuseOnProblems(state, { command: 'mark', key: entry.key }, 'unmark');
    if (entry.applied === null) throw new ConfigError('usage', `${entry.id} is not applied`, { hint: '`strata status` shows what is applied' });
    const dependents = appliedDependents(state, entry.key);
    if (dependents.length > 0) {
      throw new ValidationError('unknown-dependency', `unmark ${version} refused: applied migrations depend on it: ${dependents.map((d) => d.id).join(', ')}`, {
        hint: 'unmark or roll back those first',
      });
    }
    await inTransaction(driver, () => forget(ctx, driver, entry, 'unmark'), { onRollbackError: rollbackFailed(ctx) });
    return { unmarked: entry.version };
  });
}

/** Records `m` as applied without running it, with its log row (`detail`: e.g. what `import` read). */
export async function record(ctx: OperationContext, driver: Driver, m: SourceMigration, operation: LogOperation, detail: Record<string, unknown> | null = null): Promise<void> {
  const now = new Date().toISOString();
  const row: AppliedMigration = {
    version: m.version, name: m.name, description: m.meta?.description ?? null, checksum: m.checksum, kind: m.kind,
    depends: m.meta?.depends ?? [], appliedAt: now, durationMs: null, appliedBy: ctx.appliedBy, state: 'applied',
    dirtyOperation: null, statementsDone: null, error: null,
  };
  await driver.writeApplied(row);
  await log(ctx, driver, { version: m.version, name: m.name, checksum: m.checksum }, operation, detail);
}

async function forget(ctx: OperationContext, driver: Driver, entry: Entry, operation: LogOperation): Promise<void> {
  await driver.deleteApplied(entry.applied!.version);
  await log(ctx, driver, { version: entry.applied!.version, name: entry.name, checksum: entry.applied!.checksum }, operation, null);
}

export async function log(
  ctx: OperationContext,
  driver: Driver,
  what: { version: string | null; name: string | null; checksum: string | null },
  operation: LogOperation,
  detail: Record<string, unknown> | null,
): Promise<void> {
  const base = runContext(ctx, driver).logDetail;
  await driver.appendLog({
    runId: ctx.runId, ...what, operation, status: 'success', error: null, startedAt: new Date().toISOString(),
    durationMs: null, appliedBy: ctx.appliedBy, detail: base || detail ? { ...base, ...detail } : null,
  });
}

