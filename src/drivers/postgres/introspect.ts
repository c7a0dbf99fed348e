/**
 * What `info`, `reset` and a code migration's `tableExists`/`columnExists`/`indexExists` see
 * in PostgreSQL: the migration's schema — the configured one, else the connection's current
 * schema (`$1` is the configured schema or null in every query here).
 */
import type { DatabaseInfo, DbObject } from '../driver.js';
import type { Engine } from './engine.js';
import type { RunQuery } from './lock.js';

const SCHEMA = 'coalesce($1::text, current_schema())';

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

const RELATION_EXISTS = `SELECT EXISTS (
  SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = ${SCHEMA} AND c.relname = $2 AND c.relkind = ANY($3::"char"[])) AS found`;

const COLUMN_EXISTS = `SELECT EXISTS (
  SELECT 1 FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = ${SCHEMA} AND c.relname = $2 AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped) AS found`;

/** Tables, partitioned tables, views, materialized views and foreign tables count as tables. */
export async function tableExists(run: RunQuery, schema: string | null, table: string): Promise<boolean> {
  return found(await run(RELATION_EXISTS, [schema, table, ['r', 'p', 'v', 'm', 'f']]));
}

export async function columnExists(run: RunQuery, schema: string | null, table: string, column: string): Promise<boolean> {
  return found(await run(COLUMN_EXISTS, [schema, table, column]));
}

export async function indexExists(run: RunQuery, schema: string | null, index: string): Promise<boolean> {
  return found(await run(RELATION_EXISTS, [schema, index, ['i', 'I']]));
}

function found(result: { rows: unknown[] }): boolean {
  return (result.rows[0] as { found: boolean } | undefined)?.found === true;
}

/**
 * Row counts are catalog estimates (`estimated: true`), never a count(*) over a table of
 * unknown size: pg_class.reltuples (the planner's figure, kept by VACUUM and ANALYZE); for a
 * table never vacuumed or analyzed (reltuples = -1 since PostgreSQL 14; 0 before), the
 * statistics system's live-row count (pg_stat_user_tables.n_live_tup), which every committed
 * insert and delete updates. Partitions are listed, not their partitioned parents (which hold
 * no rows themselves).
 */
export async function postgresInfo(run: RunQuery, schema: string | null, engine: Engine, serverVersion: string): Promise<DatabaseInfo> {
  const tablesSql =
    engine === 'postgresql'
      ? `SELECT c.relname AS name, c.reltuples::float8 AS reltuples, s.n_live_tup::float8 AS live
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = c.oid
          WHERE n.nspname = ${SCHEMA} AND c.relkind = 'r' ORDER BY c.relname`
      : `SELECT c.relname AS name, c.reltuples::float8 AS reltuples, NULL::float8 AS live
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ${SCHEMA} AND c.relkind = 'r' ORDER BY c.relname`;
  const { rows } = await run(tablesSql, [schema]);
  let sizeBytes: number | null = null;
  if (engine !== 'cockroachdb') {
    const size = await run('SELECT pg_database_size(current_database())::float8 AS size');
    sizeBytes = Number((size.rows[0] as { size: number }).size);
  }
  const tables = (rows as { name: string; reltuples: number; live: number | null }[]).map((row) => ({
    name: row.name,
    rows: Math.max(0, Math.round(row.reltuples >= 0 ? row.reltuples : (row.live ?? 0))),
    estimated: true,
  }));
  return { engine, serverVersion, sizeBytes, tables };
}

/**
 * Everything `reset` drops in the schema: views and materialized views, tables (partitions go
 * with their parent), foreign tables, sequences no column owns, functions, procedures and
 * aggregates, types and domains. Not what an extension owns, not array or row types (they
 * go with their element or table), not strata's tracking tables (`keep`). Extensions stay:
 * other schemas may use them and dropping one needs its owner. Newest first within a kind.
 */
export async function listPostgresObjects(run: RunQuery, schema: string | null, keep: readonly string[]): Promise<DbObject[]> {
  const notExtension = (catalog: string, oid: string) =>
    `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;
  const { rows } = await run(
    `WITH ns AS (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ${SCHEMA})
     SELECT type, name FROM (
       SELECT CASE c.relkind WHEN 'v' THEN 1 WHEN 'm' THEN 2 WHEN 'f' THEN 4 WHEN 'S' THEN 5 ELSE 3 END AS rank,
              CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
                             WHEN 'S' THEN 'sequence' ELSE 'table' END AS type,
              c.relname::text AS name, c.oid::int8 AS id
         FROM pg_catalog.pg_class c
        WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND NOT c.relispartition AND NOT (c.relname = ANY($2::text[]))
          AND ${notExtension('pg_class', 'c.oid')}
          AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
       UNION ALL
       SELECT 6, CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
              p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', p.oid::int8
         FROM pg_catalog.pg_proc p
        WHERE p.pronamespace IN (SELECT oid FROM ns) AND ${notExtension('pg_proc', 'p.oid')}
       UNION ALL
       SELECT 7, CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, t.typname::text, t.oid::int8
         FROM pg_catalog.pg_type t
        WHERE t.typnamespace IN (SELECT oid FROM ns) AND t.typtype IN ('b', 'c', 'd', 'e', 'r')
          AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)
          AND ${notExtension('pg_type', 't.oid')}
     ) AS objects
     ORDER BY rank, id DESC`,
    [schema, keep],
  );
  return rows as DbObject[];
}

const DROP_KEYWORDS: Readonly<Record<string, string>> = {
  view: 'VIEW',
  'materialized view': 'MATERIALIZED VIEW',
  table: 'TABLE',
  'foreign table': 'FOREIGN TABLE',
  sequence: 'SEQUENCE',
  function: 'FUNCTION',
  procedure: 'PROCEDURE',
  aggregate: 'AGGREGATE',
  type: 'TYPE',
  domain: 'DOMAIN',
};

/**
 * `DROP … IF EXISTS "schema"."name" CASCADE`: CASCADE takes what depends on it (triggers,
 * indexes, a view over a dropped table); IF EXISTS because an earlier CASCADE may have.
 * Routines are named `name(identity arguments)` as pg_get_function_identity_arguments wrote them.
 */
export function dropStatement(schema: string, object: DbObject): string {
  const keyword = DROP_KEYWORDS[object.type];
  if (!keyword) throw new Error(`cannot drop a ${object.type}`);
  let name = quoteIdent(object.name);
  if (object.type === 'function' || object.type === 'procedure' || object.type === 'aggregate') {
    const open = object.name.indexOf('(');
    name = `${quoteIdent(object.name.slice(0, open))}${object.name.slice(open)}`;
  }
  return `DROP ${keyword} IF EXISTS ${quoteIdent(schema)}.${name} CASCADE`;
}
