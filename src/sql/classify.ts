/**
 * What kind of statement a split statement is: what a migration that runs inside strata's
 * transaction must refuse, what must run without lock_timeout, what lint warns about, and
 * which table a lock wait was on. Pure functions on one statement's text.
 *
 * Every function that reads past the first character lexes with the dialect's rules, so a
 * keyword inside a string or comment never counts: pass the syntax the statement was split
 * with (there is no default, so a caller cannot silently read MySQL with PostgreSQL's rules).
 */

import { SqlLexer, type SqlTokenKind } from './lexer.js';
import type { SqlSyntax } from './syntax.js';

/** A token of one statement, with the parenthesis depth it sits at. */
export interface Token {
  readonly kind: SqlTokenKind;
  readonly raw: string;
  /** Upper-cased text for words, '' for everything else. */
  readonly word: string;
  readonly depth: number;
}

/** Lazy, so questions about the first words never lex a 5 MB INSERT to its end. */
export function* tokensOf(text: string, syntax: SqlSyntax): Generator<Token> {
  const lexer = new SqlLexer(text, syntax);
  let depth = 0;
  for (let token = lexer.next(); token; token = lexer.next()) {
    const raw = text.slice(token.start, token.end);
    const punct = token.kind === 'punct' ? raw : '';
    if (punct === ')') depth = Math.max(0, depth - 1);
    yield { kind: token.kind, raw, word: token.kind === 'word' ? raw.toUpperCase() : '', depth };
    if (punct === '(') depth++;
  }
}

/** The statement's first words, up to `count`, stopping at the first token that is not one. */
export function leadingWords(text: string, syntax: SqlSyntax, count: number): string[] {
  const words: string[] = [];
  for (const token of tokensOf(text, syntax)) {
    if (token.kind !== 'word' || words.length === count) break;
    words.push(token.word);
  }
  return words;
}

/** The first `count` words anywhere in the statement, punctuation skipped. */
function firstWords(text: string, syntax: SqlSyntax, count: number): string[] {
  const words: string[] = [];
  for (const token of tokensOf(text, syntax)) {
    if (words.length === count) break;
    if (token.kind === 'word') words.push(token.word);
  }
  return words;
}

/** Tokens outside parentheses (the parentheses themselves included). */
function topLevelTokens(text: string, syntax: SqlSyntax): Token[] {
  const tokens: Token[] = [];
  for (const token of tokensOf(text, syntax)) if (token.depth === 0) tokens.push(token);
  return tokens;
}

/** Words that may follow BEGIN when it starts a transaction (SQLite, PostgreSQL, MySQL). */
const BEGIN_TRANSACTION_WORDS: ReadonlySet<string> = new Set([
  'TRANSACTION', 'WORK', 'DEFERRED', 'IMMEDIATE', 'EXCLUSIVE', 'ISOLATION', 'READ', 'DEFERRABLE',
]);

/**
 * BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK (also ROLLBACK TO SAVEPOINT), ABORT,
 * PREPARE TRANSACTION and MySQL's XA. Not `BEGIN ATOMIC` / MariaDB's `BEGIN NOT ATOMIC`
 * bodies, nor a BEGIN … END block: those hold statements instead of starting a transaction.
 * SAVEPOINT and RELEASE are allowed: they nest inside strata's transaction.
 */
export function isTransactionControl(text: string, syntax: SqlSyntax): boolean {
  const [first, second, third] = leadingWords(text, syntax, 3);
  switch (first) {
    case 'BEGIN':
      return second === undefined || BEGIN_TRANSACTION_WORDS.has(second) || (second === 'NOT' && third === 'DEFERRABLE');
    case 'START':
    case 'PREPARE':
      return second === 'TRANSACTION';
    case 'COMMIT':
    case 'END':
    case 'ROLLBACK':
    case 'ABORT':
    case 'XA':
      return true;
    default:
      return false;
  }
}

/** A psql (or mysql client) command such as `\connect db` or `\i file.sql`. */
export function isPsqlMetaCommand(text: string): boolean {
  return text.trimStart().startsWith('\\');
}

/** `COPY … FROM STDIN`: its data comes from the client, which strata is not. */
export function isCopyFromStdin(text: string, syntax: SqlSyntax): boolean {
  let previous = '';
  let first = true;
  for (const token of tokensOf(text, syntax)) {
    if (first && token.word !== 'COPY') return false;
    first = false;
    if (token.depth === 0 && previous === 'FROM' && token.word === 'STDIN') return true;
    previous = token.word;
  }
  return false;
}

/** REINDEX names what it rebuilds with one of these; CONCURRENTLY comes before or right after. */
const REINDEX_TARGETS: ReadonlySet<string> = new Set(['INDEX', 'TABLE', 'SCHEMA', 'DATABASE', 'SYSTEM']);

/**
 * PostgreSQL statements that wait for other transactions by design and cannot run inside a
 * transaction block: CREATE [UNIQUE] INDEX / DROP INDEX / REINDEX / REFRESH MATERIALIZED VIEW
 * … CONCURRENTLY, and ALTER TABLE … DETACH PARTITION … CONCURRENTLY (PostgreSQL 14).
 */
export function isConcurrently(text: string, syntax: SqlSyntax): boolean {
  const words = firstWords(text, syntax, 16);
  switch (words[0]) {
    case 'CREATE': {
      const index = words[1] === 'UNIQUE' ? 2 : 1;
      return words[index] === 'INDEX' && words[index + 1] === 'CONCURRENTLY';
    }
    case 'DROP':
      return words[1] === 'INDEX' && words[2] === 'CONCURRENTLY';
    case 'REFRESH':
      return words[1] === 'MATERIALIZED' && words[2] === 'VIEW' && words[3] === 'CONCURRENTLY';
    case 'REINDEX': {
      // `REINDEX (VERBOSE, CONCURRENTLY) TABLE t` or `REINDEX TABLE CONCURRENTLY t`.
      const target = words.findIndex((word) => REINDEX_TARGETS.has(word));
      return target > 0 && words.slice(1, target + 2).includes('CONCURRENTLY');
    }
    case 'ALTER': {
      const detach = words.indexOf('DETACH');
      return words[1] === 'TABLE' && detach > 0 && words[detach + 1] === 'PARTITION' && words.indexOf('CONCURRENTLY', detach) > 0;
    }
    default:
      return false;
  }
}

/**
 * Statements the database refuses inside a transaction block, so a migration that runs in
 * one would fail there, after the migrations before it ran. PostgreSQL: the CONCURRENTLY
 * forms of CREATE/DROP INDEX, REINDEX and DETACH PARTITION (not REFRESH MATERIALIZED VIEW
 * CONCURRENTLY, which runs in one), REINDEX SYSTEM/DATABASE, VACUUM, CREATE/DROP DATABASE,
 * CREATE/DROP TABLESPACE and ALTER SYSTEM. SQLite: VACUUM. MySQL: none that matter (its DDL
 * commits implicitly, so strata never wraps it).
 */
export function cannotRunInTransaction(text: string, syntax: SqlSyntax): boolean {
  const { vacuumOutsideTransaction, serverDdlOutsideTransaction, concurrently } = syntax;
  if (!vacuumOutsideTransaction && !serverDdlOutsideTransaction && !concurrently) return false;
  const [first, second] = leadingWords(text, syntax, serverDdlOutsideTransaction ? 2 : 1);
  if (first === 'VACUUM') return vacuumOutsideTransaction;
  if (serverDdlOutsideTransaction) {
    switch (first) {
      case 'CREATE':
      case 'DROP':
        if (second === 'DATABASE' || second === 'TABLESPACE') return true;
        break;
      case 'ALTER':
        if (second === 'SYSTEM') return true;
        break;
      case 'REINDEX': {
        // `REINDEX (VERBOSE) SYSTEM db`: options may come before the target.
        const words = firstWords(text, syntax, 8);
        const target = words.find((word) => REINDEX_TARGETS.has(word));
        if (target === 'SYSTEM' || target === 'DATABASE') return true;
        break;
      }
    }
  }
  return concurrently && first !== 'REFRESH' && isConcurrently(text, syntax);
}

export interface DestructiveFinding {
  readonly code: 'drop-table' | 'drop-column' | 'truncate' | 'delete-without-where' | 'update-without-where';
  readonly message: string;
}

/**
 * A statement that destroys data, for lint warnings: DROP TABLE, ALTER TABLE … DROP [COLUMN]
 * c, TRUNCATE, and DELETE or UPDATE without a WHERE clause of its own (a WHERE inside a
 * subquery, string or comment does not count). The first finding only.
 */
export function findDestructive(text: string, syntax: SqlSyntax): DestructiveFinding | null {
  const tokens = topLevelTokens(text, syntax);
  const verbAt = mainVerbIndex(tokens);
  const table = targetTable(tokens) ?? 'the table';
  switch (tokens[verbAt]?.word) {
    case 'DROP':
      if (tokens[verbAt + 1]?.word !== 'TABLE') return null;
      return { code: 'drop-table', message: `DROP TABLE ${table} deletes the table and every row in it` };
    case 'TRUNCATE':
      return { code: 'truncate', message: `TRUNCATE ${table} deletes every row` };
    case 'ALTER': {
      const column = droppedColumn(tokens);
      if (column === null) return null;
      return { code: 'drop-column', message: `ALTER TABLE ${table} drops column ${column} and its data` };
    }
    case 'DELETE':
      if (hasWordAfter(tokens, verbAt, 'WHERE')) return null;
      return { code: 'delete-without-where', message: `DELETE from ${table} has no WHERE clause: it deletes every row` };
    case 'UPDATE':
      if (hasWordAfter(tokens, verbAt, 'WHERE')) return null;
      return { code: 'update-without-where', message: `UPDATE of ${table} has no WHERE clause: it changes every row` };
    default:
      return null;
  }
}

/**
 * Best effort: the table an ALTER TABLE, CREATE INDEX … ON, DROP TABLE, TRUNCATE, LOCK
 * TABLE, INSERT/REPLACE INTO, UPDATE or DELETE FROM statement targets, unquoted, schema
 * prefix kept (`public.users`). For naming the table in a lock-timeout message.
 */
export function tableOfStatement(text: string, syntax: SqlSyntax): string | null {
  return targetTable(topLevelTokens(text, syntax));
}

/** Where `WITH … AS (…)` is followed by the statement proper, its verb; else 0. */
function mainVerbIndex(tokens: readonly Token[]): number {
  if (tokens[0]?.word !== 'WITH') return 0;
  const verb = tokens.findIndex((token) => DML_VERBS.has(token.word));
  return verb < 0 ? 0 : verb;
}

const DML_VERBS: ReadonlySet<string> = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'REPLACE']);

function targetTable(tokens: readonly Token[]): string | null {
  const verbAt = mainVerbIndex(tokens);
  const after = verbAt + 1;
  switch (tokens[verbAt]?.word) {
    case 'ALTER':
      return nameAt(tokens, alterTableNameIndex(tokens));
    case 'DROP':
      return tokens[after]?.word === 'TABLE' ? nameAt(tokens, skipWords(tokens, after + 1, ['IF', 'EXISTS'])) : null;
    case 'TRUNCATE':
      return nameAt(tokens, skipWords(tokens, after, ['TABLE', 'ONLY']));
    case 'LOCK':
      return nameAt(tokens, skipWords(tokens, after, ['TABLE', 'TABLES', 'ONLY']));
    case 'CREATE': {
      const index = skipWords(tokens, after, ['UNIQUE', 'FULLTEXT', 'SPATIAL']);
      if (tokens[index]?.word !== 'INDEX') return null;
      const on = wordIndex(tokens, 'ON', index);
      return on < 0 ? null : nameAt(tokens, skipWords(tokens, on + 1, ['ONLY']));
    }
    case 'INSERT':
    case 'REPLACE':
      return nameAt(tokens, skipWords(tokens, after, INSERT_MODIFIERS));
    case 'UPDATE':
      return nameAt(tokens, skipWords(tokens, after, UPDATE_MODIFIERS));
    case 'DELETE': {
      const from = wordIndex(tokens, 'FROM', after);
      return from < 0 ? null : nameAt(tokens, skipWords(tokens, from + 1, ['ONLY']));
    }
    default:
      return null;
  }
}

/** MySQL priorities, `INSERT IGNORE`, SQLite's `INSERT OR REPLACE`, and INTO itself. */
const INSERT_MODIFIERS = ['LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'IGNORE', 'OR', 'REPLACE', 'ROLLBACK', 'ABORT', 'FAIL', 'INTO'];
const UPDATE_MODIFIERS = ['LOW_PRIORITY', 'IGNORE', 'ONLY', 'OR', 'REPLACE', 'ROLLBACK', 'ABORT', 'FAIL'];

/** Index of the table name in `ALTER [ONLINE|IGNORE] TABLE [IF EXISTS] [ONLY] name`, or -1. */
export function alterTableNameIndex(tokens: readonly Token[]): number {
  const table = skipWords(tokens, 1, ['ONLINE', 'IGNORE']);
  if (tokens[0]?.word !== 'ALTER' || tokens[table]?.word !== 'TABLE') return -1;
  return skipWords(tokens, table + 1, ['IF', 'EXISTS', 'ONLY']);
}

/** What `ALTER TABLE t DROP x` drops when x is not a column. */
const DROPPED_NON_COLUMNS: ReadonlySet<string> = new Set([
  'CONSTRAINT', 'INDEX', 'KEY', 'PRIMARY', 'FOREIGN', 'CHECK', 'PARTITION', 'SYSTEM', 'PERIOD',
]);

/**
 * The column an ALTER TABLE drops, COLUMN being optional (`DROP [COLUMN] [IF EXISTS] c`).
 * Only a DROP that starts an action counts: `ALTER COLUMN c DROP DEFAULT` drops no column.
 */
function droppedColumn(tokens: readonly Token[]): string | null {
  const nameIndex = alterTableNameIndex(tokens);
  if (nameIndex < 0) return null;
  let i = skipName(tokens, nameIndex);
  if (tokens[i]?.raw === '*') i++; // PostgreSQL: `ALTER TABLE t * …` includes descendants.
  for (let actionStart = true; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === undefined) break;
    if (actionStart && token.word === 'DROP') {
      const next = tokens[i + 1];
      if (next !== undefined && !DROPPED_NON_COLUMNS.has(next.word)) {
        const column = skipWords(tokens, i + 1, ['COLUMN', 'IF', 'EXISTS']);
        return nameAt(tokens, column);
      }
    }
    actionStart = token.kind === 'punct' && token.raw === ',';
  }
  return null;
}

function hasWordAfter(tokens: readonly Token[], index: number, word: string): boolean {
  return wordIndex(tokens, word, index + 1) >= 0;
}

export function wordIndex(tokens: readonly Token[], word: string, from: number): number {
  for (let i = Math.max(0, from); i < tokens.length; i++) if (tokens[i]?.word === word) return i;
  return -1;
}

export function skipWords(tokens: readonly Token[], from: number, words: readonly string[]): number {
  let i = from;
  while (i >= 0 && words.includes(tokens[i]?.word ?? '')) i++;
  return i;
}

/** Index just past the (possibly qualified) name at `from`. */
export function skipName(tokens: readonly Token[], from: number): number {
  let i = from;
  while (namePart(tokens[i]) !== null) {
    i++;
    if (tokens[i]?.raw !== '.') break;
    i++;
  }
  return i;
}

/** `users`, `public.users`, `"My Table"`, `` `db`.`t` `` at `index`, quotes removed. */
export function nameAt(tokens: readonly Token[], index: number): string | null {
  if (index < 0) return null;
  const parts: string[] = [];
  for (let i = index; ; i += 2) {
    const part = namePart(tokens[i]);
    if (part === null) break;
    parts.push(part);
    if (tokens[i + 1]?.raw !== '.') break;
  }
  return parts.length > 0 ? parts.join('.') : null;
}

function namePart(token: Token | undefined): string | null {
  if (token === undefined) return null;
  if (token.kind === 'word') return token.raw;
  if (token.kind !== 'quoted') return null;
  const open = token.raw.charAt(0);
  if (open === '[') return token.raw.slice(1, token.raw.endsWith(']') ? -1 : undefined);
  const inner = token.raw.length > 1 && token.raw.endsWith(open) ? token.raw.slice(1, -1) : token.raw.slice(1);
  return inner.replaceAll(open + open, open);
}
