/** `up` (and `plan` / `--dry-run`): apply pending migrations in canonical order. */
import { performance } from 'node:perf_hooks';
import { ValidationError } from '../core/errors.js';
import type { Discovery, LoadedMigration } from '../core/model.js';
import { planUp } from '../core/plan.js';
import { runPlan } from '../core/run.js';
import { forbiddenStatements } from '../core/statement-rules.js';
import type { State } from '../core/state.js';
import { versionKey } from '../core/version.js';
import type { AppliedChecksum, Driver } from '../core/ports/index.js';
import { resumeState, withResumeHint } from './resume.js';
import { takeRestorePoint } from '../backups/restore-point.js';
import { refuseOverOtherHistory } from './other-history.js';
import { loadEntries, readState, refuseOnProblems, runContext, withLock, type OperationContext } from './context.js';

export interface UpOptions {
  readonly target?: string | undefined;
  readonly atomic?: boolean | undefined;
  /** Run a code migration left dirty by an interrupted run again, each `db.batch` after its checkpoint (§10). */
  readonly resume?: boolean | undefined;
  /** Run even when strata has no rows here and another tool's history table has (§12; refused by default). */
  readonly ignoreOtherHistory?: boolean | undefined;
}

export interface UpResult {
  readonly status: 'migrated' | 'up-to-date';
  readonly applied: string[];
  readonly count: number;
  readonly durationMs: number;
}

export interface PlanStep {
  readonly version: string;
  readonly name: string;
  /** The SQL that would run; null for a code migration. */
  readonly sql: string | null;
  readonly file: string | null;
  readonly transaction: boolean;
}

export interface PlanResult {
  readonly dryRun: true;
  readonly plan: PlanStep[];
}

export async function up(ctx: OperationContext, options: UpOptions = {}): Promise<UpResult> {
  const started = performance.now();
  const driver = await ctx.driver();
  const elapsed = () => Math.round(performance.now() - started);

  // The no-op fast path: no lock, nothing created, no code imported, one tracking read.
  const upToDate = (): UpResult => ({ status: 'up-to-date', applied: [], count: 0, durationMs: elapsed() });
  const nothingToDo = async (): Promise<boolean> => {
    const discovery = await ctx.source.discover();
    const applied = driver.readChecksums
      ? await driver.readChecksums()
      : (await driver.readApplied())?.map((row): AppliedChecksum => [row.version, row.checksum, row.state]) ?? null;
    if (applied === null) return discovery.migrations.length === 0 && discovery.problems.length === 0;
    return everythingApplied(discovery, applied);
  };
  if (options.target === undefined && (await nothingToDo())) return upToDate();

  return withLock(ctx, async (driver, { state, applied }) => {
    const migrations = await checkedPlan(ctx, driver, state, options, applied.length === 0);
    if (migrations.length === 0) return { status: 'up-to-date', applied: [], count: 0, durationMs: elapsed() };
    await takeRestorePoint(ctx, driver, applied);
    const outcome = await runPlan({ ...runContext(ctx, driver), resume: options.resume === true }, 'up', migrations.map((migration) => ({ migration, row: null })), { atomic: options.atomic ?? false });
    return { status: 'migrated', applied: outcome.applied, count: outcome.applied.length, durationMs: elapsed() };
  }, options.target === undefined ? { stillNeeded: async () => !(await nothingToDo()), notNeeded: upToDate } : undefined);
}

/** `plan` / `up --dry-run`: what `up` would run, refused on the same problems. Read-only. */
export async function plan(ctx: OperationContext, options: UpOptions = {}): Promise<PlanResult> {
  const driver = await ctx.driver();
  const { state, applied } = await readState(ctx, driver);
  const migrations = await checkedPlan(ctx, driver, state, options, applied.length === 0);
  return {
    dryRun: true,
    plan: migrations.map((m) => ({
      version: m.version,
      name: m.name,
      sql: m.up.type === 'sql' ? m.up.script.sql.trim() : null,
      file: m.file,
      transaction: m.meta.transaction,
    })),
  };
}

/** The migrations `up` would run, after every check that refuses it (exit 3). */
async function checkedPlan(ctx: OperationContext, driver: Driver, read: State, options: UpOptions, firstRun: boolean): Promise<LoadedMigration[]> {
  const state = options.resume ? resumeState(read) : read;
  try {
    refuseOnProblems(state, { command: 'up', allowOutOfOrder: ctx.allowOutOfOrder }, 'up');
  } catch (refusal) {
    throw await withResumeHint(driver, state, refusal);
  }
  const migrations = await loadEntries(ctx, planUp(state, { target: options.target }));
  // Only while strata has no rows at all: a database strata manages never pays for it.
  if (firstRun && migrations.length > 0 && !options.ignoreOtherHistory) await refuseOverOtherHistory(ctx, driver, 'up');
  if (options.atomic) {
    // One transaction holds every member, including those that would otherwise run alone.
    const forbidden = migrations.flatMap((m) => forbiddenStatements(m, driver.syntax, true));
    if (forbidden.length > 0) {
      throw new ValidationError(forbidden[0]!.code, forbidden.map((p) => p.message).join('; '), { file: forbidden[0]!.file, problems: forbidden, hint: 'remove the statement; nothing was applied' });
    }
  }
  if (options.atomic) {
    const reasons: string[] = [];
    if (!driver.capabilities.atomic) reasons.push('this database commits DDL implicitly, so one transaction cannot hold the plan');
    for (const m of migrations) if (!m.meta.transaction) reasons.push(`${m.file ?? m.id} is "transaction: off"`);
    if (driver.setForeignKeys) {
      // Foreign-key enforcement cannot change inside the one transaction (§2).
      const keeping = migrations.filter((m) => m.meta.foreignKeys === true);
      if (keeping.length > 0 && keeping.length < migrations.length) {
        reasons.push(`${keeping.map((m) => m.file ?? m.id).join(', ')} keep${keeping.length === 1 ? 's' : ''} foreign keys on ("foreign-keys: on") and the rest of the plan runs with them off, which one transaction cannot switch`);
      }
    }
    if (reasons.length > 0) {
      throw new ValidationError('atomic-refused', `--atomic is not possible here: ${reasons.join('; ')}`, {
        hint: 'run without --atomic: each migration still commits with its tracking row',
      });
    }
  }
  return migrations;
}

function everythingApplied(discovery: Discovery, applied: readonly AppliedChecksum[]): boolean {
  if (discovery.problems.length > 0 || applied.length !== discovery.migrations.length) return false;
  // Usual case: rows in the order applied = the files' order, versions spelled the same.
  const { migrations } = discovery;
  let i = 0;
  for (; i < migrations.length; i++) {
    const m = migrations[i]!;
    const row = applied[i]!;
    if (row[0] !== m.version) break;
    if (row[2] !== 'applied' || (row[1] !== null && m.checksum !== null && row[1] !== m.checksum)) return false;
  }
  if (i === migrations.length) return true;
  const rows = new Map<string, AppliedChecksum>();
  for (const row of applied) rows.set(versionKey(row[0]), row);
  for (const m of discovery.migrations) {
    const row = rows.get(m.key);
    if (!row || row[2] !== 'applied') return false;
    if (row[1] !== null && m.checksum !== null && row[1] !== m.checksum) return false;
  }
  return true;
}
