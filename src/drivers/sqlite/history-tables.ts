/**
 * Other tools' history tables in SQLite (§12): one query over sqlite_master and
 * pragma_table_info (no schemas: a ref's schema is not looked at; names compare without
 * case, as SQLite's do), and the database's own counter, PRAGMA user_version. A missing
 * file is not created: it holds nothing.
 */
import type Database from 'better-sqlite3';
import type { HistoryTables, TableRef } from '../../core/ports/index.js';
import { foundTables, type CatalogColumn } from '../history-tables.js';

export function sqliteHistoryTables(database: () => Database.Database | null, q: (name: string) => string): HistoryTables {
  return {
    async find(refs: readonly TableRef[]) {
      const db = refs.length === 0 ? null : database();
      if (!db) return [];
      const rows = db
        .prepare(`SELECT m.name AS name, p.name AS col FROM sqlite_master m JOIN pragma_table_info(m.name) p
                   WHERE m.type IN ('table', 'view') AND lower(m.name) IN (${refs.map(() => 'lower(?)').join(', ')})`)
        .all(...refs.map((r) => r.table)) as { name: string; col: string }[];
      const columns = rows.map((row): CatalogColumn => ({ name: row.name, column: row.col, schema: null }));
      return foundTables(refs, columns, (ref, _index, row) => row.name.toLowerCase() === ref.table.toLowerCase(), (row) => q(row.name));
    },
    async userVersion() {
      return Number(database()?.pragma('user_version', { simple: true }) ?? 0);
    },
  };
}
