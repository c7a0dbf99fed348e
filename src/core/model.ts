/**
 * The plain data that flows through strata's core: what sources discover, what the tracking
 * table says, and what the planner decides. No I/O lives here.
 */
import type { Statement } from '../sql/split.js';
import type { BatchFn, BatchOptions, BatchResult } from './batch/options.js';
import type { RecreateTableOptions } from './table-rebuild.js';

export type Dialect = 'sqlite' | 'postgres' | 'mysql';
export type MigrationKind = 'sql' | 'code';

/** A code migration's `db` handle (§2). Built by the core from the driver's primitives. */
export interface Db {
  readonly dialect: Dialect;
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  queryOne<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }>;
  tableExists(table: string): Promise<boolean>;
  columnExists(table: string, column: string): Promise<boolean>;
  indexExists(index: string): Promise<boolean>;
  createTableIfNotExists(table: string, ddl: string): Promise<boolean>;
  createIndexIfNotExists(index: string, ddl: string): Promise<boolean>;
  addColumnIfNotExists(table: string, column: string, typeSql: string): Promise<boolean>;
  execFile(path: string): Promise<void>;
  /** Walks `options.table` in key order, `size` rows at a time (§10). */
  batch<T = Record<string, unknown>>(options: BatchOptions, fn: BatchFn<T>): Promise<BatchResult>;
  /** SQLite's table rebuild (§10): a new definition for `table`, keeping its rows, indexes, triggers and views. */
  recreateTable(table: string, newCreateSql: string, options?: RecreateTableOptions): Promise<void>;
  log(...args: unknown[]): void;
}

export type MigrationFn = (db: Db) => Promise<unknown> | unknown;
export type CheckFn = (db: Db) => Promise<boolean | void | unknown> | boolean | void | unknown;

/** The SQL of one direction of a SQL migration, with where it starts in its file. */
export interface SqlScript {
  readonly sql: string;
  readonly file: string;
  /** 1-based line of the script's first line within `file`. */
  readonly startLine: number;
}

export type Step = { readonly type: 'sql'; readonly script: SqlScript } | { readonly type: 'code'; readonly fn: MigrationFn };

/** Metadata every migration has once known (SQL: at discovery; code: once imported). */
export interface MigrationMeta {
  readonly description: string | null;
  /** Versions (or ids) as written by the author. */
  readonly depends: readonly string[];
  readonly transaction: boolean;
  /**
   * Keep foreign keys enforced while it runs (`-- foreign-keys: on`, `foreignKeys: true`), for a
   * migration that relies on cascades; absent = off, where the driver can switch it (SQLite, §2).
   */
  readonly foreignKeys?: boolean;
}

/** A migration as a source found it: a file, or an entry of a list passed to the library. */
export interface SourceMigration {
  readonly key: string;
  readonly version: string;
  readonly name: string;
  readonly id: string;
  readonly kind: MigrationKind;
  /** Path to show the user (relative to the working directory when inside it); null for list entries. */
  readonly file: string | null;
  readonly checksum: string | null;
  /** Known at discovery for SQL files and list entries; null for a code file not imported yet. */
  readonly meta: MigrationMeta | null;
}

/** A migration ready to run: its steps are known. */
export interface LoadedMigration extends SourceMigration {
  readonly meta: MigrationMeta;
  readonly up: Step;
  /** null: the migration cannot be rolled back; `irreversibleReason` says why. */
  readonly down: Step | null;
  readonly irreversibleReason: string | null;
  readonly precheck: CheckFn | null;
  readonly verify: CheckFn | null;
}

export type AppliedState = 'applied' | 'dirty';

/** A row of `strata_migrations`. */
export interface AppliedMigration {
  readonly version: string;
  readonly name: string;
  readonly description: string | null;
  readonly checksum: string | null;
  readonly kind: MigrationKind;
  readonly depends: readonly string[];
  readonly appliedAt: string;
  readonly durationMs: number | null;
  readonly appliedBy: string | null;
  readonly state: AppliedState;
  readonly dirtyOperation: 'up' | 'down' | null;
  readonly statementsDone: number | null;
  readonly error: string | null;
}

export type LogOperation = 'up' | 'down' | 'baseline' | 'mark' | 'unmark' | 'repair' | 'reset' | 'restore' | 'import';

/** A row of `strata_migrations_log` (the audit trail). */
export interface LogEntry {
  readonly runId: string;
  readonly version: string | null;
  readonly name: string | null;
  readonly operation: LogOperation;
  readonly status: 'success' | 'failed';
  readonly error: string | null;
  readonly checksum: string | null;
  readonly startedAt: string;
  readonly durationMs: number | null;
  readonly appliedBy: string | null;
  readonly detail: Record<string, unknown> | null;
}

export interface LogRow extends LogEntry {
  readonly id: number;
}

export type ProblemCode =
  | 'duplicate-version'
  | 'malformed-name'
  | 'file-conflict'
  | 'unknown-dependency'
  | 'dependency-cycle'
  | 'checksum-mismatch'
  | 'missing-file'
  | 'out-of-order'
  | 'dirty'
  | 'import-failed'
  | 'forbidden-statement'
  | 'unterminated-sql'
  | 'invalid-encoding'
  | 'other-tool-files'
  | 'unreadable-file';

export interface Problem {
  readonly code: ProblemCode;
  readonly message: string;
  readonly file: string | null;
  /** The version key the problem is about, when it is about one migration. */
  readonly key: string | null;
}

/** A file the directory source skipped, with why (`status --verbose`). */
export interface IgnoredFile {
  readonly file: string;
  readonly reason: string;
}

export interface Discovery {
  readonly migrations: readonly SourceMigration[];
  readonly problems: readonly Problem[];
  readonly ignored: readonly IgnoredFile[];
}

export type { Statement };
