/**
 * Other tools' history tables in MySQL/MariaDB (§12): one information_schema.COLUMNS query
 * over the connection's database (a schema is a database here, so a ref's schema is not
 * looked at: Drizzle, for one, keeps its table in the current database). Names compare as
 * the server compares table names (lower_case_table_names), so case is not asked for again.
 */
import type { HistoryTables, TableRef } from '../../core/ports/index.js';
import { foundTables, type CatalogColumn } from '../history-tables.js';
import type { MysqlSession } from './session.js';
import { quoteId } from './tracking.js';

export function mysqlHistoryTables(session: () => Promise<MysqlSession | null>): HistoryTables {
  return {
    async find(refs: readonly TableRef[]) {
      const connection = refs.length === 0 ? null : await session();
      if (!connection) return [];
      const rows = await connection.rows(
        `SELECT TABLE_NAME AS name, COLUMN_NAME AS col FROM information_schema.COLUMNS
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${refs.map(() => '?').join(', ')})`,
        refs.map((r) => r.table),
      );
      const columns = rows.map((row): CatalogColumn => ({ name: String(row.name), column: String(row.col), schema: null }));
      return foundTables(refs, columns, (ref, _index, row) => row.name.toLowerCase() === ref.table.toLowerCase(), (row) => quoteId(row.name));
    },
  };
}
