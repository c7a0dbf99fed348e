/**
 * Other tools' history tables in PostgreSQL (§12): one pg_catalog query over every asked
 * (schema, table) — a ref without a schema is looked for in the run's schema (`--schema`,
 * else current_schema()). Relations are found by their (name, namespace) index.
 */
import type { HistoryTables, TableRef } from '../../core/ports/index.js';
import { foundTables, type CatalogColumn } from '../history-tables.js';
import { quoteIdent } from './introspect.js';
import type { RunQuery } from './lock.js';

const FIND = `SELECT w.i::int AS i, n.nspname AS schema, c.relname AS name, a.attname AS column
  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS w(nsp, rel, i)
  JOIN pg_catalog.pg_namespace n ON n.nspname = coalesce(w.nsp, $3::text, current_schema())
  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w.rel AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped`;

export function postgresHistoryTables(run: RunQuery, schema: string | null): HistoryTables {
  return {
    async find(refs: readonly TableRef[]) {
      if (refs.length === 0) return [];
      const { rows } = await run(FIND, [refs.map((r) => r.schema ?? null), refs.map((r) => r.table), schema]);
      const columns = (rows as { i: number; schema: string; name: string; column: string }[]).map((row): CatalogColumn => ({ ...row, ref: row.i - 1 }));
      return foundTables(refs, columns, (_ref, index, row) => row.ref === index, (row) => `${quoteIdent(row.schema!)}.${quoteIdent(row.name)}`);
    },
  };
}
