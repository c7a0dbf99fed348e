/**
 * strata's own reader of a statement's actions, on the splitter's tokens: every dialect, and
 * PostgreSQL when its parser is not installed. Best effort by design: it reads the forms
 * migrations are written in (ALTER TABLE subcommands, CREATE INDEX, DROP/TRUNCATE/RENAME,
 * DELETE/UPDATE, VACUUM, CLUSTER) and gives no action for what it does not recognise.
 */
import {
  alterTableNameIndex, isConcurrently, leadingWords, nameAt, skipName, skipWords, tableOfStatement, tokensOf, wordIndex, type Token,
} from '../sql/classify.js';
import type { SqlSyntax } from '../sql/split.js';
import { SERIAL_TYPES, tableKey, VOLATILE_FUNCTIONS, type Action, type AlterTable, type ConstraintKind, type DefaultKind, type StatementFacts } from './actions.js';

const NO_FACTS: StatementFacts = { actions: [], alterTable: null, concurrently: false };

export function readStatement(text: string, syntax: SqlSyntax): StatementFacts {
  const head = leadingWords(text, syntax, 3);
  const concurrently = syntax.concurrently && isConcurrently(text, syntax);
  switch (head[0]) {
    case 'CREATE':
      return { ...NO_FACTS, actions: createActions([...tokensOf(text, syntax)]), concurrently };
    case 'DROP':
      if (head[1] !== 'TABLE') return { ...NO_FACTS, concurrently };
      return { ...NO_FACTS, actions: dropTables(topLevel(text, syntax)) };
    case 'TRUNCATE':
      return { ...NO_FACTS, actions: tableList(topLevel(text, syntax), 1, ['TABLE', 'ONLY']).map((table) => ({ type: 'truncate', table })) };
    case 'DELETE':
    case 'UPDATE':
    case 'WITH':
      return { ...NO_FACTS, actions: dmlActions(text, syntax) };
    case 'ALTER':
      return alterTableFacts([...tokensOf(text, syntax)], concurrently);
    case 'RENAME':
      return { ...NO_FACTS, actions: head[1] === 'TABLE' ? renameTables(topLevel(text, syntax)) : [] };
    case 'VACUUM':
      return { ...NO_FACTS, actions: vacuumIsFull([...tokensOf(text, syntax)]) ? [{ type: 'vacuum-full' }] : [] };
    case 'CLUSTER': {
      const tokens = topLevel(text, syntax);
      const name = nameAt(tokens, skipWords(tokens, 1, ['VERBOSE']));
      return { ...NO_FACTS, actions: [{ type: 'cluster', table: name === null ? null : tableKey(name) }] };
    }
    default:
      return { ...NO_FACTS, concurrently };
  }
}

function topLevel(text: string, syntax: SqlSyntax): Token[] {
  return [...tokensOf(text, syntax)].filter((token) => token.depth === 0);
}

/** `a, b, c` from `from` (after skipping `skip`), up to CASCADE/RESTRICT or the end. */
function tableList(tokens: readonly Token[], from: number, skip: readonly string[]): string[] {
  const tables: string[] = [];
  for (let i = skipWords(tokens, from, skip); i < tokens.length; ) {
    const name = nameAt(tokens, skipWords(tokens, i, ['ONLY']));
    if (name === null) break;
    tables.push(tableKey(name));
    i = skipName(tokens, skipWords(tokens, i, ['ONLY']));
    if (tokens[i]?.raw === '*') i++;
    if (tokens[i]?.raw !== ',') break;
    i++;
  }
  return tables;
}

function dropTables(tokens: readonly Token[]): Action[] {
  const ifExists = tokens[2]?.word === 'IF' && tokens[3]?.word === 'EXISTS';
  return tableList(tokens, 2, ['IF', 'EXISTS']).map((table) => ({ type: 'drop-table', table, ifExists }));
}

const CREATE_TABLE_MODIFIERS = ['OR', 'REPLACE', 'TEMP', 'TEMPORARY', 'UNLOGGED', 'GLOBAL', 'LOCAL'];

function createActions(tokens: readonly Token[]): Action[] {
  const top = tokens.filter((token) => token.depth === 0);
  const at = skipWords(top, 1, CREATE_TABLE_MODIFIERS);
  if (top[at]?.word === 'TABLE') {
    const name = nameAt(top, skipWords(top, at + 1, ['IF', 'NOT', 'EXISTS']));
    return name === null ? [] : [{ type: 'create-table', table: tableKey(name) }];
  }
  const index = skipWords(top, 1, ['UNIQUE', 'FULLTEXT', 'SPATIAL']);
  if (top[index]?.word !== 'INDEX') return [];
  const concurrently = top[index + 1]?.word === 'CONCURRENTLY';
  const nameIndex = skipWords(top, index + 1, ['CONCURRENTLY', 'IF', 'NOT', 'EXISTS']);
  const on = wordIndex(top, 'ON', index);
  if (on < 0) return [];
  const table = nameAt(top, skipWords(top, on + 1, ['ONLY']));
  if (table === null) return [];
  return [{ type: 'create-index', table: tableKey(table), index: nameIndex < on ? nameAt(top, nameIndex) : null, concurrently }];
}

function dmlActions(text: string, syntax: SqlSyntax): Action[] {
  const top = topLevel(text, syntax);
  const verbAt = top[0]?.word === 'WITH' ? top.findIndex((token) => token.word === 'DELETE' || token.word === 'UPDATE') : 0;
  const verb = top[verbAt]?.word;
  if (verbAt < 0 || (verb !== 'DELETE' && verb !== 'UPDATE')) return [];
  const name = tableOfStatement(text, syntax);
  const where = wordIndex(top, 'WHERE', verbAt + 1) >= 0;
  return [{ type: verb === 'DELETE' ? 'delete' : 'update', table: name === null ? null : tableKey(name), where }];
}

function renameTables(tokens: readonly Token[]): Action[] {
  const actions: Action[] = [];
  for (let i = 2; i < tokens.length; ) {
    const from = nameAt(tokens, i);
    const toAt = skipName(tokens, i);
    const to = tokens[toAt]?.word === 'TO' ? nameAt(tokens, toAt + 1) : null;
    if (from === null || to === null) break;
    actions.push({ type: 'rename-table', table: tableKey(from), to: tableKey(to) });
    i = skipName(tokens, toAt + 1);
    if (tokens[i]?.raw !== ',') break;
    i++;
  }
  return actions;
}

/** `VACUUM FULL t`, `VACUUM (FULL, ANALYZE) t`, `VACUUM (FULL true)`. */
function vacuumIsFull(tokens: readonly Token[]): boolean {
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.word === 'FULL') return !['FALSE', 'OFF', '0'].includes(tokens[i + 1]?.word ?? '');
    if (token.depth === 0 && token.kind !== 'punct' && !['FREEZE', 'VERBOSE', 'ANALYZE', 'ANALYSE'].includes(token.word)) return false;
  }
  return false;
}

// ---- ALTER TABLE ----

function alterTableFacts(tokens: readonly Token[], concurrently: boolean): StatementFacts {
  const nameIndex = alterTableNameIndex(tokens);
  const name = nameAt(tokens, nameIndex);
  if (nameIndex < 0 || name === null) return { ...NO_FACTS, concurrently };
  const table = tableKey(name);
  let start = skipName(tokens, nameIndex);
  if (tokens[start]?.raw === '*') start++;
  const actions: Action[] = [];
  const beyondSqlite: string[] = [];
  let algorithm: string | null = null;
  let subcommands = 0;
  let renameOnly = true;
  for (const sub of subcommandsOf(tokens, start)) {
    const first = sub[0]?.word;
    if (first === 'ALGORITHM' || first === 'LOCK') {
      if (first === 'ALGORITHM') algorithm = (sub[1]?.raw === '=' ? sub[2] : sub[1])?.word ?? null;
      continue;
    }
    subcommands++;
    if (first !== 'RENAME') renameOnly = false;
    const read = readSubcommand(sub, table);
    actions.push(read.action);
    if (read.beyondSqlite !== null) beyondSqlite.push(read.beyondSqlite);
  }
  const alterTable: AlterTable = { table, algorithm, subcommands, renameOnly: renameOnly && subcommands > 0, beyondSqlite };
  return { actions, alterTable, concurrently };
}

/** The subcommands after the table name, split at top-level commas. */
function subcommandsOf(tokens: readonly Token[], start: number): Token[][] {
  const subs: Token[][] = [];
  let current: Token[] = [];
  for (let i = start; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.depth === 0 && token.raw === ',') {
      subs.push(current);
      current = [];
    } else current.push(token);
  }
  if (current.length > 0) subs.push(current);
  return subs.filter((sub) => sub.length > 0);
}

/** What `ALTER TABLE t DROP x` drops when x is not a column. */
const NOT_COLUMNS: ReadonlySet<string> = new Set([
  'CONSTRAINT', 'INDEX', 'KEY', 'PRIMARY', 'FOREIGN', 'CHECK', 'PARTITION', 'SYSTEM', 'PERIOD', 'UNIQUE', 'FULLTEXT', 'SPATIAL', 'EXCLUDE', 'DEFAULT',
]);
const CONSTRAINT_WORDS: ReadonlyMap<string, ConstraintKind> = new Map([
  ['CHECK', 'check'], ['FOREIGN', 'foreign-key'], ['UNIQUE', 'unique'], ['PRIMARY', 'primary-key'], ['EXCLUDE', 'exclude'],
]);

interface Subcommand {
  readonly action: Action;
  /** What SQLite's ALTER TABLE cannot do here, or null. */
  readonly beyondSqlite: string | null;
}

function readSubcommand(sub: readonly Token[], table: string): Subcommand {
  const top = sub.filter((token) => token.depth === 0);
  const [first, second] = [top[0]?.word ?? '', top[1]?.word ?? ''];
  const other = (what: string): Subcommand => ({ action: { type: 'alter-other', table, what }, beyondSqlite: what });
  switch (first) {
    case 'ADD':
      if (second === 'CONSTRAINT' || CONSTRAINT_WORDS.has(second)) return { action: addConstraint(sub, table), beyondSqlite: 'ADD CONSTRAINT' };
      if (NOT_COLUMNS.has(second)) return other(`ADD ${second}`);
      return addColumn(sub, table);
    case 'DROP': {
      if (NOT_COLUMNS.has(second)) return other(`DROP ${second}`);
      const column = nameAt(top, skipWords(top, 1, ['COLUMN', 'IF', 'EXISTS']));
      return column === null ? other('DROP') : { action: { type: 'drop-column', table, column }, beyondSqlite: null };
    }
    case 'ALTER':
    case 'MODIFY': {
      if (first === 'ALTER' && second === 'CONSTRAINT') return other('ALTER CONSTRAINT');
      const at = skipWords(top, 1, ['COLUMN']);
      const column = nameAt(top, at) ?? '?';
      const rest = top.slice(skipName(top, at)).map((token) => token.word);
      const what = first === 'MODIFY' ? 'MODIFY' : 'ALTER COLUMN';
      if (first === 'ALTER' && (rest[0] === 'TYPE' || (rest[0] === 'SET' && rest[1] === 'DATA'))) return { action: { type: 'alter-column-type', table, column }, beyondSqlite: what };
      if (first === 'ALTER' && rest[0] === 'SET' && rest[1] === 'NOT' && rest[2] === 'NULL') return { action: { type: 'set-not-null', table, column }, beyondSqlite: what };
      return other(what);
    }
    case 'RENAME': {
      if (second === 'TO' || second === 'AS') {
        const to = nameAt(top, 2);
        return { action: { type: 'rename-table', table, to: tableKey(to ?? '?') }, beyondSqlite: null };
      }
      if (second === 'CONSTRAINT' || second === 'INDEX' || second === 'KEY') return other(`RENAME ${second}`);
      const at = skipWords(top, 1, ['COLUMN']);
      const to = wordIndex(top, 'TO', at);
      return { action: { type: 'rename-column', table, column: nameAt(top, at) ?? '?', to: nameAt(top, to + 1) ?? '?' }, beyondSqlite: null };
    }
    case 'CHANGE': {
      const at = skipWords(top, 1, ['COLUMN', 'IF', 'EXISTS']);
      const from = nameAt(top, at);
      const to = nameAt(top, skipName(top, at));
      if (from !== null && to !== null && from.toLowerCase() !== to.toLowerCase()) return { action: { type: 'rename-column', table, column: from, to }, beyondSqlite: 'CHANGE' };
      return other('CHANGE');
    }
    case 'VALIDATE':
      return { action: { type: 'validate-constraint', table, name: (nameAt(top, 2) ?? '').toLowerCase() }, beyondSqlite: 'VALIDATE CONSTRAINT' };
    default:
      return other([first, second].filter(Boolean).join(' '));
  }
}

function addConstraint(sub: readonly Token[], table: string): Action {
  const top = sub.filter((token) => token.depth === 0);
  const named = top[1]?.word === 'CONSTRAINT';
  const name = named ? nameAt(top, 2) : null;
  const kindAt = named ? skipName(top, 2) : 1;
  const kind = CONSTRAINT_WORDS.get(top[kindAt]?.word ?? '') ?? 'other';
  const words = top.map((token) => token.word);
  const notValid = words.some((word, i) => word === 'NOT' && words[i + 1] === 'VALID');
  const using = words.findIndex((word, i) => word === 'USING' && words[i + 1] === 'INDEX');
  return {
    type: 'add-constraint', table, name: name === null ? null : name.toLowerCase(), kind, notValid,
    usingIndex: using < 0 ? null : nameAt(top, using + 2), notNullColumn: kind === 'check' ? checkedNotNull(sub) : null,
  };
}

/** `CHECK (c IS NOT NULL)` → c. */
function checkedNotNull(sub: readonly Token[]): string | null {
  const check = sub.findIndex((token) => token.word === 'CHECK');
  const inner = sub.slice(check + 1);
  if (inner[0]?.raw !== '(') return null;
  const column = nameAt(inner, 1);
  const after = skipName(inner, 1);
  const rest = inner.slice(after, after + 4).map((token) => token.word || token.raw);
  return column !== null && rest.join(' ') === 'IS NOT NULL )' ? column : null;
}

function addColumn(sub: readonly Token[], table: string): Subcommand {
  const top = sub.filter((token) => token.depth === 0);
  const at = skipWords(top, 1, ['COLUMN', 'IF', 'NOT', 'EXISTS']);
  const column = nameAt(top, at) ?? '?';
  const typeAt = skipName(top, at);
  const type = top[typeAt]?.word.toLowerCase() ?? '';
  const words = top.map((token) => token.word);
  const pair = (a: string, b: string) => words.some((word, i) => word === a && words[i + 1] === b);
  const defaultAt = words.indexOf('DEFAULT');
  let volatileBy: string | null = SERIAL_TYPES.has(type) ? type : null;
  for (let i = typeAt; i < sub.length && volatileBy === null; i++) {
    const word = sub[i]!.word.toLowerCase();
    if (VOLATILE_FUNCTIONS.has(word) && sub[i + 1]?.raw === '(') volatileBy = `${word}()`;
  }
  if (volatileBy === null && words.includes('GENERATED')) {
    if (words.includes('IDENTITY')) volatileBy = 'an identity column';
    else if (words.includes('STORED')) volatileBy = 'a stored generated column';
  }
  const kind: DefaultKind = volatileBy !== null ? 'volatile' : defaultAt >= 0 ? 'constant' : 'none';
  const defaultIsExpression = defaultAt >= 0 && !isLiteral(top, defaultAt + 1);
  const notNull = pair('NOT', 'NULL');
  const keyed = words.includes('PRIMARY') || words.includes('UNIQUE');
  const notAtEnd = words.includes('FIRST') || words.includes('AFTER');
  const stored = words.includes('GENERATED') && words.includes('STORED');
  const sqliteProblem = keyed ? 'ADD COLUMN … PRIMARY KEY/UNIQUE'
    : notNull && defaultAt < 0 && !words.includes('GENERATED') ? 'ADD COLUMN … NOT NULL without a default'
    : defaultIsExpression ? 'ADD COLUMN with a non-constant default'
    : stored ? 'ADD COLUMN … GENERATED … STORED' : null;
  return {
    action: { type: 'add-column', table, column, default: kind, volatileBy, defaultIsExpression, notNull, keyed, notAtEnd },
    beyondSqlite: sqliteProblem,
  };
}

/** A string, number, NULL, TRUE or FALSE (optionally signed) at `index`. */
function isLiteral(tokens: readonly Token[], index: number): boolean {
  let token = tokens[index];
  if (token?.raw === '-' || token?.raw === '+') token = tokens[index + 1];
  if (token === undefined) return false;
  if (token.kind === 'string') return true;
  return token.kind === 'word' && (/^[0-9.]/.test(token.raw) || ['NULL', 'TRUE', 'FALSE'].includes(token.word));
}
