/**
 * SQLite's 12-step table rebuild (https://sqlite.org/lang_altertable.html#otheralter), for
 * `db.recreateTable` (SPEC §10), inside the transaction open on the connection:
 *
 *   1. drop the triggers and views that name the table (a view naming a missing table makes
 *      the RENAME below fail, and so does a trigger of another table whose body names it);
 *   2. create the new table under a temporary name;
 *   3. copy the rows (`columns` kept, `map` expressions);
 *   4. drop the old table (its indexes and triggers go with it);
 *   5. rename the new table;
 *   6. re-create the indexes, views and triggers from their stored SQL, in schema order;
 *   7. keep an AUTOINCREMENT table's sequence from going backwards.
 *
 * Foreign keys are off during the migration (§2), so the DROP deletes no child row; the
 * children's `REFERENCES table` names the new table once it is renamed. The core checks
 * `PRAGMA foreign_key_check` before the migration commits.
 */
import type Database from 'better-sqlite3';
import type { RunRebuildStatement, TableRebuildRequest } from '../../core/table-rebuild.js';
import { splitStatements } from '../../sql/split.js';
import { SQLITE_SYNTAX } from './syntax.js';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

interface SchemaRow {
  readonly type: string;
  readonly name: string;
  readonly tbl_name: string;
  readonly sql: string;
}

interface ColumnRow {
  readonly name: string;
  /** 0 plain, 1 hidden (virtual tables), 2 generated VIRTUAL, 3 generated STORED. */
  readonly hidden: number;
}

export async function rebuildTable(db: Database.Database, request: TableRebuildRequest, run: RunRebuildStatement): Promise<void> {
  const label = `db.recreateTable("${request.table}")`;
  const old = db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name = ? COLLATE NOCASE AND type IN ('table', 'view')`).get(request.table) as SchemaRow | undefined;
  if (!old || old.type !== 'table') throw new Error(`${label}: ${old ? `"${old.name}" is a view, not a table` : 'there is no such table in this database'}`);
  if (/^\s*CREATE\s+VIRTUAL\b/i.test(old.sql)) throw new Error(`${label}: "${old.name}" is a virtual table, which cannot be rebuilt this way: create the new one and copy the rows yourself`);
  const table = old.name;
  refuseWithForeignKeysOn(db, table, label);

  const temp = freeName(db, `strata_rebuild_${table}`);
  const createSql = renamedCreate(request.createSql, table, temp, label);
  const dependents = dependentsOf(db, table);
  // What SQLite says names the temporary table: the user knows it by its own name.
  const step = async (what: string, sql: string) => {
    try {
      await run(sql);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      // SQLite's own errors only: a stop (signal, lost lease) passes through as it is.
      if (error instanceof Error && typeof code === 'string' && code.startsWith('SQLITE_')) {
        error.message = `${label} failed ${what}: ${error.message.split(temp).join(table)}`;
      }
      throw error;
    }
  };

  for (const trigger of dependents.triggers) await step(`dropping trigger ${trigger.name}`, `DROP TRIGGER IF EXISTS ${q(trigger.name)}`);
  for (const view of [...dependents.views].reverse()) await step(`dropping view ${view.name}`, `DROP VIEW IF EXISTS ${q(view.name)}`);
  await step('creating the new table', createSql);
  const copy = copyStatement(db, table, temp, request, label);
  if (copy) await step('copying the rows', copy);
  const sequence = sequenceOf(db, table);
  await step(`dropping the old table`, `DROP TABLE ${q(table)}`);
  await step('renaming the new table', `ALTER TABLE ${q(temp)} RENAME TO ${q(table)}`);
  for (const index of dependents.indexes) {
    await step(`re-creating index ${index.name} (drop it before the rebuild, or create it again after, if the new table cannot have it)`, index.sql);
  }
  for (const view of dependents.views) await step(`re-creating view ${view.name} (drop it before the rebuild and create it again after, if it needs the old table's columns)`, view.sql);
  for (const trigger of dependents.triggers) {
    await step(`re-creating trigger ${trigger.name} (drop it before the rebuild and create it again after, if it needs the old table's columns)`, trigger.sql);
  }
  if (sequence !== null && /\bAUTOINCREMENT\b/i.test(createSql)) {
    // The copy set the sequence to the largest id copied; ids deleted at the end stay used.
    await step('keeping its AUTOINCREMENT sequence', `UPDATE sqlite_sequence SET seq = ${sequence} WHERE name = ${sqlString(table)} AND seq < ${sequence}`);
    await step('keeping its AUTOINCREMENT sequence', `INSERT INTO sqlite_sequence (name, seq) SELECT ${sqlString(table)}, ${sequence} WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ${sqlString(table)})`);
  }
}

/** With foreign keys enforced, the DROP would delete (or refuse to drop) the rows of the children. */
function refuseWithForeignKeysOn(db: Database.Database, table: string, label: string): void {
  if (db.pragma('foreign_keys', { simple: true }) !== 1) return;
  const children = (db
    .prepare(`SELECT DISTINCT m.name FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table' AND f."table" = ? COLLATE NOCASE AND m.name <> ? COLLATE NOCASE`)
    .all(table, table) as { name: string }[]).map((r) => r.name);
  if (children.length === 0) return;
  throw new Error(`${label}: foreign keys are enforced in this migration, so dropping the old table would delete or refuse the rows of ${children.join(', ')} that reference it; run the rebuild in a migration without \`foreignKeys: true\` / \`-- foreign-keys: on\` (strata checks the keys before it commits)`);
}

/** `base`, or `base_2`, … : a name no object has. */
function freeName(db: Database.Database, base: string): string {
  const taken = db.prepare('SELECT 1 FROM sqlite_schema WHERE name = ? COLLATE NOCASE');
  let name = base;
  for (let n = 2; taken.get(name); n++) name = `${base}_${n}`;
  return name;
}

/** The indexes of `table`, and the views and triggers that name it (or name such a view), in schema order. */
function dependentsOf(db: Database.Database, table: string): { indexes: SchemaRow[]; views: SchemaRow[]; triggers: SchemaRow[] } {
  const rows = db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND type IN ('index', 'view', 'trigger') ORDER BY rowid`).all() as SchemaRow[];
  const indexes = rows.filter((r) => r.type === 'index' && same(r.tbl_name, table));
  const named = [table];
  const views: SchemaRow[] = [];
  // A view of a view of the table fails the rename as well: follow the chain.
  for (let grew = true; grew; ) {
    grew = false;
    for (const view of rows) {
      if (view.type !== 'view' || views.includes(view) || !named.some((name) => mentions(view.sql, name))) continue;
      views.push(view);
      named.push(view.name);
      grew = true;
    }
  }
  views.sort((a, b) => rows.indexOf(a) - rows.indexOf(b));
  const triggers = rows.filter((r) => r.type === 'trigger' && named.some((name) => same(r.tbl_name, name) || mentions(r.sql, name)));
  return { indexes, views, triggers };
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Whether `sql` names `name` as a word (quoted or not). A false match only re-creates an object unchanged. */
function mentions(sql: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_$\\u0080-\\uffff])${escaped}($|[^A-Za-z0-9_$\\u0080-\\uffff])`, 'i').test(sql);
}

const NAME = String.raw`(?:"(?:[^"]|"")*"|\[[^\]]*\]|` + '`(?:[^`]|``)*`' + String.raw`|'(?:[^']|'')*'|[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)`;
const LEADING = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;
/** [1] up to the name, [2] TEMP/VIRTUAL, [3] the schema, [4] the name. */
const HEAD = new RegExp(String.raw`^(CREATE\s+(TEMP\s+|TEMPORARY\s+|VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?)(?:(${NAME})\s*\.\s*)?(${NAME})`, 'i');

/** The one CREATE TABLE statement of `sql`, creating `temp` instead of `table`. */
function renamedCreate(sql: string, table: string, temp: string, label: string): string {
  const statements = splitStatements(sql, SQLITE_SYNTAX);
  if (statements.length !== 1) throw new Error(`${label}: the new table's SQL must be one CREATE TABLE statement (got ${statements.length} statements)`);
  const text = statements[0]!.text;
  const start = LEADING.exec(text)![0].length;
  const head = HEAD.exec(text.slice(start));
  if (!head) throw new Error(`${label}: the new table's SQL must start with CREATE TABLE ${table} (…)`);
  if (head[2]) throw new Error(`${label}: the new table's SQL creates a ${head[2].trim().toUpperCase()} table; write a plain CREATE TABLE ${table} (…)`);
  if (head[3] !== undefined && !same(unquote(head[3]), 'main')) throw new Error(`${label}: the new table's SQL names the schema ${head[3]}; only tables of the main database can be rebuilt`);
  const created = unquote(head[4]!);
  if (!same(created, table)) throw new Error(`${label}: the new table's SQL creates "${created}", not "${table}": name the table being rebuilt (strata creates it under a temporary name)`);
  const rest = text.slice(start + head[0].length);
  if (/^\s*AS\b/i.test(rest)) throw new Error(`${label}: CREATE TABLE … AS SELECT declares no column types or constraints; write the new table's columns`);
  // The name (with its schema) is replaced; everything else is kept as written.
  return `${text.slice(0, start + head[1]!.length)}${q(temp)}${rest}`;
}

function unquote(name: string): string {
  const first = name[0];
  if (first === '"' || first === '`' || first === "'") return name.slice(1, -1).split(first + first).join(first);
  if (first === '[') return name.slice(1, -1);
  return name;
}

/** INSERT INTO temp (…) SELECT … FROM table, or null when no column is copied (an error when the table has rows). */
function copyStatement(db: Database.Database, table: string, temp: string, request: TableRebuildRequest, label: string): string | null {
  const columnsOf = (name: string) => db.prepare('SELECT name, hidden FROM pragma_table_xinfo(?)').all(name) as ColumnRow[];
  // Generated columns of the new table compute themselves; the old table's can be read.
  const targets = columnsOf(temp).filter((c) => c.hidden === 0).map((c) => c.name);
  const sources = columnsOf(table).filter((c) => c.hidden !== 1).map((c) => c.name);
  const find = (list: readonly string[], name: string) => list.find((c) => same(c, name));
  const map = new Map<string, string>();
  for (const [column, expression] of Object.entries(request.map ?? {})) {
    const target = find(targets, column);
    if (!target) throw new Error(`${label}: map names the column "${column}", which the new table does not have${targetsNote(targets)}`);
    map.set(target, expression);
  }
  let kept: string[];
  if (request.columns) {
    kept = request.columns.map((column) => {
      if (!find(sources, column)) throw new Error(`${label}: columns names "${column}", which "${table}" does not have (its columns: ${sources.join(', ')})`);
      const target = find(targets, column);
      if (!target) throw new Error(`${label}: columns names "${column}", which the new table does not have: give it a new name with map (e.g. map: { new_name: '${column}' })`);
      if (map.has(target)) throw new Error(`${label}: "${column}" is both in columns and in map; keep it in one`);
      return target;
    });
  } else {
    kept = targets.filter((c) => !map.has(c) && find(sources, c) !== undefined);
  }
  const copied = [...kept.map((c) => [c, q(find(sources, c)!)] as const), ...map];
  if (copied.length === 0) {
    const rows = db.prepare(`SELECT 1 FROM ${q(table)} LIMIT 1`).get();
    if (rows) throw new Error(`${label}: no column of "${table}" would be copied and it has rows: name what to keep with columns or map`);
    return null;
  }
  return `INSERT INTO ${q(temp)} (${copied.map(([c]) => q(c)).join(', ')}) SELECT ${copied.map(([, e]) => e).join(', ')} FROM ${q(table)}`;
}

function targetsNote(targets: readonly string[]): string {
  return ` (its columns: ${targets.join(', ')})`;
}

/** The AUTOINCREMENT sequence of `table`, or null. */
function sequenceOf(db: Database.Database, table: string): number | null {
  const exists = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_sequence'`).get();
  if (!exists) return null;
  const row = db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').get(table) as { seq: number } | undefined;
  return row ? Number(row.seq) : null;
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
