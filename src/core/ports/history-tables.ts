/**
 * What `strata import`, `status` and the first `up` ask of a database about other tools'
 * history tables (§12): which of a list of tables exist, with their columns, in ONE catalog
 * query — and the database's own migration counter where it has one. Each dialect answers in
 * its own `history-tables.ts`; nothing outside src/drivers/ knows how.
 */

/** A table another tool keeps its history in. */
export interface TableRef {
  readonly table: string;
  /**
   * The schema the tool puts it in on a database that has schemas inside a database
   * (PostgreSQL: Drizzle's `drizzle`). A database without them looks in its current
   * database. Absent: the run's schema (`--schema`, else the connection's current one).
   */
  readonly schema?: string;
}

export interface FoundTable {
  /** The name as asked (`ref.table`). */
  readonly table: string;
  readonly ref: TableRef;
  /** The table as a FROM clause names it: quoted, with its schema where it has one. */
  readonly from: string;
  /** Its column names, lower-case. */
  readonly columns: readonly string[];
}

export interface HistoryTables {
  /** The tables of `refs` that exist, with their columns: one catalog query, whatever their number. Creates nothing. */
  find(refs: readonly TableRef[]): Promise<FoundTable[]>;
  /** The database's own count of applied migrations (SQLite's `PRAGMA user_version`); absent: it keeps none. */
  userVersion?(): Promise<number>;
}
