/**
 * The checkpoints of `db.batch` (§10) in strata's own `<table>_ckpt` table, on any dialect:
 * one row per (migration version, batch name) with the last committed key. The suffix is
 * five characters, like `_lock`, so a 58-character tracking table name still fits
 * PostgreSQL's 63-character identifiers.
 */
import type { Checkpoint, CheckpointStore } from '../core/batch/support.js';
import type { Row } from './driver.js';

export { CHECKPOINT_SUFFIX } from '../core/schema.js';

export interface CheckpointSql {
  /** The table, quoted and qualified. Called when needed (a server's database is known once connected). */
  table(): string;
  /** `CREATE TABLE IF NOT EXISTS …` with the dialect's types. */
  create(table: string): string;
  /** A statement returning one row when the table exists, none otherwise. */
  readonly exists: { readonly sql: string; params(): unknown[] };
  /** INSERT … (version, name, last_key, batches, rows_done, updated_at) with the dialect's upsert. */
  upsert(table: string): string;
  placeholder(n: number): string;
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  run(sql: string, params?: readonly unknown[]): Promise<unknown>;
}

export function checkpointStore(sql: CheckpointSql): CheckpointStore {
  const p = (n: number) => sql.placeholder(n);
  const exists = async () => (await sql.query(sql.exists.sql, sql.exists.params())).length > 0;
  return {
    async ensure() {
      await sql.run(sql.create(sql.table()));
    },
    async read(version) {
      if (!(await exists())) return [];
      const rows = await sql.query(`SELECT name, last_key, batches, rows_done FROM ${sql.table()} WHERE version = ${p(1)} ORDER BY name`, [version]);
      return rows.map((row): Checkpoint => ({ name: String(row.name), lastKey: String(row.last_key), batches: Number(row.batches), rowsDone: Number(row.rows_done) }));
    },
    async versions() {
      if (!(await exists())) return [];
      return (await sql.query(`SELECT DISTINCT version FROM ${sql.table()} ORDER BY version`)).map((row) => String(row.version));
    },
    async write(version, checkpoint) {
      await sql.run(sql.upsert(sql.table()), [version, checkpoint.name, checkpoint.lastKey, checkpoint.batches, checkpoint.rowsDone, new Date().toISOString()]);
    },
    async clear(version) {
      await sql.run(`DELETE FROM ${sql.table()} WHERE version = ${p(1)}`, [version]);
    },
  };
}

/** The columns every dialect's checkpoint table has, given its text, key-text and integer types. */
export function checkpointColumns(keyText: string, text: string, integer: string, time: string): string {
  return `version ${keyText} NOT NULL, name ${keyText} NOT NULL, last_key ${text} NOT NULL, batches ${integer} NOT NULL, rows_done ${integer} NOT NULL, updated_at ${time} NOT NULL, PRIMARY KEY (version, name)`;
}

/** `a.b` → each part quoted by `quote`. */
export function quoteDotted(table: string, quote: (name: string) => string): string {
  return table.split('.').map(quote).join('.');
}

/** `a.b` → ['a', 'b']; `b` → [null, 'b']. */
export function splitTable(table: string): [schema: string | null, name: string] {
  const dot = table.indexOf('.');
  return dot < 0 ? [null, table] : [table.slice(0, dot), table.slice(dot + 1)];
}
