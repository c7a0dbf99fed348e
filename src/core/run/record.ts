/** What a run writes to the tracking tables, and the commit that makes it so. */
import type { Transactor } from '../ports/index.js';
import { StrataError, messageOf } from '../errors.js';
import type { AppliedMigration, LoadedMigration } from '../model.js';
import type { Direction, Done, RunContext } from './context.js';

export function appliedRow(ctx: RunContext, m: LoadedMigration, durationMs: number | null): AppliedMigration {
  return {
    version: m.version,
    name: m.name,
    description: m.meta.description,
    checksum: m.checksum,
    kind: m.kind,
    depends: m.meta.depends,
    appliedAt: ctx.now().toISOString(),
    durationMs,
    appliedBy: ctx.appliedBy,
    state: 'applied',
    dirtyOperation: null,
    statementsDone: null,
    error: null,
  };
}

export async function appendLog(ctx: RunContext, direction: Direction, m: LoadedMigration, status: 'success' | 'failed', error: string | null, durationMs: number | null): Promise<void> {
  await ctx.driver.appendLog({
    runId: ctx.runId,
    version: m.version,
    name: m.name,
    operation: direction,
    status,
    error,
    checksum: m.checksum,
    startedAt: ctx.now().toISOString(),
    durationMs,
    appliedBy: ctx.appliedBy,
    detail: ctx.logDetail,
  });
}

/** The commit of a savepoint group (or of an atomic run) failed: every member was rolled back. */
export class GroupCommitFailure extends Error {
  constructor(
    readonly members: readonly Done[],
    readonly original: unknown,
    readonly rollbackError: unknown,
  ) {
    super(messageOf(original), { cause: original });
  }
}

/** Commits the open transaction holding `members`; on failure it is rolled back (where the database did not already). */
export async function commitMembers(driver: Transactor, members: readonly Done[]): Promise<void> {
  try {
    await driver.commit();
  } catch (error) {
    // SQLite may leave the transaction open after a failed COMMIT (and asks for a ROLLBACK).
    // Should that ROLLBACK fail too, the COMMIT's error is still the one to report: either way
    // nothing of the group was committed.
    if (driver.inTransaction) await driver.rollback().catch((rollbackError: unknown) => {
      throw new GroupCommitFailure(members, error, rollbackError);
    });
    throw new GroupCommitFailure(members, error, null);
  }
}

export function isLockLost(error: unknown): boolean {
  return error instanceof StrataError && error.code === 'lock-lost';
}
