/**
 * strata's own SQL statement splitter. Drivers never get a whole file in multi-statement
 * mode: strata needs each statement's line for error messages, and must see every statement
 * (transaction control, psql meta-commands, COPY FROM stdin) before it runs the first one.
 *
 * One pass, linear in the input: a lexer (lexer.ts) that reads quoting and comments as the
 * dialect's syntax features say (syntax.ts; each driver exports its own), and a tracker
 * (body-tracker.ts) that says whether a `;` ends the statement or sits inside a trigger or
 * routine body (or inside parentheses).
 */

import { BodyTracker, LONGEST_KEYWORD } from './body-tracker.js';
import { LineCounter, SINGLE_QUOTE, SqlLexer, type SqlToken, type UnterminatedKind } from './lexer.js';
import type { SqlSyntax } from './syntax.js';

export type { SqlSyntax } from './syntax.js';
export { SqlLexer, type SqlToken, type SqlTokenKind } from './lexer.js';

export interface Statement {
  /** The statement from its first token to its last: no leading comments, no delimiter. */
  readonly text: string;
  /** 1-based line, in the whole file, of the statement's first token. */
  readonly line: number;
}

export type { UnterminatedKind };

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
      if (text === 'DELIMITER' && this.syntax.delimiterCommand) {
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
      if (endedByDelimiter && this.syntax.copyFromStdin && this.body.copyFromStdin) this.lexer.skipCopyData();
    }
    this.start = -1;
    this.body = new BodyTracker(this.syntax);
  }

  private emit(start: number, end: number): void {
    this.statements.push({ text: this.sql.slice(start, end).trim(), line: this.lines.lineAt(start) });
  }
}
