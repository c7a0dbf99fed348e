/**
 * A CREATE INDEX CONCURRENTLY that fails (duplicate keys for a unique index, a cancel, a
 * deadlock) does not roll back: it leaves its index behind, marked INVALID — never used by
 * queries, yet updated by every write, and in the way of running the migration again (the
 * name is taken). The error does not say so; strata names the index and the statement that
 * removes it without blocking writes (§6).
 */
import { isConcurrently, tableOfStatement } from '../../sql/classify.js';
import { POSTGRES_SYNTAX } from './syntax.js';
import { quoteIdent } from './introspect.js';
import type { RunQuery } from './lock.js';

/** `CREATE [UNIQUE] INDEX CONCURRENTLY`, after any leading comments. */
const CREATE_FIRST = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*CREATE\b/i;

/** Every INVALID index on a table, schema-qualified and quoted. */
const INVALID_INDEXES = `SELECT format('%I.%I', n.nspname, c.relname) AS name
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT i.indisvalid AND i.indrelid = to_regclass($1)
 ORDER BY 1`;

/**
 * After `statement` failed: null unless it was a CREATE INDEX CONCURRENTLY that left INVALID
 * indexes on its table (`schema` qualifies an unqualified table name). Also names an INVALID
 * index an earlier failure left on that table: it needs the same treatment.
 */
export async function invalidIndexHint(run: RunQuery, statement: string, schema: string): Promise<string | null> {
  if (!isConcurrently(statement, POSTGRES_SYNTAX) || !CREATE_FIRST.test(statement)) return null;
  const table = tableOfStatement(statement, POSTGRES_SYNTAX);
  if (!table) return null;
  const qualified = table.includes('.') ? table : `${quoteIdent(schema)}.${quoteIdent(table)}`;
  const { rows } = await run(INVALID_INDEXES, [qualified]);
  const names = (rows as { name: string }[]).map((row) => row.name);
  if (names.length === 0) return null;
  const drops = names.map((name) => `DROP INDEX CONCURRENTLY ${name}`).join('; ');
  return names.length === 1
    ? `CREATE INDEX CONCURRENTLY left the index ${names[0]} INVALID (unused by queries, still updated by every write): run \`${drops}\``
    : `the table has INVALID indexes left by CREATE INDEX CONCURRENTLY (${names.join(', ')}): run \`${drops}\``;
}
