/**
 * `stats`: from the audit log, per migration its applies (`up` runs), failures, last and
 * slowest duration; the total; the slowest ten. One aggregate query; read-only (a missing log
 * table is an empty report, and nothing is created).
 */
import { compareVersions } from '../core/version.js';
import { readRunFigures, type RunFigures } from './log-queries.js';
import type { OperationContext } from './context.js';

/** One migration's applies: `runs` counts `up` runs, failed ones included; null durations are rows of an older strata. */
export type StatsMigration = Omit<RunFigures, 'totalDurationMs'>;

export interface StatsResult {
  /** Every migration the log has run, in version order. */
  readonly migrations: StatsMigration[];
  /** Sum of every run's duration. */
  readonly totalDurationMs: number;
  /** Versions of the (up to) ten slowest migrations by their slowest run, slowest first. */
  readonly slowest: string[];
}

const SLOWEST_SHOWN = 10;

export async function stats(ctx: OperationContext): Promise<StatsResult> {
  const driver = await ctx.driver();
  const figures = (await readRunFigures(driver)).sort((a, b) => compareVersions(a.version, b.version));
  const migrations = figures.map(({ version, name, runs, failures, lastDurationMs, maxDurationMs }) => ({ version, name, runs, failures, lastDurationMs, maxDurationMs }));
  const slowest = migrations
    .filter((m) => m.maxDurationMs !== null)
    // Stable sort: equal durations stay in version order.
    .sort((a, b) => b.maxDurationMs! - a.maxDurationMs!)
    .slice(0, SLOWEST_SHOWN)
    .map((m) => m.version);
  return {
    migrations,
    totalDurationMs: figures.reduce((sum, f) => sum + f.totalDurationMs, 0),
    slowest,
  };
}
