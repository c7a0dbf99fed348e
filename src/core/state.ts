/**
 * Joins what the sources found with what the tracking table says, puts everything in
 * canonical order and finds every §4 problem. Pure: no I/O, no clock.
 */
import type { AppliedMigration, Discovery, LoadedMigration, Problem, SourceMigration } from './model.js';
import { canonicalOrder } from './order.js';
import { migrationId, resolveReference, versionKey } from './version.js';

export type EntryState = 'applied' | 'pending' | 'changed' | 'missing' | 'dirty';

export interface Entry {
  readonly key: string;
  readonly version: string;
  readonly name: string;
  readonly id: string;
  readonly file: string | null;
  /** The loaded migration when loaded, else what the source found; null when its file is gone. */
  readonly source: SourceMigration | LoadedMigration | null;
  readonly applied: AppliedMigration | null;
  readonly state: EntryState;
  /** A pending migration that comes before an applied one. */
  readonly outOfOrder: boolean;
  /** Keys of the known migrations this one depends on. */
  readonly dependsOn: readonly string[];
}

export interface State {
  /** Canonical order. */
  readonly entries: readonly Entry[];
  readonly problems: readonly Problem[];
  readonly byKey: ReadonlyMap<string, Entry>;
}

export function buildState(
  discovery: Discovery,
  applied: readonly AppliedMigration[],
  loaded: ReadonlyMap<string, LoadedMigration> = new Map(),
  extraProblems: readonly Problem[] = [],
): State {
  const problems: Problem[] = [...discovery.problems, ...extraProblems];
  const keysWithFileProblems = new Set(discovery.problems.map((p) => p.key).filter((k): k is string => k !== null));
  const sources = new Map<string, SourceMigration | LoadedMigration>();
  for (const m of discovery.migrations) sources.set(m.key, loaded.get(m.key) ?? m);
  const rows = new Map<string, AppliedMigration>();
  for (const row of applied) rows.set(versionKey(row.version), row);

  const keys = new Set([...sources.keys(), ...rows.keys()]);
  const versionOf = (key: string) => sources.get(key)?.version ?? rows.get(key)!.version;
  const nameOf = (key: string) => sources.get(key)?.name ?? rows.get(key)!.name;
  const fileOf = (key: string) => sources.get(key)?.file ?? null;

  // Dependencies: a loaded or SQL migration's own metadata, else what the applied row recorded.
  const dependsOn = new Map<string, string[]>();
  for (const key of keys) {
    const declared = sources.get(key)?.meta?.depends ?? rows.get(key)?.depends ?? [];
    const resolved: string[] = [];
    for (const reference of declared) {
      const target = resolveReference(String(reference), (k) => (keys.has(k) ? nameOf(k) : undefined));
      if (target !== null) {
        resolved.push(target);
      } else if (!keysWithFileProblems.has(key)) {
        problems.push({
          code: 'unknown-dependency',
          file: fileOf(key),
          key,
          message: `${fileOf(key) ?? migrationId(versionOf(key), nameOf(key))} depends on ${reference}, which is not a known migration`,
        });
      }
    }
    dependsOn.set(key, resolved);
  }

  const { order, cycles } = canonicalOrder([...keys].map((key) => ({ key, version: versionOf(key), dependsOn: dependsOn.get(key)! })));
  for (const cycle of cycles) {
    const label = (k: string) => fileOf(k) ?? migrationId(versionOf(k), nameOf(k));
    problems.push({
      code: 'dependency-cycle',
      file: fileOf(cycle[0]!),
      key: cycle[0]!,
      message: cycleMessage(cycle.map(label)),
    });
  }

  let lastAppliedIndex = -1;
  order.forEach((key, index) => {
    if (rows.has(key)) lastAppliedIndex = index;
  });

  const entries: Entry[] = order.map((key, index) => {
    const source = sources.get(key) ?? null;
    const row = rows.get(key) ?? null;
    const version = versionOf(key);
    const name = nameOf(key);
    let state: EntryState;
    if (row?.state === 'dirty') state = 'dirty';
    else if (row && !source) state = 'missing';
    else if (row && source && row.checksum !== null && source.checksum !== null && row.checksum !== source.checksum) state = 'changed';
    else if (row) state = 'applied';
    else state = 'pending';
    const outOfOrder = !row && index < lastAppliedIndex;
    return { key, version, name, id: migrationId(version, name), file: source?.file ?? null, source, applied: row, state, outOfOrder, dependsOn: dependsOn.get(key)! };
  });

  for (const entry of entries) {
    const label = entry.file ?? entry.id;
    if (entry.state === 'dirty') {
      const row = entry.applied!;
      problems.push({
        code: 'dirty',
        file: entry.file,
        key: entry.key,
        message: row.error
          ? `${label} is dirty: its ${row.dirtyOperation ?? 'up'} stopped part-way (${row.statementsDone ?? 0} statements ran): ${row.error}`
          : `${label} is dirty: its ${row.dirtyOperation ?? 'up'} was interrupted before it finished (the runner stopped: killed, crashed or lost its connection)`,
      });
    }
    if (entry.state === 'missing' && !keysWithFileProblems.has(entry.key)) {
      problems.push({ code: 'missing-file', file: null, key: entry.key, message: `${entry.id} is applied but its file is gone` });
    }
    if (entry.state === 'changed') {
      problems.push({
        code: 'checksum-mismatch',
        file: entry.file,
        key: entry.key,
        message: `${label} was edited after it was applied (applied checksum ${entry.applied!.checksum!.slice(0, 12)}…, file now ${entry.source!.checksum!.slice(0, 12)}…)`,
      });
    }
    if (entry.outOfOrder) {
      problems.push({ code: 'out-of-order', file: entry.file, key: entry.key, message: `${label} is pending but comes before migrations that are already applied` });
    }
  }

  return { entries, problems, byKey: new Map(entries.map((e) => [e.key, e])) };
}

/** A cycle printed whole while short; a long one (5,000 members) by its length and first members, not 120 KB. */
const CYCLE_SHOWN_WHOLE = 10;
const CYCLE_FIRST_SHOWN = 5;

function cycleMessage(members: readonly string[]): string {
  if (members.length <= CYCLE_SHOWN_WHOLE) return `dependency cycle: ${[...members, members[0]!].join(' → ')}`;
  const first = members.slice(0, CYCLE_FIRST_SHOWN);
  return `dependency cycle of ${members.length} migrations: ${first.join(' → ')} → … → ${members[0]!}`;
}

/** Entries whose code must be imported before the state is complete: pending code migrations. */
export function pendingUnloaded(discovery: Discovery, applied: readonly AppliedMigration[]): SourceMigration[] {
  const appliedKeys = new Set(applied.map((row) => versionKey(row.version)));
  return discovery.migrations.filter((m) => m.meta === null && !appliedKeys.has(m.key));
}
