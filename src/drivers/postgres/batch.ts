/**
 * `db.batch` on PostgreSQL (§10): row values, `$n`, the primary key from pg_index, the row
 * estimate from pg_class.reltuples (the statistics' live-row count for a table never analyzed).
 */
import type { BatchSupport } from '../../core/batch/support.js';
import { CHECKPOINT_SUFFIX, checkpointColumns, checkpointStore, quoteDotted } from '../checkpoint-store.js';
import type { Driver } from '../driver.js';

const PRIMARY_KEY = `SELECT a.attname AS name
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
 WHERE i.indrelid = to_regclass($1) AND i.indisprimary
 ORDER BY array_position(i.indkey::int2[], a.attnum)`;

export function postgresBatch(driver: Pick<Driver, 'query' | 'run' | 'quoteIdentifier'>, schema: string, trackingTable: string, statistics: boolean): BatchSupport {
  const q = (name: string) => driver.quoteIdentifier(name);
  const quoteTable = (table: string) => quoteDotted(table, q);
  const placeholder = (n: number) => `$${n}`;
  const checkpointTable = `${q(schema)}.${q(`${trackingTable}${CHECKPOINT_SUFFIX}`)}`;
  return {
    rowValues: true,
    placeholder,
    quoteTable,
    async primaryKey(table) {
      const found = await driver.query('SELECT to_regclass($1) IS NOT NULL AS found', [quoteTable(table)]);
      if (found[0]?.found !== true) throw new Error(`db.batch: table ${table} does not exist`);
      return (await driver.query(PRIMARY_KEY, [quoteTable(table)])).map((row) => String(row.name));
    },
    async estimateRows(table) {
      const live = statistics ? '(SELECT s.n_live_tup::float8 FROM pg_catalog.pg_stat_user_tables s WHERE s.relid = c.oid)' : 'NULL::float8';
      const rows = await driver.query(`SELECT c.reltuples::float8 AS reltuples, ${live} AS live FROM pg_catalog.pg_class c WHERE c.oid = to_regclass($1)`, [quoteTable(table)]);
      const row = rows[0];
      if (!row) return null;
      const reltuples = Number(row.reltuples);
      if (reltuples > 0) return Math.round(reltuples);
      return row.live === null || row.live === undefined ? null : Math.round(Number(row.live));
    },
    checkpoints: checkpointStore({
      table: () => checkpointTable,
      create: (table) => `CREATE TABLE IF NOT EXISTS ${table} (${checkpointColumns('text', 'text', 'bigint', 'timestamptz')})`,
      exists: { sql: 'SELECT 1 FROM pg_catalog.pg_class WHERE oid = to_regclass($1)', params: () => [checkpointTable] },
      upsert: (table) => `INSERT INTO ${table} (version, name, last_key, batches, rows_done, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (version, name) DO UPDATE SET last_key = excluded.last_key, batches = excluded.batches, rows_done = excluded.rows_done, updated_at = excluded.updated_at`,
      placeholder,
      query: (sql, params) => driver.query(sql, params),
      run: (sql, params) => driver.run(sql, params),
    }),
  };
}
