/**
 * What `graph` and `docs` show of each migration: its state (with `failed` from the log, as
 * `status` shows it), whether it can be rolled back, its dependencies and when it was applied.
 * Read-only; never refuses (§4): a code migration that fails to import is shown with its
 * reversibility unknown rather than stopping the page.
 */
import { ValidationError } from '../core/errors.js';
import type { LoadedMigration } from '../core/model.js';
import type { Entry } from '../core/state.js';
import { versionKey } from '../core/version.js';
import type { Driver } from '../core/ports/index.js';
import { readFailedAttempts, type FailedAttempt } from './log-queries.js';
import { readState, type OperationContext } from './context.js';
import type { StatusState } from './status.js';

export interface CatalogEntry {
  readonly version: string;
  readonly name: string;
  /** `<version>_<name>`, or the version alone. */
  readonly id: string;
  readonly state: StatusState;
  readonly description: string | null;
  /** Versions of the migrations it declares it depends on (as their files write them). */
  readonly depends: readonly string[];
  /** null when unknown: its file is gone, or its module does not import. */
  readonly reversible: boolean | null;
  /** ISO-8601 UTC; null unless applied (or dirty). */
  readonly appliedAt: string | null;
  readonly file: string | null;
}

/** Every migration in canonical order, with every code migration imported (reversibility needs it). */
export async function readCatalog(ctx: OperationContext): Promise<CatalogEntry[]> {
  const driver = await ctx.driver();
  const { state } = await readState(ctx, driver);
  const anyPending = state.entries.some((e) => e.state === 'pending');
  const failures = anyPending ? await failedByKey(ctx, driver) : new Map<string, FailedAttempt>();
  const catalog: CatalogEntry[] = [];
  for (const entry of state.entries) {
    const loaded = await loadQuietly(ctx, entry);
    catalog.push({
      version: entry.version,
      name: entry.name,
      id: entry.id,
      state: entry.state === 'pending' && failures.has(entry.key) ? 'failed' : entry.state,
      description: loaded?.meta.description ?? entry.source?.meta?.description ?? entry.applied?.description ?? null,
      depends: entry.dependsOn.map((key) => state.byKey.get(key)?.version ?? key),
      reversible: loaded ? loaded.down !== null : null,
      appliedAt: entry.applied?.appliedAt ?? null,
      file: entry.file,
    });
  }
  return catalog;
}

/**
 * One query: the migrations whose latest log entry is a failed `up`, by version key (the
 * caller keeps the pending ones). Errors are scrubbed: rows written before scrubbing existed
 * may hold a password.
 */
export async function failedByKey(ctx: OperationContext, driver: Driver): Promise<Map<string, FailedAttempt>> {
  const byKey = new Map<string, FailedAttempt>();
  for (const attempt of await readFailedAttempts(driver)) {
    byKey.set(versionKey(attempt.version), { ...attempt, error: attempt.error === null ? null : ctx.redact(attempt.error) });
  }
  return byKey;
}

async function loadQuietly(ctx: OperationContext, entry: Entry): Promise<LoadedMigration | null> {
  const source = entry.source;
  if (!source) return null;
  if ('up' in source) return source;
  try {
    return await ctx.source.load(source);
  } catch (error) {
    // Reported by status and validate; here it only leaves the reversibility unknown.
    if (error instanceof ValidationError && error.code === 'import-failed') return null;
    throw error;
  }
}
