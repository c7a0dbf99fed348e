/**
 * `strata import <tool>` (§12): what a reader of another tool's history gives back, and what
 * it may ask of the database. Readers run plain SQL through the driver; where a table is and
 * how its name is written, the driver answers (`Driver.historyTables`): no dialect here.
 */
import type { FoundTable, HistoryTables, Row, TableRef } from '../core/ports/index.js';

/** A checksum the other tool stored, and how it computes one from a file's bytes. */
export interface StoredChecksum {
  /** e.g. `Flyway CRC32`. */
  readonly algorithm: string;
  readonly stored: string;
  /** The checksum of `bytes` the tool's way, as it would store it. */
  compute(bytes: Buffer): string;
  /** Whether `bytes` are what the tool applied (some tools accept more than one form). */
  matches(bytes: Buffer): boolean;
}

/**
 * One row of the other tool's history, in strata's terms.
 * - `applied`: this version is applied (import it);
 * - `through`: every migration up to this version in canonical order is applied (golang-migrate
 *   keeps only its latest version, Flyway's baseline, `PRAGMA user_version`); `inclusive: false`
 *   stops before it (the versions before a dirty golang-migrate one);
 * - `failed`: failed, unfinished or dirty: never imported, listed as unmatched;
 * - `skipped`: nothing to import, and nothing wrong (rolled back, a schema marker).
 */
export interface ToolRow {
  /** The row in the other tool's own words (shown and logged). */
  readonly row: string;
  /** The version as the other tool wrote it; null = match the file by its checksum alone. */
  readonly version: string | null;
  readonly status: 'applied' | 'through' | 'failed' | 'skipped';
  readonly inclusive?: boolean;
  /** `through` without a version: the first `count` migrations in canonical order (`user_version`). */
  readonly count?: number;
  /** What a failed or skipped row is, or why a version is missing. */
  readonly reason: string | null;
  readonly checksum: StoredChecksum | null;
}

export interface ImportOptions {
  /** `table`: the home-grown table to read. */
  readonly fromTable?: string | undefined;
  /** `table`: its column of versions. */
  readonly versionColumn?: string | undefined;
}

/** What a reader may use: the run's connection, read-only. */
export interface ReadContext {
  query(sql: string): Promise<Row[]>;
  quote(name: string): string;
  /** The tables of `refs` that exist, with their columns: one catalog query. */
  find(refs: readonly TableRef[]): Promise<FoundTable[]>;
  /** The database's own count of applied migrations; null: it keeps none. */
  readonly userVersion: HistoryTables['userVersion'] | null;
  /** The migrations folder (absolute), null for a list source. */
  readonly dir: string | null;
  readonly options: ImportOptions;
}

export interface ToolReader {
  /** The name `strata import` takes. */
  readonly name: string;
  /** The tool as users know it. */
  readonly title: string;
  /** The history table it reads, as shown in messages. */
  readonly where: (options: ImportOptions) => string;
  /**
   * The rows of the other tool's history; null when its history is not in this database.
   * Throws a ConfigError when the table is there but is not this tool's (it names the right one).
   */
  read(ctx: ReadContext): Promise<ToolRow[] | null>;
  /** Where the tool keeps its history, and the shape that makes a table there its own. Absent: no fixed table. */
  readonly history?: HistoryShape;
}

/** A tool's history table, told from a home-grown one of the same name by its columns. */
export interface HistoryShape {
  readonly ref: TableRef;
  /** Columns it has (lower-case). */
  readonly columns: readonly string[];
  /** Columns it never has: another tool's table of the same name has them. */
  readonly without?: readonly string[];
  /** It has no other column (dbmate's `schema_migrations(version)`). */
  readonly only?: boolean;
}

/** Whether `found` has `shape`. */
export function hasShape(found: FoundTable, shape: HistoryShape): boolean {
  if (!shape.columns.every((c) => found.columns.includes(c))) return false;
  if (shape.without?.some((c) => found.columns.includes(c))) return false;
  return !shape.only || found.columns.length === shape.columns.length;
}

/** Every row of the table `ref`; null when it is not there. */
export async function readTable(ctx: ReadContext, ref: TableRef): Promise<Row[] | null> {
  const found = await findTable(ctx, ref);
  return found ? ctx.query(`SELECT * FROM ${found.from}`) : null;
}

/** The one table `ref`, or null. */
export async function findTable(ctx: ReadContext, ref: TableRef): Promise<FoundTable | null> {
  return (await ctx.find([ref]))[0] ?? null;
}
