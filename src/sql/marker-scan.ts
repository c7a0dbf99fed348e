/**
 * Where a SQL file's strings and comments are, found fast: discovery asks it of every file
 * with `-- migrate:` markers on every start-up, so a marker line inside a multi-line string
 * or a block comment is told from a real one without running the statement splitter (whose
 * cold first pass over 1,000 files costs tens of milliseconds). Native regular expressions
 * jump from one opener to the next; each opener is closed by the rules of the splitter's
 * lexer (split.ts), which a property test holds this to.
 */
import { outsideStringsAndCommentsBySplitting, type SqlSyntax } from './split.js';

/** A backslash first on its line (after blanks) starts a client command that runs to the line's end. */
const META = '(?<![^\\n])[\\t\\v\\f\\r ]*\\\\';

/** Per syntax, built once: its openers are known constructs of its features only. */
const OPENERS = new WeakMap<SqlSyntax, RegExp>();

function openersOf(syntax: SqlSyntax): RegExp {
  let opener = OPENERS.get(syntax);
  if (opener === undefined) {
    const parts = [
      // MySQL: `--` is a comment only before whitespace or the end (`5--1` is arithmetic).
      syntax.dashCommentNeedsSpace ? '--(?=[\\x00-\\x20]|$)' : '--',
      syntax.hashComments ? '#' : null,
      '/\\*',
      syntax.eStrings ? "[Ee]'" : null,
      "'",
      '"',
      syntax.backtickIdentifiers ? '`' : null,
      syntax.bracketIdentifiers ? '\\[' : null,
      syntax.dollarQuotes ? '\\$(?:[A-Za-z_\\u0080-\\uFFFF][A-Za-z0-9_\\u0080-\\uFFFF]*)?\\$' : null,
      META,
    ];
    opener = new RegExp(parts.filter((part) => part !== null).join('|'), 'g');
    OPENERS.set(syntax, opener);
  }
  return opener;
}

/**
 * Which of `offsets` (ascending) lie outside every string, quoted name, comment and client
 * command line of `sql`: the same answer as the splitter gives (outsideStringsAndCommentsBySplitting).
 */
export function outsideStringsAndComments(sql: string, syntax: SqlSyntax, offsets: readonly number[]): boolean[] {
  const outside = offsets.map(() => true);
  if (offsets.length === 0) return outside;
  // COPY … FROM stdin data follows its statement: only the splitter knows where it starts.
  if (syntax.copyFromStdin && /stdin/i.test(sql)) return outsideStringsAndCommentsBySplitting(sql, syntax, offsets);
  const last = offsets[offsets.length - 1]!;
  const opener = openersOf(syntax);
  opener.lastIndex = 0;
  let next = 0;
  let previousEnd = 0;
  for (let match = opener.exec(sql); match !== null && match.index < last; match = opener.exec(sql)) {
    // In the middle of a word (`a$b$`, `TYPE'x'`) a `$` or an `E` opens nothing: the lexer
    // reads the word whole. A word starts at the end of the construct before it, at the latest.
    if (match.index > previousEnd && isWordChar(sql.charCodeAt(match.index - 1)) && (match[0].startsWith('$') || match[0].length === 2 && match[0].endsWith("'"))) {
      opener.lastIndex = match.index + 1;
      continue;
    }
    // A client command's span starts at its backslash, after the blanks the match took in.
    const start = match[0].charCodeAt(match[0].length - 1) === 92 ? match.index + match[0].length - 1 : match.index;
    const end = closingOf(sql, syntax, match.index, match[0]);
    opener.lastIndex = end;
    previousEnd = end;
    // A line comment holds no line of its own: a marker is never inside one, as the splitter says.
    if (match[0] === '--' || match[0] === '#') continue;
    while (next < offsets.length && offsets[next]! <= start) next++;
    for (let i = next; i < offsets.length && offsets[i]! < end; i++) outside[i] = false;
  }
  return outside;
}

/** The lexer's isWordChar: letters (any at or above U+0080), digits, `_` and `$`. */
function isWordChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c >= 128;
}

/** Where the construct `opener` opened at `start` ends (the input's end when never closed). */
function closingOf(sql: string, syntax: SqlSyntax, start: number, opener: string): number {
  const after = start + opener.length;
  switch (opener.charCodeAt(0)) {
    case 45: // --
    case 35: // #
    case 92: // \ (a client command), blanks before it included in the match
    case 9:
    case 11:
    case 12:
    case 13:
    case 32: {
      const newline = sql.indexOf('\n', after);
      return newline < 0 ? sql.length : newline;
    }
    case 47: // /*
      return syntax.nestedBlockComments ? nestedCommentEnd(sql, after) : endAfter(sql, '*/', after);
    case 91: // [
      return endAfter(sql, ']', after);
    case 36: // $tag$
      return endAfter(sql, opener, after);
    case 69: // E'
    case 101:
      return quotedEnd(sql, after - 1, true);
    default: // ' " `
      return quotedEnd(sql, start, syntax.backslashEscapes && opener !== '`');
  }
}

function endAfter(sql: string, closer: string, from: number): number {
  const at = sql.indexOf(closer, from);
  return at < 0 ? sql.length : at + closer.length;
}

/** PostgreSQL nests block comments. */
function nestedCommentEnd(sql: string, from: number): number {
  const marks = /\/\*|\*\//g;
  marks.lastIndex = from;
  let depth = 1;
  for (let match = marks.exec(sql); match !== null; match = marks.exec(sql)) {
    depth += match[0] === '/*' ? 1 : -1;
    if (depth === 0) return marks.lastIndex;
  }
  return sql.length;
}

/** A doubled quote is an escaped quote; with `backslashEscapes`, so is a backslash and what follows. */
function quotedEnd(sql: string, open: number, backslashEscapes: boolean): number {
  const quote = sql[open]!;
  const run = backslashEscapes ? BACKSLASH_RUNS[quote]! : PLAIN_RUNS[quote]!;
  run.lastIndex = open + 1;
  return run.test(sql) ? run.lastIndex : sql.length;
}

/**
 * The rest of a quoted run after its opening quote, as sticky patterns: `…'` with '' (and
 * \x) inside. The closing quote is not followed by another, so backtracking cannot end the run
 * inside a doubled quote (`'a''` is unterminated, as the lexer reads it).
 */
const BACKSLASH_RUNS: Readonly<Record<string, RegExp>> = {
  "'": /(?:[^'\\]|''|\\[^])*'(?!')/y,
  '"': /(?:[^"\\]|""|\\[^])*"(?!")/y,
};
const PLAIN_RUNS: Readonly<Record<string, RegExp>> = {
  "'": /(?:[^']|'')*'(?!')/y,
  '"': /(?:[^"]|"")*"(?!")/y,
  '`': /(?:[^`]|``)*`(?!`)/y,
};
