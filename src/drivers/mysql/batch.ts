/**
 * `db.batch` on MySQL/MariaDB (§10): `?`, the primary key and the row estimate from
 * information_schema. A composite key is walked with the expanded form
 * `a >= ? AND (a > ? OR (a = ? AND b > ?))` rather than a row constructor, whose range the
 * optimizer of older servers does not read from the index.
 */
import type { BatchSupport } from '../../core/batch/support.js';
import { CHECKPOINT_SUFFIX, checkpointColumns, checkpointStore, quoteDotted, splitTable } from '../checkpoint-store.js';
import type { Driver } from '../driver.js';

export function mysqlBatch(driver: Pick<Driver, 'query' | 'run' | 'quoteIdentifier'>, database: () => string, trackingTable: string): BatchSupport {
  const q = (name: string) => driver.quoteIdentifier(name);
  const quoteTable = (table: string) => quoteDotted(table, q);
  const checkpointName = `${trackingTable}${CHECKPOINT_SUFFIX}`;
  const where = (table: string) => {
    const [schema, bare] = splitTable(table);
    return [schema ?? database(), bare];
  };
  return {
    rowValues: false,
    placeholder: () => '?',
    quoteTable,
    async primaryKey(table) {
      const found = await driver.query('SELECT 1 AS found FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', where(table));
      if (found.length === 0) throw new Error(`db.batch: table ${table} does not exist`);
      const rows = await driver.query(`SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`, where(table));
      return rows.map((row) => String(row.name));
    },
    async estimateRows(table) {
      const rows = await driver.query('SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', where(table));
      const n = rows[0]?.n;
      return n === null || n === undefined ? null : Number(n);
    },
    checkpoints: checkpointStore({
      table: () => `${q(database())}.${q(checkpointName)}`,
      create: (table) => `CREATE TABLE IF NOT EXISTS ${table} (${checkpointColumns('VARCHAR(255)', 'TEXT', 'BIGINT', 'VARCHAR(32)')}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      exists: { sql: 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', params: () => [database(), checkpointName] },
      upsert: (table) => `REPLACE INTO ${table} (version, name, last_key, batches, rows_done, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
      placeholder: () => '?',
      query: (sql, params) => driver.query(sql, params),
      run: (sql, params) => driver.run(sql, params),
    }),
  };
}
