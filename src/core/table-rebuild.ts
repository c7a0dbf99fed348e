/**
 * `db.recreateTable(table, newCreateSql, { columns?, map? })` (SPEC §10): a table rebuilt
 * with its rows, where `ALTER TABLE` cannot make the change. The driver that needs it
 * (SQLite) does the rebuild; the core decides the transaction it runs in and refuses it on
 * databases that change tables in place.
 */
import type { Driver, ForeignKeyGuard, Transactor } from './ports/index.js';

/** What the rebuild needs of the driver. */
export type RebuildDriver = Transactor & ForeignKeyGuard & Pick<Driver, 'recreateTable'>;
import { IntegrityFailure } from './run/foreign-keys.js';
import { inTransaction } from './transaction.js';

export interface RecreateTableOptions {
  /** The old table's columns to keep (copied into the same-named new columns). Default: every column both tables have. */
  readonly columns?: readonly string[];
  /** New column → SQL expression over the old row (`{ full_name: "first || ' ' || last" }`). */
  readonly map?: Readonly<Record<string, string>>;
}

export interface TableRebuildRequest extends RecreateTableOptions {
  readonly table: string;
  /** The new table's CREATE TABLE statement, naming `table`. */
  readonly createSql: string;
}

/** Runs one statement of the rebuild the way the migration's own statements run (signals, lease, progress). */
export type RunRebuildStatement = (sql: string) => Promise<void>;

/** The driver side: rebuilds inside the transaction that is open on its connection. */
export interface TableRebuilder {
  recreateTable(request: TableRebuildRequest, run: RunRebuildStatement): Promise<void>;
}

/**
 * Inside a transactional migration the rebuild is part of its transaction. In a
 * `transaction: off` migration it gets a transaction of its own, checked for foreign-key
 * violations before it commits, so a failure part-way leaves the old table as it was.
 */
export async function recreateTable(driver: RebuildDriver, table: unknown, createSql: unknown, options: unknown, run: RunRebuildStatement, onRollbackError: (error: unknown) => void): Promise<void> {
  const request = checkedRequest(table, createSql, options);
  if (!driver.recreateTable) {
    throw new Error(`db.recreateTable("${request.table}") is SQLite's table rebuild, which this database does not need: change the table in place with ALTER TABLE (PostgreSQL: ALTER TABLE … ALTER COLUMN … TYPE / DROP COLUMN; MySQL: ALTER TABLE … MODIFY COLUMN / DROP COLUMN)`);
  }
  const rebuild = driver.recreateTable.bind(driver);
  if (driver.inTransaction) {
    await rebuild(request, run);
    return;
  }
  await inTransaction(driver, async () => {
    await rebuild(request, run);
    const violations = (await driver.checkIntegrity?.()) ?? [];
    if (violations.length > 0) {
      const failure = new IntegrityFailure(violations);
      failure.message = `db.recreateTable("${request.table}") was rolled back: ${failure.message}`;
      throw failure;
    }
  }, { onRollbackError });
}

/** The arguments as the migration passed them, checked: a mistake there is the migration's own (a plain Error, exit 1). */
function checkedRequest(table: unknown, createSql: unknown, options: unknown): TableRebuildRequest {
  // Any name SQLite accepts may be rebuilt: it is always quoted, and must name an existing table.
  if (typeof table !== 'string' || table.trim() === '' || /[\u0000-\u001f]/.test(table)) {
    throw new Error(`db.recreateTable: the table must be a table's name (got ${JSON.stringify(table)})`);
  }
  if (typeof createSql !== 'string' || createSql.trim() === '') {
    throw new Error(`db.recreateTable("${table}"): the second argument must be the new table's CREATE TABLE statement`);
  }
  if (options === undefined || options === null) return { table, createSql };
  if (typeof options !== 'object' || Array.isArray(options)) throw new Error(`db.recreateTable("${table}"): the options must be an object ({ columns?, map? })`);
  const { columns, map, ...rest } = options as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new Error(`db.recreateTable("${table}"): unknown option ${unknown.map((k) => `"${k}"`).join(', ')} (options: columns, map)`);
  if (columns !== undefined && (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string' || c === ''))) {
    throw new Error(`db.recreateTable("${table}"): columns must be a list of column names`);
  }
  if (map !== undefined && (map === null || typeof map !== 'object' || Array.isArray(map) || Object.values(map).some((e) => typeof e !== 'string' || e.trim() === ''))) {
    throw new Error(`db.recreateTable("${table}"): map must be an object of new column → SQL expression`);
  }
  return { table, createSql, columns: columns as string[] | undefined, map: map as Record<string, string> | undefined };
}
