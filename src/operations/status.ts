/** `status`: every migration in canonical order, problems, and who holds the lock. Read-only. */
import type { IgnoredFile, Problem } from '../core/model.js';
import type { EntryState } from '../core/state.js';
import type { LockHolder } from '../drivers/driver.js';
import { readState, type OperationContext } from './context.js';
import { adoptionNotes } from '../adopt/detect.js';
import { readContext } from './import.js';

export interface StatusMigration {
  readonly version: string;
  readonly name: string;
  readonly state: EntryState;
  readonly appliedAt: string | null;
  readonly durationMs: number | null;
  readonly outOfOrder: boolean;
  readonly inProgress: boolean;
  readonly file: string | null;
  readonly description: string | null;
}

export interface StatusResult {
  readonly migrations: StatusMigration[];
  readonly applied: number;
  readonly pending: number;
  readonly problems: { code: Problem['code']; message: string; file: string | null }[];
  readonly lock: { owner: string; since: string | null } | null;
  readonly ignored: readonly IgnoredFile[];
  /** Advice that is not a problem: e.g. another tool's history to import before `up` (§12). */
  readonly notes: string[];
}

export async function status(ctx: OperationContext): Promise<StatusResult> {
  const driver = await ctx.driver();
  const { state, discovery, applied } = await readState(ctx, driver);
  const lock: LockHolder | null = await driver.probeLock();
  const migrations = state.entries.map((e) => ({
    version: e.version,
    name: e.name,
    state: e.state,
    appliedAt: e.applied?.appliedAt ?? null,
    durationMs: e.applied?.durationMs ?? null,
    outOfOrder: e.outOfOrder,
    inProgress: e.state === 'dirty' && lock !== null,
    file: e.file,
    description: e.source?.meta?.description ?? e.applied?.description ?? null,
  }));
  return {
    migrations,
    applied: state.entries.filter((e) => e.applied !== null && e.state !== 'dirty').length,
    pending: state.entries.filter((e) => e.state === 'pending').length,
    problems: state.problems.map((p) => ({ code: p.code, message: p.message, file: p.file })),
    lock: lock ? { owner: lock.owner, since: lock.since } : null,
    ignored: discovery.ignored,
    // Only where strata has recorded nothing: a database strata manages pays nothing for it.
    notes: applied.length === 0 ? await adoptionNotes(readContext(driver, ctx.dir, {}), discovery, driver.displayName).catch(() => []) : [],
  };
}
