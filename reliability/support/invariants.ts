/**
 * The invariants every reliability scenario checks after a crash, a signal or a race, read
 * from the tracking tables and the schema itself (never from strata's output):
 *
 * - a row `applied` in strata_migrations has all its effects;
 * - no row: none of its effects (a transactional migration commits with its row or not at all;
 *   a non-transactional one commits its `dirty` row before its first statement);
 * - a `dirty` row only where §6 allows one: a `transaction: off` migration, or any migration
 *   on an engine whose DDL is not transactional (MySQL/MariaDB/Galera);
 * - the log agrees: an applied row's last successful log entry is its `up` (or a `mark`, or
 *   the `repair` that recorded it); a version with no row has no successful `up` after its
 *   last successful `down`/`unmark`/`repair`/`reset`;
 * - no row that is not one of the project's migrations.
 */
import type { Target } from './targets.js';
import { effects, type Effects, type MigrationSpec } from './workload.js';

export interface TrackingRow {
  readonly version: string;
  readonly state: 'applied' | 'dirty';
  readonly dirty_operation: string | null;
  readonly checksum: string | null;
}

export interface LogRow {
  readonly id: number;
  readonly version: string;
  readonly operation: string;
  readonly status: string;
  readonly detail: string | null;
}

export interface Snapshot {
  readonly rows: Map<string, TrackingRow>;
  readonly log: LogRow[];
  readonly effects: Map<string, Effects>;
}

export async function snapshot(target: Target, specs: readonly MigrationSpec[]): Promise<Snapshot> {
  const rows = new Map<string, TrackingRow>();
  let log: LogRow[] = [];
  if (await hasTable(target, 'strata_migrations')) {
    for (const r of await target.query<TrackingRow>('SELECT version, state, dirty_operation, checksum FROM strata_migrations')) rows.set(String(r.version), r);
  }
  if (await hasTable(target, 'strata_migrations_log')) {
    log = (await target.query<LogRow>('SELECT id, version, operation, status, detail FROM strata_migrations_log ORDER BY id')).map((r) => ({
      ...r,
      id: Number(r.id),
      version: String(r.version),
      detail: r.detail === null || typeof r.detail === 'string' ? r.detail : JSON.stringify(r.detail),
    }));
  }
  return { rows, log, effects: await effects(target, specs) };
}

/** The violations of the invariants above (empty when the state is consistent). */
export function violations(target: Target, specs: readonly MigrationSpec[], s: Snapshot): string[] {
  const found: string[] = [];
  const known = new Set(specs.map((m) => m.version));
  for (const version of s.rows.keys()) if (!known.has(version)) found.push(`${version}: a tracking row for no migration of the project`);
  for (const m of specs) {
    const row = s.rows.get(m.version);
    // A no-op migration has no effect to look for: only its row and log are checked.
    const eff = m.kind === 'noop' ? (row?.state === 'applied' ? 'full' : 'none') : s.effects.get(m.version)!;
    const last = lastDecisive(s.log, m.version);
    if (row === undefined) {
      if (eff !== 'none') found.push(`${m.version} (${m.kind}): no tracking row, but its effects are ${eff}`);
      if (last && (last.operation === 'up' || last.operation === 'mark' || last.operation === 'baseline')) found.push(`${m.version}: no tracking row, but the log's last word is a successful ${last.operation} (log id ${last.id})`);
    } else if (row.state === 'applied') {
      // A `mark` records a migration without running it: its effects are absent by design.
      if (eff !== 'full' && last?.operation !== 'mark') found.push(`${m.version} (${m.kind}): applied, but its effects are ${eff}`);
      if (!last || !['up', 'mark', 'baseline', 'repair'].includes(last.operation)) found.push(`${m.version}: applied, but the log's last word is ${last ? `a successful ${last.operation} (log id ${last.id})` : 'nothing'}`);
    } else if (row.state === 'dirty') {
      if (m.transaction && target.transactionalDdl) found.push(`${m.version} (${m.kind}): dirty (${row.dirty_operation}), though it is transactional on ${target.name}`);
    } else {
      found.push(`${m.version}: unknown state ${String(row.state)}`);
    }
  }
  const dirty = [...s.rows.values()].filter((r) => r.state === 'dirty');
  if (dirty.length > 1) found.push(`${dirty.length} dirty rows at once (${dirty.map((r) => r.version).join(', ')}): a change should be refused while one is dirty`);
  return found;
}

/** The last successful log entry of `version` that decides whether it is applied (checksum-only repairs decide nothing). */
function lastDecisive(log: readonly LogRow[], version: string): LogRow | undefined {
  for (let i = log.length - 1; i >= 0; i--) {
    const r = log[i]!;
    if (r.version !== version || r.status !== 'success') continue;
    if (r.operation === 'repair') {
      const action = parseAction(r.detail);
      if (action === 'checksum') continue;
      return action === 'rolled-back' ? { ...r, operation: 'repair-rolled-back' } : r;
    }
    if (['up', 'down', 'mark', 'unmark', 'baseline', 'reset'].includes(r.operation)) return r;
  }
  return undefined;
}

function parseAction(detail: string | null): string | null {
  if (detail === null) return null;
  try {
    const parsed = JSON.parse(detail) as { action?: string };
    return parsed.action ?? null;
  } catch {
    return null;
  }
}

async function hasTable(target: Target, name: string): Promise<boolean> {
  const sql =
    target.flavor === 'sqlite'
      ? `SELECT name FROM sqlite_master WHERE type = 'table' AND name = '${name}'`
      : target.flavor === 'postgres'
        ? `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = '${name}'`
        : `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${name}'`;
  return (await target.query(sql)).length > 0;
}
