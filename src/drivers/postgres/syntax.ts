/** PostgreSQL's SQL (and psql's scripts), as the splitter and classifier read it. */
import type { SqlSyntax } from '../../sql/syntax.js';

export const POSTGRES_SYNTAX: SqlSyntax = Object.freeze({
  hashComments: false,
  dashCommentNeedsSpace: false,
  nestedBlockComments: true,
  executableComments: false,
  backslashEscapes: false,
  doubleQuotedStrings: false,
  backtickIdentifiers: false,
  bracketIdentifiers: false,
  dollarQuotes: true,
  eStrings: true,
  copyFromStdin: true,
  delimiterCommand: false,
  // Bodies are strings ($$ … $$), except the SQL-standard BEGIN ATOMIC … END.
  bodyObjects: new Set(['FUNCTION', 'PROCEDURE']),
  beginEndBlocks: false,
  beginAtomicBlocks: true,
  compoundStatements: false,
  vacuumOutsideTransaction: true,
  serverDdlOutsideTransaction: true,
  concurrently: true,
});
