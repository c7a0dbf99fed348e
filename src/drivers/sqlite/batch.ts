/** `db.batch` on SQLite (§10): row values, `?`, the primary key from pragma_table_info, an exact count. */
import type { BatchSupport } from '../../core/batch/support.js';
import { CHECKPOINT_SUFFIX, checkpointColumns, checkpointStore, quoteDotted, splitTable } from '../checkpoint-store.js';
import type { Driver } from '../driver.js';

export function sqliteBatch(driver: Pick<Driver, 'query' | 'run' | 'quoteIdentifier'>, trackingTable: string): BatchSupport {
  const q = (name: string) => driver.quoteIdentifier(name);
  const quoteTable = (table: string) => quoteDotted(table, q);
  const name = `${trackingTable}${CHECKPOINT_SUFFIX}`;
  return {
    rowValues: true,
    placeholder: () => '?',
    quoteTable,
    async primaryKey(table) {
      const [schema, bare] = splitTable(table);
      const columns = await driver.query(`SELECT name, pk FROM pragma_table_info(?${schema === null ? '' : ', ?'})`, schema === null ? [bare] : [bare, schema]);
      if (columns.length === 0) throw new Error(`db.batch: table ${table} does not exist`);
      return columns.filter((c) => Number(c.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk)).map((c) => String(c.name));
    },
    async estimateRows(table, where, params) {
      // Exact, and cheap enough on a local file.
      const rows = await driver.query(`SELECT count(*) AS n FROM ${quoteTable(table)}${where === null ? '' : ` WHERE (${where})`}`, params);
      return Number(rows[0]?.n ?? 0);
    },
    checkpoints: checkpointStore({
      table: () => q(name),
      create: (table) => `CREATE TABLE IF NOT EXISTS ${table} (${checkpointColumns('TEXT', 'TEXT', 'INTEGER', 'TEXT')})`,
      exists: { sql: `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`, params: () => [name] },
      upsert: (table) => `INSERT OR REPLACE INTO ${table} (version, name, last_key, batches, rows_done, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
      placeholder: () => '?',
      query: (sql, params) => driver.query(sql, params),
      run: (sql, params) => driver.run(sql, params),
    }),
  };
}
