/** Plain data for core tests: what a source found and what the tracking table says. */
import type { AppliedMigration, Discovery, LoadedMigration, Problem, SourceMigration } from '../../src/core/model.js';
import { versionKey } from '../../src/core/version.js';

export interface FileOptions {
  readonly depends?: readonly string[];
  readonly checksum?: string | null;
  readonly description?: string | null;
  readonly file?: string | null;
}

/** A SQL migration as the directory source reports it (metadata known at discovery). */
export function sqlFile(version: string, name: string, options: FileOptions = {}): SourceMigration {
  return {
    key: versionKey(version),
    version,
    name,
    id: `${version}_${name}`,
    kind: 'sql',
    file: options.file === undefined ? `migrations/${version}_${name}.sql` : options.file,
    checksum: options.checksum === undefined ? `sum-${version}_${name}`.padEnd(64, '0') : options.checksum,
    meta: { description: options.description ?? null, depends: options.depends ?? [], transaction: true },
  };
}

/** A code migration not imported yet: its metadata is unknown. */
export function codeFile(version: string, name: string, options: FileOptions = {}): SourceMigration {
  return { ...sqlFile(version, name, options), kind: 'code', file: options.file === undefined ? `migrations/${version}_${name}.ts` : options.file, meta: null };
}

/** The same code migration after import. */
export function loadedCode(source: SourceMigration, depends: readonly string[]): LoadedMigration {
  return {
    ...source,
    meta: { description: null, depends, transaction: true },
    up: { type: 'code', fn: () => undefined },
    down: null,
    irreversibleReason: 'no down',
    precheck: null,
    verify: null,
  };
}

export interface RowOptions {
  readonly checksum?: string | null;
  readonly depends?: readonly string[];
  readonly state?: 'applied' | 'dirty';
  readonly dirtyOperation?: 'up' | 'down' | null;
  readonly statementsDone?: number | null;
  readonly error?: string | null;
}

/** A row of strata_migrations. Without a checksum option it matches sqlFile's default. */
export function row(version: string, name: string, options: RowOptions = {}): AppliedMigration {
  return {
    version,
    name,
    description: null,
    checksum: options.checksum === undefined ? `sum-${version}_${name}`.padEnd(64, '0') : options.checksum,
    kind: 'sql',
    depends: options.depends ?? [],
    appliedAt: '2026-01-28T09:30:00.000Z',
    durationMs: 3,
    appliedBy: 'ada@host',
    state: options.state ?? 'applied',
    dirtyOperation: options.dirtyOperation ?? (options.state === 'dirty' ? 'up' : null),
    statementsDone: options.statementsDone ?? null,
    error: options.error ?? null,
  };
}

export function discovery(migrations: readonly SourceMigration[], problems: readonly Problem[] = []): Discovery {
  return { migrations, problems, ignored: [] };
}
