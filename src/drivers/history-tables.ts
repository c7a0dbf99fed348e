/** Shared by the drivers' `historyTables()`: a catalog's (table, column) rows grouped per asked table. */
import type { FoundTable, TableRef } from '../core/ports/index.js';

export interface CatalogColumn {
  /** The table's name as the catalog spells it. */
  readonly name: string;
  readonly column: string;
  /** Its schema, where the database has schemas; null elsewhere. */
  readonly schema: string | null;
  /** The index in `refs` of the ref the catalog matched it to, where the query says. */
  readonly ref?: number;
}

/**
 * One FoundTable per ref that has rows in `columns`; `matches` says whether a catalog row is
 * that ref's table, `from` how a FROM clause names it.
 */
export function foundTables(
  refs: readonly TableRef[],
  columns: readonly CatalogColumn[],
  matches: (ref: TableRef, index: number, row: CatalogColumn) => boolean,
  from: (row: CatalogColumn) => string,
): FoundTable[] {
  const found: FoundTable[] = [];
  refs.forEach((ref, index) => {
    const rows = columns.filter((row) => matches(ref, index, row));
    if (rows.length > 0) found.push({ table: ref.table, ref, from: from(rows[0]!), columns: [...new Set(rows.map((row) => row.column.toLowerCase()))] });
  });
  return found;
}
