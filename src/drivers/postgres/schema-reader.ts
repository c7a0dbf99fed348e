/**
 * PostgreSQL's schema for `dump`, `test` and `drift`, read from pg_catalog in one read-only
 * transaction with the configured schema alone on the search_path (see schema-queries.ts):
 * the objects come out without the schema's name, so a dump loads into any schema.
 */
import { orderSchema, trackingTables, type SchemaObject, type SchemaReader, type SchemaSnapshot } from '../../core/schema.js';
import type { RunQuery } from './lock.js';
import { quoteIdent } from './introspect.js';
import {
  COLUMNS_SQL, CONSTRAINTS_SQL, DEPENDENCIES_SQL, EXTENSIONS_SQL, INDEXES_SQL, ROUTINES_SQL, SEQUENCES_SQL, TRIGGERS_SQL, TYPES_SQL, VIEWS_SQL,
} from './schema-queries.js';

type Rows = Record<string, any>[];

/**
 * SQL-language routines are checked against the tables when created, and may name tables that
 * come later in the dump: the script turns the check off, as pg_dump's scripts do.
 */
const PREAMBLE = ['SET check_function_bodies = false;'];

export interface PostgresSchemaSource {
  readonly run: RunQuery;
  /** A migration's transaction is open: read inside it, changing nothing about it. */
  readonly inTransaction: () => boolean;
  readonly schema: string;
  readonly table: string;
}

export function postgresSchemaReader(source: PostgresSchemaSource): SchemaReader {
  return {
    async read(options): Promise<SchemaSnapshot> {
      const hidden = options.includeTracking ? [] : trackingTables(source.table);
      const own = !source.inTransaction();
      // One snapshot for every query, and the schema alone on the search_path.
      if (own) await source.run(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path TO ${quoteIdent(source.schema)}`);
      try {
        const query = async (sql: string, withHidden = false): Promise<Rows> =>
          (await source.run(sql, withHidden ? [source.schema, hidden] : [source.schema])).rows as Rows;
        const qschema = ((await source.run('SELECT quote_ident($1::text) AS q', [source.schema])).rows[0] as { q: string }).q;
        const objects = [
          ...(await query(EXTENSIONS_SQL)).map((row) => object('extension', row.name, `CREATE EXTENSION IF NOT EXISTS ${row.qname};`)),
          ...(await query(TYPES_SQL)).map(typeObject),
          ...tablesAndSequences(await query(COLUMNS_SQL, true), await query(CONSTRAINTS_SQL, true), await query(SEQUENCES_SQL, true), new Set(hidden)),
          ...(await query(INDEXES_SQL, true)).map((row) =>
            object('index', row.name, `${indexStatement(row.definition, qschema)};`, [`${row.table_kind} ${row.table}`])),
          ...(await query(VIEWS_SQL)).map(viewObject),
          ...(await query(ROUTINES_SQL)).map((row) =>
            object(row.kind, row.name, `${unqualify(row.definition, ['FUNCTION ', 'PROCEDURE '], qschema).trimEnd()};`)),
          ...(await query(TRIGGERS_SQL, true)).map((row) =>
            object('trigger', `${row.table}.${row.name}`, `${unqualify(row.definition, [' ON '], qschema)};`, [`${row.table_kind} ${row.table}`])),
        ];
        const needs = new Map<string, string[]>();
        for (const row of await query(DEPENDENCIES_SQL)) {
          const list = needs.get(row.dependent) ?? [];
          list.push(row.referenced);
          needs.set(row.dependent, list);
        }
        const linked = objects.map((o) => ({ ...o, dependsOn: [...(o.dependsOn ?? []), ...(needs.get(`${o.type} ${o.name}`) ?? [])] }));
        return { objects: orderSchema(linked), preamble: objects.length > 0 ? PREAMBLE : [] };
      } finally {
        if (own) await source.run('ROLLBACK');
      }
    },
  };
}

const object = (type: string, name: string, sql: string, dependsOn: string[] = [], table: string | null = null): SchemaObject => ({ type, name, sql, dependsOn, table });

/**
 * The server's deparsers name a table or routine with its schema whatever the search_path
 * (pg_get_indexdef, pg_get_triggerdef, pg_get_functiondef): the schema's name is taken out
 * right after the keyword that introduces the name, and nowhere else.
 */
function unqualify(definition: string, markers: readonly string[], qschema: string): string {
  for (const marker of markers) {
    const at = definition.indexOf(`${marker}${qschema}.`);
    if (at !== -1) return `${definition.slice(0, at + marker.length)}${definition.slice(at + marker.length + qschema.length + 1)}`;
  }
  return definition;
}

/**
 * A partitioned table's index is deparsed `ON ONLY` (pg_dump then attaches each partition's
 * index); the dump creates the partitions first, so a plain `ON` makes the partitions' indexes
 * with it, under the names they had.
 */
function indexStatement(definition: string, qschema: string): string {
  return unqualify(definition, [' ON ONLY ', ' ON '], qschema).replace(/ ON ONLY /, ' ON ');
}

function typeObject(row: Rows[number]): SchemaObject {
  switch (row.kind) {
    case 'e':
      return object('type', row.name, `CREATE TYPE ${row.qname} AS ENUM (${row.labels ?? ''});`);
    case 'r':
      return object('type', row.name, `CREATE TYPE ${row.qname} AS RANGE (subtype = ${row.subtype});`);
    case 'd': {
      const parts = [`CREATE DOMAIN ${row.qname} AS ${row.base}`];
      if (row.default !== null) parts.push(`DEFAULT ${row.default}`);
      if (row.not_null) parts.push('NOT NULL');
      if (row.checks) parts.push(row.checks);
      return object('domain', row.name, `${parts.join(' ')};`);
    }
    default:
      return object('type', row.name, `CREATE TYPE ${row.qname} AS (${row.attributes ?? ''});`);
  }
}

function viewObject(row: Rows[number]): SchemaObject {
  const materialized = row.kind === 'm';
  const definition = String(row.definition).trim().replace(/;$/, '');
  const options = row.options ? ` WITH (${row.options})` : '';
  return object(materialized ? 'materialized view' : 'view', row.name, `CREATE ${materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${row.qname}${options} AS\n ${definition};`);
}

const CONSTRAINT_ORDER = 'pucx';

/**
 * Tables with their columns and their own primary key, unique, check and exclusion
 * constraints; foreign keys as objects of their own (they need the other table); sequences,
 * a serial's `OWNED BY` going with its table (it needs the table, the table's default needs
 * the sequence). An identity column's sequence is the column's: it is not dumped apart.
 */
function tablesAndSequences(columns: Rows, constraints: Rows, sequences: Rows, hidden: ReadonlySet<string>): SchemaObject[] {
  const objects: SchemaObject[] = [];
  const ownedBy = new Map<string, string[]>();
  for (const row of sequences) {
    if (row.owned === 'i' || (row.owner_table !== null && hidden.has(row.owner_table))) continue;
    const cycle = row.cycle ? 'CYCLE' : 'NO CYCLE';
    objects.push(object('sequence', row.name, `CREATE SEQUENCE ${row.qname} AS ${row.type} INCREMENT BY ${row.increment} MINVALUE ${row.min} MAXVALUE ${row.max} START WITH ${row.start} CACHE ${row.cache} ${cycle};`));
    if (row.owned === 'a' && row.owner_table !== null) {
      ownedBy.set(row.owner_table, [...(ownedBy.get(row.owner_table) ?? []), `ALTER SEQUENCE ${row.qname} OWNED BY ${row.owner_column};`]);
    }
  }
  const byTable = new Map<string, Rows>();
  for (const row of columns) byTable.set(row.table, [...(byTable.get(row.table) ?? []), row]);
  const inline = new Map<string, Rows>();
  for (const row of constraints) {
    if (row.kind === 'f') {
      objects.push(object('constraint', `${row.table}.${row.name}`, `ALTER TABLE ${row.qtable} ADD CONSTRAINT ${row.qname} ${row.definition};`, [], row.table));
    } else {
      inline.set(row.table, [...(inline.get(row.table) ?? []), row]);
    }
  }
  for (const [table, rows] of byTable) {
    const first = rows[0]!;
    const own = (inline.get(table) ?? []).sort((a, b) => CONSTRAINT_ORDER.indexOf(a.kind) - CONSTRAINT_ORDER.indexOf(b.kind) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const statements: string[] = [];
    if (first.parent !== null) {
      statements.push(`CREATE TABLE ${first.qtable} PARTITION OF ${first.parent} ${first.bound};`);
      for (const c of own) statements.push(`ALTER TABLE ${first.qtable} ADD CONSTRAINT ${c.qname} ${c.definition};`);
    } else {
      const lines = rows.filter((r) => r.column !== null).map(columnLine);
      for (const c of own) lines.push(`CONSTRAINT ${c.qname} ${c.definition}`);
      const body = lines.length === 0 ? '()' : `(\n    ${lines.join(',\n    ')}\n)`;
      const partition = first.partition_key ? ` PARTITION BY ${first.partition_key}` : '';
      statements.push(`CREATE ${first.persistence === 'u' ? 'UNLOGGED ' : ''}TABLE ${first.qtable} ${body}${partition};`);
    }
    statements.push(...(ownedBy.get(table) ?? []));
    if (first.table_comment !== null) statements.push(`COMMENT ON TABLE ${first.qtable} IS ${first.table_comment};`);
    for (const row of rows) if (row.column_comment !== null) statements.push(`COMMENT ON COLUMN ${first.qtable}.${row.column} IS ${row.column_comment};`);
    objects.push(object('table', table, statements.join('\n')));
  }
  return objects;
}

function columnLine(row: Rows[number]): string {
  let line = `${row.column} ${row.type}`;
  if (row.collation) line += ` COLLATE ${row.collation}`;
  if (row.generated === 's') line += ` GENERATED ALWAYS AS (${row.default}) STORED`;
  else if (row.default !== null) line += ` DEFAULT ${row.default}`;
  if (row.identity === 'a') line += ' GENERATED ALWAYS AS IDENTITY';
  else if (row.identity === 'd') line += ' GENERATED BY DEFAULT AS IDENTITY';
  if (row.not_null) line += ' NOT NULL';
  return line;
}
