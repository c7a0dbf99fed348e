/**
 * What the splitter and the classifier know of a database's SQL: its quoting, comments and
 * bodies, as features. Each driver exports its own (src/drivers/<dialect>/syntax.ts); nothing
 * in src/sql asks which database it is, so a new dialect is a new description, not new
 * branches here.
 */
export interface SqlSyntax {
  // ---- comments ----
  /** `#` starts a line comment (MySQL). */
  readonly hashComments: boolean;
  /** `--` starts a comment only before whitespace or the end, so `5--1` is arithmetic (MySQL). */
  readonly dashCommentNeedsSpace: boolean;
  /** Block comments nest: `/* a /* b *\/ still a comment *\/` (PostgreSQL). */
  readonly nestedBlockComments: boolean;
  /** `/*! … *\/` and `/*M! … *\/` are code the server runs, not comments (MySQL, MariaDB). */
  readonly executableComments: boolean;

  // ---- strings and quoted names ----
  /** A backslash escapes the next character inside `'…'` and `"…"` (MySQL's default sql_mode). */
  readonly backslashEscapes: boolean;
  /** `"…"` is a string; without it, a quoted identifier. */
  readonly doubleQuotedStrings: boolean;
  /** `` `name` `` is a quoted identifier (MySQL, SQLite). */
  readonly backtickIdentifiers: boolean;
  /** `[name]` is a quoted identifier (SQLite, after SQL Server). */
  readonly bracketIdentifiers: boolean;
  /** `$tag$ … $tag$` strings (PostgreSQL). */
  readonly dollarQuotes: boolean;
  /** `E'…'` strings take backslash escapes (PostgreSQL). */
  readonly eStrings: boolean;

  // ---- statements ----
  /** `COPY … FROM stdin;` is followed by data lines up to `\.`, as psql sends them. */
  readonly copyFromStdin: boolean;
  /** A `DELIMITER $$` line (a mysql client command) changes what ends a statement. */
  readonly delimiterCommand: boolean;
  /** Objects whose CREATE may hold a body of `;`-separated statements (upper case: TRIGGER …). */
  readonly bodyObjects: ReadonlySet<string>;
  /** Inside a body, BEGIN opens a block that END closes (MySQL, SQLite). */
  readonly beginEndBlocks: boolean;
  /** Inside a body, only the SQL-standard `BEGIN ATOMIC` opens a block (PostgreSQL 14). */
  readonly beginAtomicBlocks: boolean;
  /**
   * Procedural statements: IF, LOOP, WHILE, REPEAT and CASE statements inside bodies, and
   * MariaDB's `BEGIN NOT ATOMIC … END` at the top level (MySQL, MariaDB).
   */
  readonly compoundStatements: boolean;

  // ---- what the database refuses inside a transaction block ----
  /** VACUUM (SQLite, PostgreSQL). */
  readonly vacuumOutsideTransaction: boolean;
  /** CREATE/DROP DATABASE and TABLESPACE, ALTER SYSTEM, REINDEX SYSTEM/DATABASE (PostgreSQL). */
  readonly serverDdlOutsideTransaction: boolean;
  /**
   * The CONCURRENTLY forms of CREATE/DROP INDEX, REINDEX and DETACH PARTITION (PostgreSQL):
   * they wait for other transactions by design, so they also run without a lock timeout.
   */
  readonly concurrently: boolean;
}
