/**
 * `repair`: re-records the checksum of each applied migration whose file changed (old → new
 * in the log), and resolves dirty rows — only those the user names, because only the user
 * knows whether a half-run migration was finished or undone by hand.
 */
import { ConfigError, ValidationError } from '../core/errors.js';
import { findEntry } from '../core/plan.js';
import type { Entry, State } from '../core/state.js';
import { readState, refuseOnProblems, withLock, type OperationContext } from './context.js';
import { inTransaction, rollbackFailed } from '../core/transaction.js';
import { log } from './record.js';

export interface RepairOptions {
  /** Version of a dirty migration the user finished by hand. */
  readonly applied?: string | undefined;
  /** Version of a dirty migration the user undid by hand. */
  readonly rolledBack?: string | undefined;
}

export interface RepairAction {
  readonly version: string;
  readonly action: 'checksum' | 'applied' | 'rolled-back';
  readonly from: string | null;
  readonly to: string | null;
}

export interface RepairResult {
  readonly repaired: RepairAction[];
}

/** What `repair` would do. Read-only. */
export async function planRepair(ctx: OperationContext, options: RepairOptions = {}): Promise<RepairResult & { unresolvedDirty: string[] }> {
  const driver = await ctx.driver();
  const { state } = await readState(ctx, driver);
  return { ...repairActions(state, options) };
}

export async function repair(ctx: OperationContext, options: RepairOptions = {}): Promise<RepairResult> {
  return withLock(ctx, async (driver, { state }) => {
    const { repaired, unresolvedDirty } = repairActions(state, options);
    await inTransaction(driver, async () => {
      for (const action of repaired) {
        const entry = findEntry(state, action.version, 'version');
        const row = entry.applied!;
        if (action.action === 'rolled-back') await driver.deleteApplied(row.version);
        else await driver.writeApplied({ ...row, checksum: action.to ?? row.checksum, state: 'applied', dirtyOperation: null, error: null });
        await log(ctx, driver, { version: row.version, name: row.name, checksum: action.to }, 'repair', { action: action.action, from: action.from, to: action.to });
      }
    }, { onRollbackError: rollbackFailed(ctx) });
    if (unresolvedDirty.length > 0) {
      throw new ValidationError('dirty', `${unresolvedDirty.join(', ')} ${unresolvedDirty.length === 1 ? 'is' : 'are'} still dirty`, {
        hint: `check the schema, then run \`strata repair --applied ${unresolvedDirty[0]}\` (you finished it by hand) or \`strata repair --rolled-back ${unresolvedDirty[0]}\` (you undid it)`,
      });
    }
    return { repaired };
  });
}

function repairActions(state: State, options: RepairOptions): { repaired: RepairAction[]; unresolvedDirty: string[] } {
  refuseOnProblems(state, { command: 'repair' }, 'repair');
  const named = new Map<string, 'applied' | 'rolled-back'>();
  for (const [reference, action] of [[options.applied, 'applied'], [options.rolledBack, 'rolled-back']] as const) {
    if (reference === undefined) continue;
    const entry = findEntry(state, reference, 'version');
    if (entry.state !== 'dirty') {
      throw new ConfigError('usage', `${entry.id} is not dirty (it is ${entry.state})`, { hint: '`strata status` shows which migration is dirty' });
    }
    named.set(entry.key, action);
  }
  const repaired: RepairAction[] = [];
  const unresolvedDirty: string[] = [];
  for (const entry of state.entries as Entry[]) {
    if (entry.state === 'changed') {
      repaired.push({ version: entry.version, action: 'checksum', from: entry.applied!.checksum, to: entry.source!.checksum });
    } else if (entry.state === 'dirty') {
      const action = named.get(entry.key);
      if (action === undefined) unresolvedDirty.push(entry.version);
      else repaired.push({ version: entry.version, action, from: entry.applied!.checksum, to: action === 'applied' ? (entry.source?.checksum ?? entry.applied!.checksum) : null });
    }
  }
  return { repaired, unresolvedDirty };
}
