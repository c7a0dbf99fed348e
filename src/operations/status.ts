/** `status`: every migration in canonical order, problems, and who holds the lock. Read-only. */
import type { IgnoredFile, Problem } from '../core/model.js';
import type { EntryState } from '../core/state.js';
import type { LockHolder } from '../core/ports/index.js';
import type { FailedAttempt } from './log-queries.js';
import { failedByKey } from './catalog.js';
import { readState, type OperationContext } from './context.js';
import { adoptionNotes } from '../adopt/detect.js';
import { readContext } from './import.js';

/** `failed`: pending, and the log's latest entry for it is a failed `up` (§5). */
export type StatusState = EntryState | 'failed';

export interface StatusMigration {
  readonly version: string;
  readonly name: string;
  readonly state: StatusState;
  readonly appliedAt: string | null;
  readonly durationMs: number | null;
  readonly outOfOrder: boolean;
  readonly inProgress: boolean;
  readonly file: string | null;
  readonly description: string | null;
  /** When its last attempt failed (ISO-8601 UTC); null unless `state` is `failed`. */
  readonly failedAt: string | null;
  /** The first line of that attempt's error; null unless `state` is `failed`. */
  readonly error: string | null;
}

export interface StatusResult {
  readonly migrations: StatusMigration[];
  readonly applied: number;
  /** Pending migrations, the failed ones included. */
  readonly pending: number;
  /** Pending migrations whose last attempt failed. */
  readonly failed: number;
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
  const pending = state.entries.filter((e) => e.state === 'pending').length;
  // Only a pending migration can be failed: with nothing pending the log is not read at all.
  const failures = pending > 0 ? await failedByKey(ctx, driver) : new Map<string, FailedAttempt>();
  const migrations = state.entries.map((e): StatusMigration => {
    const failure = e.state === 'pending' ? failures.get(e.key) ?? null : null;
    return {
      version: e.version,
      name: e.name,
      state: failure ? 'failed' : e.state,
      appliedAt: e.applied?.appliedAt ?? null,
      durationMs: e.applied?.durationMs ?? null,
      outOfOrder: e.outOfOrder,
      inProgress: e.state === 'dirty' && lock !== null,
      file: e.file,
      description: e.source?.meta?.description ?? e.applied?.description ?? null,
      failedAt: failure?.at ?? null,
      error: failure ? firstLine(failure.error) : null,
    };
  });
  return {
    migrations,
    applied: state.entries.filter((e) => e.applied !== null && e.state !== 'dirty').length,
    pending,
    failed: migrations.filter((m) => m.state === 'failed').length,
    problems: state.problems.map((p) => ({ code: p.code, message: p.message, file: p.file })),
    lock: lock ? { owner: lock.owner, since: lock.since } : null,
    ignored: discovery.ignored,
    // Only where strata has recorded nothing: a database strata manages pays nothing for it.
    notes: applied.length === 0 ? await adoptionNotes(readContext(driver, ctx.dir, {}), discovery, driver.displayName).catch(() => []) : [],
  };
}

function firstLine(text: string | null): string | null {
  if (text === null) return null;
  return text.split(/\r?\n/, 1)[0]!.trim();
}
