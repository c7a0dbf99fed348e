/**
 * The contract of a run strategy: how a migration's changes and its tracking row reach a
 * commit. The plan runner picks one per migration — `atomic` for the whole run; otherwise
 * the dirty protocol for what cannot be transactional, and for the rest a savepoint group
 * (the driver says a commit is expensive) or one transaction per migration.
 *
 * A migration counts as applied (or rolled back), and says so, only once the commit that
 * records it succeeded: a strategy may hold finished migrations back until a later commit,
 * which `settle` makes.
 */
import type { Direction, Done, PlannedMigration, RunContext } from './context.js';
import type { ForeignKeySwitch } from './foreign-keys.js';
import type { GroupCommitFailure } from './record.js';
import type { Cleanup } from './cleanup.js';

/** One migration as a strategy runs it. */
export interface MigrationRun {
  readonly item: PlannedMigration;
  readonly index: number;
  /** The run's context, its signal also aborting when the migration's deadline expires. */
  readonly ctx: RunContext;
  /** performance.now() when it started. */
  readonly started: number;
  /** The event that says it is done, timed when called. */
  done(): Done;
}

export interface RunStrategy {
  /** Runs one migration; on success it is committed, or held back for `settle`. */
  run(migration: MigrationRun): Promise<void>;
  /** Commits what it holds back: before another strategy runs a migration, and at the end of the run. */
  settle(): Promise<void>;
  /**
   * After a failure: ends the transaction it left open. Migrations it held back commit where
   * that is right (earlier members of a group); when that commit fails too, the failure names
   * them (none of them is applied).
   */
  abandon(cleanup: Cleanup): Promise<GroupCommitFailure | null>;
}

/** What every strategy of one run shares. */
export interface RunShared {
  readonly ctx: RunContext;
  readonly direction: Direction;
  readonly total: number;
  readonly foreignKeys: ForeignKeySwitch;
  /** Called once the commit recording `done` succeeded. */
  committed(done: Done): void;
}

/** The transaction a failed migration left open, rolled back (the migration's changes with it). */
export async function rollbackIfOpen(shared: RunShared, cleanup: Cleanup): Promise<null> {
  const { driver } = shared.ctx;
  if (driver.inTransaction) await cleanup.attempt('roll back the open transaction', () => driver.rollback());
  return null;
}
