/**
 * How a failed run is told to the user: what failed, where (file and line), what state it
 * left and what to do — for a migration, a failed commit of several, or a migration that
 * dropped the tracking table.
 */
import { hasCheckpoints } from '../batch/checkpoints.js';
import { tableOfStatement } from '../../sql/classify.js';
import { AbortError, MigrationError, StrataError, messageOf } from '../errors.js';
import type { LoadedMigration } from '../model.js';
import { scrubError } from '../redact.js';
import type { Direction, PlannedMigration, RunContext } from './context.js';
import { IntegrityFailure } from './foreign-keys.js';
import { isLockLost, type GroupCommitFailure } from './record.js';
import { StepFailure } from './step.js';

export function statements(n: number): string {
  return `${n} statement${n === 1 ? '' : 's'}`;
}

export function dirtyHint(m: LoadedMigration, checkpointed = false): string {
  // Its `db.batch` walks kept checkpoints: it can continue where it stopped.
  if (checkpointed) return `continue it with \`strata up --resume\` (each db.batch starts after its checkpoint), or check what of ${m.id} ran and run \`strata repair --applied ${m.version}\` or \`--rolled-back ${m.version}\``;
  return `check what of ${m.id} ran, then \`strata repair --applied ${m.version}\` (you finished it by hand) or \`strata repair --rolled-back ${m.version}\` (you undid it)`;
}

/** What the driver adds about a failed statement (e.g. the INVALID index of a failed CREATE INDEX CONCURRENTLY). */
export async function driverHint(ctx: RunContext, error: unknown): Promise<string | null> {
  if (!ctx.driver.failureHint || !(error instanceof StepFailure) || !error.statement || ctx.signal?.aborted) return null;
  // The driver promises never to throw here; should it, the failure is still told without its note.
  return ctx.driver.failureHint(error.statement.text, error.original).catch(() => null);
}

/** One error for the user: what failed, where (file and line), what state it left, what to do. */
export function describeFailure(ctx: RunContext, direction: Direction, item: PlannedMigration | null, error: unknown, atomic: boolean, driverNote: string | null = null, withdrawn = false): StrataError {
  // The error text is stored in the log table and thrown on: scrubbed before either.
  const original = scrubError(error instanceof StepFailure ? error.original : error, ctx.redact);
  const m = item?.migration;
  if (original instanceof AbortError && original.file) return original;
  if (ctx.signal?.aborted && !(original instanceof StrataError && original.code !== 'aborted')) {
    return new AbortError(
      m ? `stopped during ${m.file ?? m.id}: ${atomic || (m.meta.transaction && ctx.driver.capabilities.transactionalDdl) ? 'it was rolled back' : 'it is left dirty with its progress recorded'}` : atomic ? 'stopped before the commit: the whole run was rolled back' : 'stopped',
      { migration: m?.id ?? null, file: m?.file ?? null },
    );
  }
  if (original instanceof StrataError) return original;
  if (!m) return new MigrationError('migration-failed', messageOf(original), {}, { cause: original });

  const statement = error instanceof StepFailure ? error.statement : null;
  const step = direction === 'up' ? m.up : m.down;
  // A failing statement is shown in the file it came from: a `.down.sql` companion has its own.
  const file = (statement && step?.type === 'sql' ? step.script.file : null) ?? m.file;
  const line = statement?.line ?? lineFromStack(original, file);
  const where = `${file ?? m.id}${line ? ` failed at line ${line}` : ' failed'}`;
  const transactional = atomic || (m.meta.transaction && ctx.driver.capabilities.transactionalDdl);
  const facts = ctx.driver.errorFacts(original);
  const command = direction === 'up' ? 'strata up' : 'strata down';
  if (facts.lockTimeout) {
    const table = statement ? tableOfStatement(statement.text, ctx.driver.syntax) : null;
    // Retried: a transactional migration whole, a non-transactional SQL migration statement by statement.
    const retried = !atomic && (transactional || step?.type === 'sql');
    const next = transactional
      ? `run \`${command}\` again (or raise --ddl-lock-timeout)`
      : withdrawn
        ? `run \`${command}\` again (or raise --ddl-lock-timeout); nothing of ${m.id} ran, so ${direction === 'up' ? 'it is not recorded' : 'it stays applied'}`
        : `check what of ${m.id} ran and run \`strata repair --applied ${m.version}\` or \`--rolled-back ${m.version}\` (it is recorded dirty)`;
    return new MigrationError('ddl-lock-timeout', `${where}: waited too long for a lock${table ? ` on table ${table}` : ''} (${retried ? `${ctx.ddlRetries} retries` : 'not retried'}): ${messageOf(original)}`, {
      migration: m.id, file, line,
      hint: `another session holds a lock${table ? ` on ${table}` : ''}; ${ctx.driver.findLockHolder}, let it finish, then ${next}`,
    }, { cause: original });
  }
  // Earlier migrations of this run stay applied (a failed group commit is described by describeCommitFailure).
  const earlier = earlierNote(direction);
  if (facts.diskFull) {
    // Not the migration's fault: the same file runs once there is room.
    const undone = transactional
      ? `nothing of ${m.id} was ${direction === 'up' ? 'applied' : 'rolled back'}${earlier}`
      : `${m.id} is recorded dirty: check what of it ran, then \`strata repair --applied ${m.version}\` or \`--rolled-back ${m.version}\``;
    return new MigrationError('migration-failed', `${where}: the disk that holds ${ctx.driver.displayName} is full (${messageOf(original)})`, {
      migration: m.id, file: m.file, line,
      hint: `free space on that disk (or raise its quota), then run \`${command}\` again; ${undone}`,
    }, { cause: original });
  }
  // The rows a foreign key check names may predate the migration: then they are what to fix.
  const fix = (what: string) => (original instanceof IntegrityFailure ? `fix ${what} or the rows named (they may predate it)` : `fix ${what}`);
  const hint = atomic
    ? `the whole run was rolled back; ${fix(m.file ?? m.id)} and run \`${command}\` again`
    : transactional
      ? `the failed ${direction === 'up' ? 'migration' : 'rollback'} of ${m.id} was undone${earlierNote(direction)}; ${fix('the file')} and run \`${command}\` again`
      : withdrawn
        ? direction === 'up'
          ? `nothing of ${m.id} ran (its first statement failed and had no effect), so it is not recorded; fix the file and run \`strata up\` again`
          : `nothing of the rollback of ${m.id} ran (its first statement failed and had no effect), so it stays applied; fix ${file ?? 'the down step'} and run \`strata down\` again`
        : hasCheckpoints(ctx.driver, m.version)
          ? `${m.id} is recorded dirty with the checkpoints of its committed batches; fix the cause and continue it with \`strata up --resume\` (each db.batch starts after its checkpoint)`
          : `${m.id} is recorded dirty: check what of it ran, then \`strata repair --applied ${m.version}\` (you finished it by hand) or \`strata repair --rolled-back ${m.version}\` (you undid it)`;
  return new MigrationError('migration-failed', `${where}: ${messageOf(original)}`, { migration: m.id, file, line, hint: driverNote ? `${driverNote}; then ${hint}` : hint }, { cause: original });
}

/** The commit of a group (or of an atomic run) failed: none of its members was applied; it says which. */
export function describeCommitFailure(ctx: RunContext, failure: GroupCommitFailure, direction: Direction, atomic: boolean): StrataError {
  const original = scrubError(failure.original, ctx.redact);
  // A lost lease or a signal keeps its own error (and exit code); the outcome lists nothing of the group.
  if (original instanceof StrataError) return original;
  const migrations = failure.members.map((done) => done.item.migration);
  const shown = migrations.slice(0, 5).map((m) => m.file ?? m.id).join(', ') + (migrations.length > 5 ? ` and ${migrations.length - 5} more` : '');
  const first = migrations[0];
  const command = direction === 'up' ? 'strata up' : 'strata down';
  const state = direction === 'up' ? 'none of them was applied' : 'none of them was rolled back (they stay applied)';
  const before = atomic ? 'the whole run was rolled back' : `migrations committed before them in this run stay ${direction === 'up' ? 'applied' : 'rolled back'}`;
  const rollback = failure.rollbackError ? ` (the ROLLBACK that followed failed too: ${messageOf(failure.rollbackError)})` : '';
  // A full disk is not the migrations' fault: the same files commit once there is room.
  const diskFull = ctx.driver.errorFacts(original).diskFull === true;
  const cause = diskFull ? `the disk that holds ${ctx.driver.displayName} is full (${messageOf(original)})` : messageOf(original);
  const next = diskFull
    ? `free space on that disk (or raise its quota), then run \`${command}\` again; ${state}: the failed commit rolled them back together (${before})`
    : `${state}: the failed commit rolled them back together (${before}); fix the cause and run \`${command}\` again`;
  return new MigrationError('migration-failed', `the commit of ${shown} failed: ${cause}${rollback}`, {
    migration: first?.id ?? null, file: first?.file ?? null, hint: next,
  }, { cause: original });
}

/**
 * Whether the tracking table is gone after a failure, and which migration dropped it: the one
 * whose statements ran last (its completion, or the dirty row of the next one, could not be
 * written). Only a failed run asks, so the probe costs nothing on success.
 */
export async function trackingDroppedBy(ctx: RunContext, error: unknown, lastRun: PlannedMigration | null): Promise<PlannedMigration | null> {
  if (!lastRun || ctx.signal?.aborted || isLockLost(error)) return null;
  let rows: readonly unknown[] | null;
  try {
    rows = ctx.driver.readChecksums ? await ctx.driver.readChecksums() : await ctx.driver.readApplied();
  } catch {
    // The probe could not tell (e.g. the connection is gone): the failure is described as it is.
    return null;
  }
  return rows === null ? lastRun : null;
}

export function describeTrackingDropped(ctx: RunContext, item: PlannedMigration, error: unknown, direction: Direction): StrataError {
  const original = scrubError(error instanceof StepFailure ? error.original : error, ctx.redact);
  const m = item.migration;
  const file = m.file ?? m.id;
  const recreate = direction === 'up'
    ? `edit ${file} so that it leaves strata's tables alone, then run \`strata baseline ${m.version}\` (it creates the tracking table again and records every migration up to ${m.version} as applied, without running them) and \`strata up\` for the rest`
    : `run \`strata baseline <v>\` naming the last migration still applied (it creates the tracking table again and records every migration up to v as applied, without running them)`;
  return new MigrationError('migration-failed', `${file} dropped strata's tracking table, so it could not be recorded: ${messageOf(original)}`, {
    migration: m.id, file: m.file,
    hint: `the changes of ${m.id} and of the migrations before it are in the database, but the record of what is applied is gone; restore the tracking table from a backup, or ${recreate}`,
  }, { cause: original });
}

/** A migration failed inside a group, and the commit of the group's earlier members failed too. */
export function withLostGroup(failure: StrataError, lost: GroupCommitFailure, direction: Direction): StrataError {
  const ids = lost.members.map((done) => done.item.migration.id);
  if (ids.length === 0) return failure;
  const state = direction === 'up' ? 'not applied either' : 'not rolled back either (they stay applied)';
  const base = (failure.hint ?? 'see the error above').replace(earlierNote(direction), '');
  const listed = `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''}`;
  return withHint(failure, `${base}; ${listed}, run before it in the same commit, ${ids.length === 1 ? 'was' : 'were'} ${state}: that commit failed (${messageOf(lost.original)}) and rolled ${ids.length === 1 ? 'it' : 'them'} back`);
}

/** The same error with another hint (errors are immutable once built). */
export function withHint(error: StrataError, hint: string): StrataError {
  const details = { migration: error.migration, file: error.file, line: error.line, hint, problems: error.problems, applied: error.applied, rolledBack: error.rolledBack };
  const Class = error.constructor as new (...args: ConstructorParameters<typeof StrataError>) => StrataError;
  const copy = error instanceof AbortError ? new AbortError(error.message, details) : new Class(error.code, error.message, details, { cause: error.cause });
  if (error.stack) copy.stack = error.stack;
  return copy;
}

function earlierNote(direction: Direction): string {
  return direction === 'up' ? ' (migrations before it in this run stay applied)' : ' (migrations before it in this run stay rolled back)';
}

function lineFromStack(error: unknown, file: string | null): number | null {
  if (!file || !(error instanceof Error) || !error.stack) return null;
  const base = file.split(/[\\/]/).pop()!;
  for (const frame of error.stack.split('\n')) {
    const index = frame.indexOf(base);
    if (index === -1) continue;
    const match = /:(\d+):\d+\)?\s*$/.exec(frame.slice(index));
    if (match) return Number(match[1]);
  }
  return null;
}
