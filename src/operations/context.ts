/**
 * What every operation shares: the source, the driver (opened on first use), the run's
 * identity, and the two preambles every changing command needs — read the state, and
 * lock → create tracking → re-read — written once here rather than in each command.
 */
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { LockNotNeeded, ValidationError } from '../core/errors.js';
import type { EventListener } from '../core/events.js';
import type { AppliedMigration, Discovery, LoadedMigration, Problem } from '../core/model.js';
import { refusingProblems, type Gate } from '../core/refusal.js';
import type { RunContext } from '../core/run.js';
import { buildState, pendingUnloaded, type State } from '../core/state.js';
import type { Driver } from '../core/ports/index.js';
import type { MigrationSource } from '../sources/source.js';
import type { Redact } from '../core/redact.js';
import { forbiddenStatements } from '../core/statement-rules.js';
import { versionKey } from '../core/version.js';
import type { BackupSettings } from '../backups/restore-point.js';

export interface Environment {
  readonly name: string;
  readonly protected: boolean;
}

export interface OperationContext {
  readonly source: MigrationSource;
  readonly driver: () => Promise<Driver>;
  /** Migrations folder (absolute), null for a list source. */
  readonly dir: string | null;
  readonly runId: string;
  readonly appliedBy: string;
  readonly lockTimeoutMs: number;
  readonly ddlRetries: number;
  /** 0 = no limit. */
  readonly migrationTimeoutMs: number;
  readonly allowOutOfOrder: boolean;
  readonly environment: Environment | null;
  readonly signal: AbortSignal | undefined;
  readonly emit: EventListener;
  /** Removes passwords from texts the operations store or report. */
  readonly redact: Redact;
  /** Restore points and `backup`/`restore` (§7). */
  readonly backup: BackupSettings;
  /** `scratchDb`: where scratch databases go instead of the configured server (§7); null: the same server. */
  readonly scratchDb: string | null;
  /** Runs work on a scratch database (`test`, `drift`), dropped after; absent where none can be made. */
  readonly scratch?: ScratchRun | undefined;
}

/** Runs `fn` with a context on a new scratch database (same source and settings, no backups); `display` is safe to print. */
export type ScratchRun = <T>(fn: (ctx: OperationContext, display: string) => Promise<T>) => Promise<T>;

export interface ReadState {
  readonly discovery: Discovery;
  readonly applied: readonly AppliedMigration[];
  /** Whether the tracking table exists. */
  readonly tracked: boolean;
  readonly state: State;
}

/** Discovers, reads what is applied, imports pending code migrations, and builds the state. */
export async function readState(ctx: OperationContext, driver: Driver): Promise<ReadState> {
  const discovery = await ctx.source.discover();
  const rows = await driver.readApplied();
  const applied = rows ?? [];
  const loaded = new Map<string, LoadedMigration>();
  const problems: Problem[] = [];
  for (const migration of pendingUnloaded(discovery, applied)) {
    try {
      loaded.set(migration.key, await ctx.source.load(migration));
    } catch (error) {
      if (error instanceof ValidationError && error.code === 'import-failed') problems.push(...error.problems);
      else throw error;
    }
  }
  // Statements a pending SQL migration may not contain are problems like any other (§2).
  const appliedKeys = new Set(applied.map((row) => versionKey(row.version)));
  for (const migration of discovery.migrations) {
    if (appliedKeys.has(migration.key)) continue;
    const ready = loaded.get(migration.key) ?? (migration.kind === 'sql' ? await ctx.source.load(migration) : undefined);
    if (ready) problems.push(...forbiddenStatements(ready, driver.syntax, ready.meta.transaction && driver.capabilities.transactionalDdl));
  }
  return { discovery, applied, tracked: rows !== null, state: buildState(discovery, applied, loaded, problems) };
}

/** Throws a ValidationError (exit 3) listing every problem that refuses this command. */
export function refuseOnProblems(state: State, gate: Gate, command: string): void {
  const refusing = refusingProblems(state.problems, gate);
  if (refusing.length === 0) return;
  const first = refusing[0]!;
  const message = refusing.length === 1 ? first.message : `${refusing.length} problems: ${refusing.map((p) => p.message).join('; ')}`;
  throw new ValidationError(first.code, `${command} refused: ${message}`, {
    file: first.file,
    problems: refusing,
    hint: hintFor(first.code),
  });
}

function hintFor(code: Problem['code']): string {
  switch (code) {
    case 'checksum-mismatch':
      return 'restore the file as it was applied, or put the change in a new migration; if the edit is intended, run `strata repair`';
    case 'missing-file':
      return 'restore the file from version control, or run `strata unmark <version>` if the migration is gone for good';
    case 'dirty':
      return 'check the schema, then run `strata repair --applied <version>` (finished by hand) or `strata repair --rolled-back <version>` (undone by hand)';
    case 'out-of-order':
      return 'rename it to a later version, or run with --allow-out-of-order';
    case 'duplicate-version':
      return 'give each migration its own version (`strata new` picks the next one)';
    case 'malformed-name':
      return 'rename the file to <version>[_<name>].<ext>, e.g. 002_add_email.sql or V2__add_email.sql';
    case 'file-conflict':
      return 'keep one up file and at most one down (a section or a .down.sql companion)';
    case 'unknown-dependency':
      return 'fix the version in `depends`, or add the migration it names';
    case 'dependency-cycle':
      return 'remove one of the `depends` that close the cycle';
    case 'import-failed':
      return 'fix the module so it imports cleanly; nothing was applied';
    case 'forbidden-statement':
      return 'remove the statement (see the reason above); nothing was applied';
    case 'unterminated-sql':
      return 'close the string or comment where the message says; nothing was applied';
    case 'invalid-encoding':
      return 'save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`); nothing was applied';
    case 'other-tool-files':
      return 'point --dir at the folder of SQL or JS/TS migrations, or rewrite these as versioned migrations (e.g. R__views.sql as 0042_views.sql); `strata status --verbose` lists what was ignored';
    case 'unreadable-file':
      return 'make it a file that the user running strata can read (fix its permissions, or the target of its symbolic link), or remove it; nothing was applied';
  }
}

/**
 * Lock first, then create the tracking tables, then re-read what is applied: a runner that
 * waited finds what the holder applied and does not apply it again.
 */
export async function withLock<T>(
  ctx: OperationContext,
  run: (driver: Driver, read: ReadState) => Promise<T>,
  whileWaiting?: { stillNeeded: () => Promise<boolean>; notNeeded: () => T },
): Promise<T> {
  const driver = await ctx.driver();
  const started = Date.now();
  try {
    await driver.acquireLock({
      timeoutMs: ctx.lockTimeoutMs,
      signal: ctx.signal,
      onWait: (holder) => ctx.emit({ type: 'lock-wait', holder: holder?.owner ?? null }),
      stillNeeded: whileWaiting?.stillNeeded,
    });
  } catch (error) {
    if (error instanceof LockNotNeeded && whileWaiting) return whileWaiting.notNeeded();
    throw error;
  }
  try {
    ctx.emit({ type: 'lock-acquired', waitedMs: Date.now() - started });
    await driver.ensureTracking();
    return await run(driver, await readState(ctx, driver));
  } finally {
    await driver.releaseLock();
  }
}

/** The migrations of `entries`, imported where they are code and not loaded yet. */
export async function loadEntries(ctx: OperationContext, entries: readonly import('../core/state.js').Entry[]): Promise<LoadedMigration[]> {
  const loaded: LoadedMigration[] = [];
  for (const entry of entries) {
    const source = entry.source!;
    loaded.push('up' in source ? source : await ctx.source.load(source));
  }
  return loaded;
}

export function runContext(ctx: OperationContext, driver: Driver): RunContext {
  return {
    driver,
    runId: ctx.runId,
    appliedBy: ctx.appliedBy,
    dir: ctx.dir,
    readFile: (path) => readFileSync(path, 'utf8'),
    signal: ctx.signal,
    emit: ctx.emit,
    ddlRetries: ctx.ddlRetries,
    migrationTimeoutMs: ctx.migrationTimeoutMs,
    now: () => new Date(),
    logDetail: ctx.environment ? { environment: ctx.environment.name, ...(ctx.environment.protected ? { protected: true } : {}) } : null,
    redact: ctx.redact,
  };
}

/** `user@host`, the uid where the user has no name. */
export function currentUser(): string {
  let user: string;
  try {
    user = userInfo().username || String(process.getuid?.() ?? 'unknown');
  } catch {
    user = String(process.getuid?.() ?? 'unknown');
  }
  return `${user}@${hostname()}`;
}
