/**
 * The lexer of strata's SQL splitter (split.ts) and classifier (classify.ts): tokens of one
 * dialect, read as its syntax features say (syntax.ts), so both read SQL the same way. One
 * pass, linear in the input; whitespace and comments produce no token.
 */
import type { SqlSyntax } from './syntax.js';

/** What a string, quoted name or comment that runs to the end of the input was. */
export type UnterminatedKind = 'block comment' | 'string' | 'quoted identifier' | 'dollar-quoted string' | 'executable comment' | 'goose statement block' | 'BEGIN … END body';

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
export const SINGLE_QUOTE = 39;
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
    if (c === HASH) return this.syntax.hashComments;
    if (c !== DASH || sql.charCodeAt(pos + 1) !== DASH) return false;
    // MySQL needs whitespace after `--` (so `5--1` is arithmetic); the others do not.
    return !this.syntax.dashCommentNeedsSpace || pos + 2 >= sql.length || sql.charCodeAt(pos + 2) <= SPACE;
  }

  private startsExecutableComment(at: number): boolean {
    if (!this.syntax.executableComments) return false;
    const third = this.sql.charCodeAt(at + 2);
    return third === BANG || (third === UPPER_M && this.sql.charCodeAt(at + 3) === BANG);
  }

  private skipBlockComment(): void {
    const { sql } = this;
    const start = this.pos;
    if (!this.syntax.nestedBlockComments) {
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
        this.pos = this.closedAt(this.quotedEnd(start, syntax.backslashEscapes), 'string', start);
        return 'string';
      case DOUBLE_QUOTE:
        this.pos = this.closedAt(this.quotedEnd(start, syntax.backslashEscapes), syntax.doubleQuotedStrings ? 'string' : 'quoted identifier', start);
        return syntax.doubleQuotedStrings ? 'string' : 'quoted';
      case BACKTICK:
        if (!syntax.backtickIdentifiers) break;
        this.pos = this.closedAt(this.quotedEnd(start, false), 'quoted identifier', start);
        return 'quoted';
      case OPEN_BRACKET: {
        if (!syntax.bracketIdentifiers) break;
        const close = sql.indexOf(']', start + 1);
        this.pos = this.closedAt(close < 0 ? -1 : close + 1, 'quoted identifier', start);
        return 'quoted';
      }
      case DOLLAR: {
        if (!syntax.dollarQuotes) break;
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
      p === start + 1 &&
      this.syntax.eStrings &&
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
export class LineCounter {
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
