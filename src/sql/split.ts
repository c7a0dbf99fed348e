/**
 * strata's own SQL statement splitter. Drivers never get a whole file in multi-statement
 * mode: strata needs each statement's line for error messages, and must see every statement
 * (transaction control, psql meta-commands, COPY FROM stdin) before it runs the first one.
 *
 * One pass, linear in the input: a lexer that knows each dialect's quoting and comments, and
 * a tracker that says whether a `;` ends the statement or sits inside a trigger or routine
 * body (or inside parentheses).
 */

export type SqlSyntax = 'sqlite' | 'postgres' | 'mysql';

export interface Statement {
  /** The statement from its first token to its last: no leading comments, no delimiter. */
  readonly text: string;
  /** 1-based line, in the whole file, of the statement's first token. */
  readonly line: number;
}

/** What a string, quoted name or comment that runs to the end of the input was. */
export type UnterminatedKind = 'block comment' | 'string' | 'quoted identifier' | 'dollar-quoted string' | 'executable comment' | 'goose statement block' | 'BEGIN … END body';

/** A string, quoted name or comment opened and never closed: it swallows the rest of the input. */
export interface Unterminated {
  readonly kind: UnterminatedKind;
  /** 1-based line, in the whole file, where it opens. */
  readonly line: number;
  /** Its first characters as written (`/*`, `'`, `$body$` …), for messages. */
  readonly opener: string;
}

export interface SplitScript {
  readonly statements: Statement[];
  /** Set when the input ends inside a string or comment; the statements then lose text. */
  readonly unterminated: Unterminated | null;
}

/**
 * Splits a script into statements. `startLine` is the line of `sql`'s first line within its
 * file, because the up and down sections of a migration file are split separately.
 */
export function splitStatements(sql: string, syntax: SqlSyntax, opts: { startLine?: number } = {}): Statement[] {
  return new StatementSplitter(sql, syntax, opts.startLine ?? 1).split().statements;
}

/** splitStatements, and whether the script ends inside a string or comment (refused, §2). */
export function splitScript(sql: string, syntax: SqlSyntax, opts: { startLine?: number } = {}): SplitScript {
  return new StatementSplitter(sql, syntax, opts.startLine ?? 1).split();
}

/**
 * Which of `offsets` (ascending) lie outside every string, quoted name, comment and `COPY …
 * FROM stdin` data block, as the splitter reads `sql`: where a `-- migrate:down` line is a
 * marker rather than text inside a string or a commented-out block. The reference for
 * marker-scan.ts, which answers the same faster.
 */
export function outsideStringsAndCommentsBySplitting(sql: string, syntax: SqlSyntax, offsets: readonly number[]): boolean[] {
  const outside = offsets.map(() => true);
  if (offsets.length === 0) return outside;
  let next = 0;
  const last = offsets[offsets.length - 1]!;
  const splitter = new StatementSplitter(sql, syntax, 1, (start, end) => {
    while (next < offsets.length && offsets[next]! <= start) next++;
    for (let i = next; i < offsets.length && offsets[i]! < end; i++) outside[i] = false;
    // Past the last offset nothing can change the answer: stop lexing the rest.
    return start <= last;
  });
  splitter.split();
  return outside;
}

export type SqlTokenKind =
  | 'word' //          keyword, identifier, number or $1-style parameter
  | 'quoted' //        quoted identifier: "x", `x` (MySQL, SQLite), [x] (SQLite)
  | 'string' //        '…', E'…' and $tag$…$tag$ (PostgreSQL), "…" (MySQL)
  | 'code-comment' //  MySQL's /*! … */, which MySQL executes, so it is code, not a comment
  | 'punct' //         any other single character
  | 'delimiter' //     what ends a statement: `;`, or what a MySQL DELIMITER line set
  | 'meta'; //         a client command line starting with a backslash (`\connect db`)

/** Offsets into the lexed text; whitespace and comments produce no token. */
export interface SqlToken {
  readonly kind: SqlTokenKind;
  readonly start: number;
  readonly end: number;
}

const TAB = 9;
const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const SPACE = 32;
const BANG = 33;
const DOUBLE_QUOTE = 34;
const HASH = 35;
const DOLLAR = 36;
const SINGLE_QUOTE = 39;
const STAR = 42;
const DASH = 45;
const DOT = 46;
const SLASH = 47;
const UPPER_M = 77;
const OPEN_BRACKET = 91;
const BACKSLASH = 92;
const BACKTICK = 96;
const LOWER_E = 101;

/** dollarQuoteEnd: the `$` opens no dollar quote. */
const NOT_A_QUOTE = -2;

function isSpace(c: number): boolean {
  return c === SPACE || (c >= TAB && c <= CARRIAGE_RETURN);
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `$` belongs to identifiers in every dialect (`foo$bar`), and to `$1` parameters. */
function isWordChar(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === DOLLAR;
}

/** End of the line holding `from`, before its `\n` or `\r\n`. */
function lineEnd(sql: string, from: number): number {
  const newline = sql.indexOf('\n', from);
  if (newline < 0) return sql.length;
  return newline > from && sql.charCodeAt(newline - 1) === CARRIAGE_RETURN ? newline - 1 : newline;
}

/** Tokens of one dialect. Also used by the classifier, so both read SQL the same way. */
export class SqlLexer {
  /** What ends a statement; a MySQL `DELIMITER` line changes it. */
  delimiter = ';';
  /** Set when the input ended inside a string, quoted name or comment: its kind and offset. */
  unterminated: { readonly kind: UnterminatedKind; readonly start: number } | null = null;
  private pos = 0;
  /** Only whitespace since the last newline: where a backslash starts a client command. */
  private lineStart = true;

  constructor(
    private readonly sql: string,
    private readonly syntax: SqlSyntax,
    /** Told of each block comment and COPY data block skipped (they produce no token). */
    private readonly onSkipped?: (start: number, end: number) => void,
  ) {}

  /** `end` when the construct opened at `start` is closed there, else the input's end, noted. */
  private closedAt(end: number, kind: UnterminatedKind, start: number): number {
    if (end >= 0) return end;
    this.unterminated ??= { kind, start };
    return this.sql.length;
  }

  next(): SqlToken | undefined {
    this.skipSpaceAndComments();
    const start = this.pos;
    if (start >= this.sql.length) return undefined;
    const atLineStart = this.lineStart;
    this.lineStart = false;
    const kind = this.scan(start, atLineStart);
    return { kind, start, end: this.pos };
  }

  /** Consumes the raw rest of the current line: the argument of a `DELIMITER` line. */
  restOfLine(): string {
    const end = lineEnd(this.sql, this.pos);
    const rest = this.sql.slice(this.pos, end);
    this.pos = end;
    return rest;
  }

  /**
   * Skips the data psql would send after `COPY … FROM stdin;`: the following lines up to
   * one holding only `\.`. Lexed as SQL, tab-separated rows would become garbage statements
   * (and a stray quote in them would swallow the rest of the file).
   */
  skipCopyData(): void {
    const { sql } = this;
    const start = this.pos;
    this.pos = sql.length;
    for (let newline = sql.indexOf('\n', start); newline >= 0; newline = sql.indexOf('\n', newline + 1)) {
      const from = newline + 1;
      const end = lineEnd(sql, from);
      if (end - from === 2 && sql.charCodeAt(from) === BACKSLASH && sql.charCodeAt(from + 1) === DOT) {
        this.pos = end;
        break;
      }
    }
    this.onSkipped?.(start, this.pos);
  }

  private skipSpaceAndComments(): void {
    const { sql } = this;
    const length = sql.length;
    while (this.pos < length) {
      const c = sql.charCodeAt(this.pos);
      if (c === NEWLINE) {
        this.lineStart = true;
        this.pos++;
      } else if (isSpace(c)) {
        this.pos++;
      } else if (this.startsLineComment(c)) {
        const newline = sql.indexOf('\n', this.pos);
        this.pos = newline < 0 ? length : newline;
        this.lineStart = false;
      } else if (c === SLASH && sql.charCodeAt(this.pos + 1) === STAR && !this.startsExecutableComment(this.pos)) {
        const start = this.pos;
        this.skipBlockComment();
        this.onSkipped?.(start, this.pos);
        this.lineStart = false;
      } else {
        return;
      }
    }
  }

  private startsLineComment(c: number): boolean {
    const { sql, pos } = this;
    if (c === HASH) return this.syntax === 'mysql';
    if (c !== DASH || sql.charCodeAt(pos + 1) !== DASH) return false;
    // MySQL needs whitespace after `--` (so `5--1` is arithmetic); the others do not.
    return this.syntax !== 'mysql' || pos + 2 >= sql.length || sql.charCodeAt(pos + 2) <= SPACE;
  }

  private startsExecutableComment(at: number): boolean {
    if (this.syntax !== 'mysql') return false;
    const third = this.sql.charCodeAt(at + 2);
    return third === BANG || (third === UPPER_M && this.sql.charCodeAt(at + 3) === BANG);
  }

  private skipBlockComment(): void {
    const { sql } = this;
    const start = this.pos;
    if (this.syntax !== 'postgres') {
      // MySQL and SQLite do not nest: the first `*/` closes the comment.
      const close = sql.indexOf('*/', start + 2);
      this.pos = this.closedAt(close < 0 ? -1 : close + 2, 'block comment', start);
      return;
    }
    // PostgreSQL nests block comments: `/* a /* b */ still a comment */`.
    let depth = 1;
    let p = this.pos + 2;
    while (p < sql.length && depth > 0) {
      const c = sql.charCodeAt(p);
      if (c === STAR && sql.charCodeAt(p + 1) === SLASH) {
        depth--;
        p += 2;
      } else if (c === SLASH && sql.charCodeAt(p + 1) === STAR) {
        depth++;
        p += 2;
      } else {
        p++;
      }
    }
    this.pos = this.closedAt(depth === 0 ? p : -1, 'block comment', start);
  }

  private scan(start: number, atLineStart: boolean): SqlTokenKind {
    const { sql, syntax } = this;
    const c = sql.charCodeAt(start);
    if (c === this.delimiter.charCodeAt(0) && sql.startsWith(this.delimiter, start)) {
      this.pos = start + this.delimiter.length;
      return 'delimiter';
    }
    switch (c) {
      case BACKSLASH:
        if (!atLineStart) break;
        this.pos = lineEnd(sql, start);
        return 'meta';
      case SINGLE_QUOTE:
        this.pos = this.closedAt(this.quotedEnd(start, syntax === 'mysql'), 'string', start);
        return 'string';
      case DOUBLE_QUOTE:
        this.pos = this.closedAt(this.quotedEnd(start, syntax === 'mysql'), syntax === 'mysql' ? 'string' : 'quoted identifier', start);
        return syntax === 'mysql' ? 'string' : 'quoted';
      case BACKTICK:
        if (syntax === 'postgres') break;
        this.pos = this.closedAt(this.quotedEnd(start, false), 'quoted identifier', start);
        return 'quoted';
      case OPEN_BRACKET: {
        if (syntax !== 'sqlite') break;
        const close = sql.indexOf(']', start + 1);
        this.pos = this.closedAt(close < 0 ? -1 : close + 1, 'quoted identifier', start);
        return 'quoted';
      }
      case DOLLAR: {
        if (syntax !== 'postgres') break;
        const end = this.dollarQuoteEnd(start);
        if (end === NOT_A_QUOTE) break;
        this.pos = this.closedAt(end, 'dollar-quoted string', start);
        return 'string';
      }
      case SLASH: {
        // Plain block comments were skipped already; only MySQL's executable ones reach here.
        if (!this.startsExecutableComment(start)) break;
        const close = sql.indexOf('*/', start + 3);
        this.pos = this.closedAt(close < 0 ? -1 : close + 2, 'executable comment', start);
        return 'code-comment';
      }
    }
    if (isWordChar(c)) return this.scanWord(start);
    this.pos = start + 1;
    return 'punct';
  }

  /** End of the quoted run opened at `open` (-1: never closed); a doubled quote is an escaped quote. */
  private quotedEnd(open: number, backslashEscapes: boolean): number {
    const { sql } = this;
    const quote = sql.charCodeAt(open);
    let p = open + 1;
    while (p < sql.length) {
      const c = sql.charCodeAt(p);
      if (c === BACKSLASH && backslashEscapes) {
        p += 2;
      } else if (c === quote) {
        if (sql.charCodeAt(p + 1) !== quote) return p + 1;
        p += 2;
      } else {
        p++;
      }
    }
    return -1;
  }

  /**
   * End of the dollar-quoted string opened at `start` (-1: never closed), or NOT_A_QUOTE when
   * the `$` opens none: a tag cannot start with a digit, so `$1` is a parameter, not a quote.
   */
  private dollarQuoteEnd(start: number): number {
    const { sql } = this;
    let p = start + 1;
    if (isLetter(sql.charCodeAt(p))) {
      while (p < sql.length && (isLetter(sql.charCodeAt(p)) || isDigit(sql.charCodeAt(p)))) p++;
    }
    if (sql.charCodeAt(p) !== DOLLAR) return NOT_A_QUOTE;
    const tag = sql.slice(start, p + 1);
    const close = sql.indexOf(tag, p + 1);
    return close < 0 ? -1 : close + tag.length;
  }

  private scanWord(start: number): SqlTokenKind {
    const { sql, delimiter } = this;
    const delimiterStart = delimiter.charCodeAt(0);
    let p = start + 1;
    while (p < sql.length) {
      const c = sql.charCodeAt(p);
      // A MySQL custom delimiter may be made of word characters (`END$$`) and still ends here.
      if (!isWordChar(c) || (c === delimiterStart && sql.startsWith(delimiter, p))) break;
      p++;
    }
    // PostgreSQL's E'…' takes backslash escapes: E'it\'s' is one string.
    if (
      this.syntax === 'postgres' &&
      p === start + 1 &&
      (sql.charCodeAt(start) | 0x20) === LOWER_E &&
      sql.charCodeAt(p) === SINGLE_QUOTE
    ) {
      this.pos = this.closedAt(this.quotedEnd(p, true), 'string', start);
      return 'string';
    }
    this.pos = p;
    return 'word';
  }
}

/** Counts lines up to increasing offsets, so numbering a whole file stays linear. */
class LineCounter {
  private counted = 0;

  constructor(
    private readonly sql: string,
    private line: number,
  ) {}

  lineAt(offset: number): number {
    for (let nl = this.sql.indexOf('\n', this.counted); nl >= 0 && nl < offset; nl = this.sql.indexOf('\n', nl + 1)) {
      this.line++;
    }
    this.counted = offset;
    return this.line;
  }
}

/** Compound blocks whose `;`s do not end the statement. */
type Block = 'BEGIN' | 'CASE' | 'CASE_EXPR' | 'IF' | 'LOOP' | 'WHILE' | 'REPEAT';

/** After CREATE/ALTER, the first of these words says what is being created. */
const OBJECT_KINDS: ReadonlySet<string> = new Set([
  'TABLE', 'VIEW', 'INDEX', 'TRIGGER', 'PROCEDURE', 'FUNCTION', 'EVENT', 'SCHEMA', 'DATABASE',
  'SEQUENCE', 'TYPE', 'DOMAIN', 'EXTENSION', 'ROLE', 'USER', 'MATERIALIZED', 'POLICY', 'RULE',
  'SERVER', 'TABLESPACE', 'OPERATOR', 'CAST', 'COLLATION', 'LANGUAGE', 'PUBLICATION',
  'SUBSCRIPTION', 'STATISTICS',
]);

/** Objects whose definition may hold a body of `;`-separated statements. */
const OBJECTS_WITH_BODY: Readonly<Record<SqlSyntax, ReadonlySet<string>>> = {
  sqlite: new Set(['TRIGGER']),
  mysql: new Set(['TRIGGER', 'PROCEDURE', 'FUNCTION', 'EVENT']),
  // PostgreSQL bodies are strings ($$ … $$), except the SQL-standard BEGIN ATOMIC … END.
  postgres: new Set(['FUNCTION', 'PROCEDURE']),
};

/** `END IF`, `END LOOP` …: the word after END names the block it closes. */
const NAMED_ENDS: ReadonlyMap<string, Block> = new Map<string, Block>([
  ['IF', 'IF'], ['LOOP', 'LOOP'], ['WHILE', 'WHILE'], ['REPEAT', 'REPEAT'], ['CASE', 'CASE'],
]);

/** Tokens after which a MySQL compound statement (IF, LOOP, CASE …) may begin. */
const STATEMENT_STARTS: ReadonlySet<string> = new Set([
  ';', ':', 'BEGIN', 'ATOMIC', 'THEN', 'ELSE', 'DO', 'LOOP', 'REPEAT', 'ROW',
]);

/** No keyword the tracker compares is longer; longer words need no upper-casing. */
const LONGEST_KEYWORD = 12;

/**
 * How many words into a CREATE/ALTER its object kind may come: `CREATE OR REPLACE DEFINER =
 * CURRENT_USER SQL SECURITY INVOKER ALGORITHM = MERGE VIEW` puts it eighth.
 */
const OBJECT_KIND_WITHIN_WORDS = 12;

/**
 * Decides whether a `;` ends the statement: it does not inside parentheses, nor inside the
 * BEGIN … END body of a trigger or routine. Plain `BEGIN;` is never a block opener here:
 * outside a body it starts a transaction, and the classifier must see it to refuse it.
 */
class BodyTracker {
  /** The statement is `COPY … FROM STDIN`, so psql-style data lines follow it. */
  copyFromStdin = false;
  private words = 0;
  private first = '';
  private shape: 'undecided' | 'compound' | 'simple' = 'undecided';
  private readonly blocks: Block[] = [];
  private parens = 0;
  private endPending = false;
  /** The previous token: an upper-cased keyword, a punctuation character, or ''. */
  private previous = '';

  constructor(private readonly syntax: SqlSyntax) {}

  /** Whether a BEGIN … END body is still open (at the end of a script: its END is missing). */
  get insideBody(): boolean {
    this.settleEnd('');
    return this.blocks.length > 0;
  }

  /** Whether a `;` here ends the statement. */
  atStatementEnd(): boolean {
    this.settleEnd('');
    return this.blocks.length === 0 && this.parens === 0;
  }

  /** `text`: the upper-cased word, the punctuation character, or '' for other tokens. */
  observe(kind: SqlTokenKind, text: string): void {
    if (this.settleEnd(kind === 'word' ? text : '')) return;
    if (kind === 'word') this.observeWord(text);
    else if (text === '(') this.parens++;
    else if (text === ')') this.parens = Math.max(0, this.parens - 1);
    this.previous = text;
  }

  /**
   * Resolves an END once the next token is known. Returns true when that token was the
   * block word of `END IF` / `END LOOP` …, which closes only a block of its own kind: an IF
   * this tracker did not take for a statement then cannot close the BEGIN around it.
   */
  private settleEnd(next: string): boolean {
    if (!this.endPending) return false;
    this.endPending = false;
    const named = NAMED_ENDS.get(next);
    if (named === undefined) {
      this.blocks.pop();
      return false;
    }
    const innermost = this.blocks.at(-1);
    if (innermost === named || (named === 'CASE' && innermost === 'CASE_EXPR')) this.blocks.pop();
    this.previous = 'END';
    return true;
  }

  private observeWord(word: string): void {
    this.words++;
    if (this.words === 1) this.first = word;
    if (this.shape === 'undecided') this.decideShape(word);
    if (this.shape === 'compound') this.trackBlocks(word);
    if (this.first === 'COPY' && word === 'STDIN' && this.previous === 'FROM' && this.parens === 0) {
      this.copyFromStdin = true;
    }
  }

  private decideShape(word: string): void {
    if (this.words === 1) {
      const mayHaveBody = word === 'CREATE' || word === 'ALTER' || (word === 'BEGIN' && this.syntax === 'mysql');
      if (!mayHaveBody) this.shape = 'simple';
      return;
    }
    if (this.first === 'BEGIN') {
      // MariaDB runs `BEGIN NOT ATOMIC … END` outside any routine; other BEGINs are transactions.
      if (this.words === 2 && word === 'NOT') return;
      if (this.words === 3 && word === 'ATOMIC') {
        this.shape = 'compound';
        this.blocks.push('BEGIN');
        return;
      }
      this.shape = 'simple';
      return;
    }
    if (OBJECT_KINDS.has(word)) {
      this.shape = OBJECTS_WITH_BODY[this.syntax].has(word) ? 'compound' : 'simple';
    } else if (this.words > OBJECT_KIND_WITHIN_WORDS) {
      this.shape = 'simple';
    }
  }

  private trackBlocks(word: string): void {
    switch (word) {
      case 'BEGIN':
        if (this.syntax !== 'postgres') this.blocks.push('BEGIN');
        return;
      case 'ATOMIC':
        if (this.syntax === 'postgres' && this.previous === 'BEGIN') this.blocks.push('BEGIN');
        return;
      case 'END':
        // An END before any body (in a trigger's WHEN clause) closes a CASE nobody counted.
        if (this.blocks.length > 0) this.endPending = true;
        return;
      case 'CASE': {
        const statement = this.startsMysqlStatement();
        if (statement || this.blocks.length > 0) this.blocks.push(statement ? 'CASE' : 'CASE_EXPR');
        return;
      }
      case 'IF':
      case 'LOOP':
      case 'WHILE':
      case 'REPEAT':
        if (this.startsMysqlStatement()) this.blocks.push(word);
        return;
    }
  }

  /**
   * MySQL's IF, LOOP, WHILE, REPEAT and CASE statements begin only where a statement may
   * begin; elsewhere `IF(` and `REPEAT(` are functions and `IF EXISTS` is a DDL clause.
   * Inside a CASE expression nothing starts a statement (`ELSE IF(a, b, c)` is a function).
   */
  private startsMysqlStatement(): boolean {
    return this.syntax === 'mysql' && this.blocks.at(-1) !== 'CASE_EXPR' && STATEMENT_STARTS.has(this.previous);
  }
}

/** The characters that open an unterminated construct: `/*`, `'`, `E'`, `$tag$` … */
function openerAt(sql: string, kind: UnterminatedKind, start: number): string {
  switch (kind) {
    case 'block comment':
    case 'executable comment':
      return '/*';
    case 'dollar-quoted string':
      return sql.slice(start, sql.indexOf('$', start + 1) + 1);
    default:
      return sql.slice(start, sql.charCodeAt(start) === SINGLE_QUOTE || sql.charCodeAt(start + 1) !== SINGLE_QUOTE ? start + 1 : start + 2);
  }
}

class StatementSplitter {
  private readonly statements: Statement[] = [];
  private readonly lexer: SqlLexer;
  private readonly lines: LineCounter;
  private body: BodyTracker;
  /** Offsets of the current statement's first and last tokens; start is -1 between statements. */
  private start = -1;
  private end = -1;

  constructor(
    private readonly sql: string,
    private readonly syntax: SqlSyntax,
    startLine: number,
    /** Told of every token and skipped span in order; returning false stops the split. */
    private readonly onSpan?: (start: number, end: number) => boolean,
  ) {
    this.lexer = new SqlLexer(sql, syntax, onSpan && ((start, end) => void onSpan(start, end)));
    this.lines = new LineCounter(sql, startLine);
    this.body = new BodyTracker(syntax);
  }

  split(): SplitScript {
    const { lexer, onSpan } = this;
    for (let token = lexer.next(); token; token = lexer.next()) {
      if (onSpan && !onSpan(token.start, token.end)) return { statements: this.statements, unterminated: null };
      this.accept(token);
    }
    // A trigger or routine whose END never comes: everything after its BEGIN became one statement.
    const openBody = lexer.unterminated === null && this.start >= 0 && this.body.insideBody ? this.start : -1;
    this.finishStatement(false);
    if (openBody >= 0) return { statements: this.statements, unterminated: { kind: 'BEGIN … END body', line: this.lines.lineAt(openBody), opener: 'BEGIN' } };
    const open = lexer.unterminated;
    if (open === null) return { statements: this.statements, unterminated: null };
    // Every statement starts before the construct that swallowed the rest: lines stay in order.
    const opener = openerAt(this.sql, open.kind, open.start);
    return { statements: this.statements, unterminated: { kind: open.kind, line: this.lines.lineAt(open.start), opener } };
  }

  private accept(token: SqlToken): void {
    if (token.kind === 'meta') {
      // A client command ends the statement being typed, as in psql.
      this.finishStatement(false);
      this.emit(token.start, token.end);
      return;
    }
    // A custom delimiter is the user saying exactly where statements end: no body tracking.
    if (token.kind === 'delimiter' && (this.lexer.delimiter !== ';' || this.body.atStatementEnd())) {
      this.finishStatement(true);
      return;
    }
    const text = this.textOf(token);
    if (this.start < 0) {
      if (text === 'DELIMITER' && this.syntax === 'mysql') {
        this.changeDelimiter(token);
        return;
      }
      this.start = token.start;
    }
    this.end = token.end;
    this.body.observe(token.kind, text);
  }

  private textOf(token: SqlToken): string {
    switch (token.kind) {
      case 'word':
        return token.end - token.start > LONGEST_KEYWORD ? '' : this.sql.slice(token.start, token.end).toUpperCase();
      case 'punct':
        return this.sql.charAt(token.start);
      case 'delimiter':
        return ';';
      default:
        return '';
    }
  }

  /** `DELIMITER $$` (as mysqldump writes) is a client command, not a statement. */
  private changeDelimiter(token: SqlToken): void {
    const delimiter = this.lexer.restOfLine().trim().split(/\s+/, 1)[0] ?? '';
    if (delimiter === '') {
      // The mysql client rejects a bare DELIMITER; sending it lets the server name its line.
      this.emit(token.start, token.end);
      return;
    }
    this.lexer.delimiter = delimiter;
  }

  private finishStatement(endedByDelimiter: boolean): void {
    if (this.start >= 0) {
      this.emit(this.start, this.end);
      if (endedByDelimiter && this.syntax === 'postgres' && this.body.copyFromStdin) this.lexer.skipCopyData();
    }
    this.start = -1;
    this.body = new BodyTracker(this.syntax);
  }

  private emit(start: number, end: number): void {
    this.statements.push({ text: this.sql.slice(start, end).trim(), line: this.lines.lineAt(start) });
  }
}
