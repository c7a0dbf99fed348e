/**
 * The schema model that `dump`, `test` and `drift` share: a database's schema as a list of
 * objects, each with the SQL that creates it, in an order that loads into an empty database.
 * Pure: the drivers read the catalogs (their SchemaReader); this file orders, renders and
 * compares what they read, the same way for every dialect.
 */
import { RankHeap } from './order.js';

/** One schema object and the SQL that creates it. */
export interface SchemaObject {
  /** `table`, `index`, `constraint`, `view`, `function`, `trigger`, `sequence`, `type`, … */
  readonly type: string;
  /** Unique within its type: `users`, `users.users_email_fk` (per-table objects), `f(integer)`. */
  readonly name: string;
  /** The statement(s) that create it, each ending with `;`, with no database or schema name. */
  readonly sql: string;
  /** The table it belongs to (index, constraint, trigger), or null. */
  readonly table?: string | null;
  /** Keys (`schemaObjectKey`) of the objects that must exist before this one. */
  readonly dependsOn?: readonly string[];
  /**
   * How it is written in a script when that differs from `sql` (MySQL's routines and triggers:
   * between DELIMITER lines, since their bodies hold semicolons).
   */
  readonly script?: string;
}

/** What a SchemaReader returns: the objects and what a script of them must start with. */
export interface SchemaSnapshot {
  /** In load order (orderSchema). */
  readonly objects: readonly SchemaObject[];
  /** Statements a script runs before the objects (PostgreSQL: SET check_function_bodies = false). */
  readonly preamble: readonly string[];
}

export interface SchemaReadOptions {
  /** Also the tracking tables strata itself creates (`<table>`, `<table>_log`, `<table>_lock`). */
  readonly includeTracking: boolean;
}

/**
 * The port a driver implements to read its live schema from the catalogs, with no external
 * program. Read-only: it creates nothing and takes no lock; a database that does not exist
 * reads as an empty schema.
 */
export interface SchemaReader {
  read(options: SchemaReadOptions): Promise<SchemaSnapshot>;
}

/** A difference between two schemas, object by object (the `drift` document's shape). */
export interface SchemaDifference {
  readonly object: string;
  readonly type: string;
  /** Seen from `expected`: `added` is only in `actual`, `removed` only in `expected`. */
  readonly change: 'added' | 'removed' | 'changed';
  /** The object's SQL in `expected`, or null. */
  readonly expected: string | null;
  /** The object's SQL in `actual`, or null. */
  readonly actual: string | null;
}

export const schemaObjectKey = (type: string, name: string): string => `${type} ${name}`;

/**
 * Which kinds come first when nothing else decides: what tables use (extensions, types,
 * sequences, routines), tables, then what needs tables (foreign keys, indexes, views,
 * triggers, events). Kinds not listed go last, by name.
 */
const RANK: readonly string[] = [
  'extension',
  'type',
  'domain',
  'sequence',
  'function',
  'procedure',
  'table',
  'constraint',
  'index',
  'view',
  'materialized view',
  'trigger',
  'event',
];

const rankOf = (type: string): number => {
  const rank = RANK.indexOf(type);
  return rank === -1 ? RANK.length : rank;
};

const byRankAndName = (a: SchemaObject, b: SchemaObject): number =>
  rankOf(a.type) - rankOf(b.type) || compareText(a.type, b.type) || compareText(a.name, b.name);

/** Code-point order: the same on every machine and locale (localeCompare is not). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The load order: every object after what it depends on (`dependsOn`, and its `table`), and
 * otherwise by kind then name — so the order depends only on the schema, never on creation
 * order or object ids. A dependency cycle (which a live schema can hold, e.g. two routines
 * that name each other) is broken by taking the first remaining object in that order.
 */
export function orderSchema(objects: readonly SchemaObject[]): SchemaObject[] {
  const sorted = [...objects].sort(byRankAndName);
  const keys = new Map(sorted.map((object, i) => [schemaObjectKey(object.type, object.name), i]));
  const waitingOn = sorted.map(() => new Set<number>());
  const dependents = sorted.map(() => [] as number[]);
  sorted.forEach((object, i) => {
    const needs = [...(object.dependsOn ?? []), ...(object.table ? [schemaObjectKey('table', object.table)] : [])];
    for (const key of needs) {
      const j = keys.get(key);
      if (j === undefined || j === i || waitingOn[i]!.has(j)) continue;
      waitingOn[i]!.add(j);
      dependents[j]!.push(i);
    }
  });
  const done = new Array<boolean>(sorted.length).fill(false);
  const result: SchemaObject[] = [];
  // Indices are in (rank, name) order, so "the lowest ready index" is the next in that order.
  const ready = new RankHeap();
  sorted.forEach((_, i) => waitingOn[i]!.size === 0 && ready.push(i));
  let scan = 0;
  while (result.length < sorted.length) {
    let next = ready.pop();
    if (next === undefined) {
      while (done[scan]) scan++;
      next = scan; // a cycle: take the first remaining one
    }
    if (done[next]) continue;
    done[next] = true;
    result.push(sorted[next]!);
    for (const k of dependents[next]!) {
      const waiting = waitingOn[k]!;
      waiting.delete(next);
      if (waiting.size === 0 && !done[k]) ready.push(k);
    }
  }
  return result;
}

const HEADER = '-- Schema dumped by strata (`strata dump`): load it into an empty database.\n';

/**
 * The dump as one SQL script: the preamble, then each object's statement(s), a blank line
 * between objects. Nothing in it names the database, the server or the time, so two databases
 * with the same schema give the same bytes. An empty schema is the header alone.
 */
export function schemaScript(snapshot: SchemaSnapshot): string {
  if (snapshot.objects.length === 0) return HEADER;
  const parts = [snapshot.preamble.map((statement) => `${statement}\n`).join(''), ...snapshot.objects.map((object) => `${object.script ?? object.sql}\n`)];
  return `${HEADER}\n${parts.filter((part) => part !== '').join('\n')}`;
}

/**
 * Object by object: what `actual` has that `expected` does not (`added`), the reverse
 * (`removed`), and what both have with different SQL (`changed`). In `expected`'s order, then
 * the added ones in `actual`'s. Objects are matched by type and name.
 */
export function compareSchemas(expected: readonly SchemaObject[], actual: readonly SchemaObject[]): SchemaDifference[] {
  const actualByKey = new Map(actual.map((object) => [schemaObjectKey(object.type, object.name), object]));
  const expectedKeys = new Set<string>();
  const differences: SchemaDifference[] = [];
  for (const object of expected) {
    const key = schemaObjectKey(object.type, object.name);
    expectedKeys.add(key);
    const other = actualByKey.get(key);
    if (!other) differences.push({ object: object.name, type: object.type, change: 'removed', expected: object.sql, actual: null });
    else if (other.sql !== object.sql) differences.push({ object: object.name, type: object.type, change: 'changed', expected: object.sql, actual: other.sql });
  }
  for (const object of actual) {
    if (!expectedKeys.has(schemaObjectKey(object.type, object.name))) {
      differences.push({ object: object.name, type: object.type, change: 'added', expected: null, actual: object.sql });
    }
  }
  return differences;
}

/** The suffix of db.batch's checkpoint table, `<table>_ckpt` (five characters, like `_lock`). */
export const CHECKPOINT_SUFFIX = '_ckpt';

/**
 * Every table strata itself creates for a tracking table: `<table>`, `<table>_log`,
 * `<table>_lock` and `<table>_ckpt` (db.batch checkpoints). A dump leaves them out unless
 * asked, `reset` never drops them, a scratch database is emptied of them.
 */
export function trackingTables(table: string): string[] {
  return [table, `${table}_log`, `${table}_lock`, `${table}${CHECKPOINT_SUFFIX}`];
}
