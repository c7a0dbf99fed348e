/** MySQL's and MariaDB's SQL (and the mysql client's scripts), as the splitter and classifier read it. */
import type { SqlSyntax } from '../../sql/syntax.js';

export const MYSQL_SYNTAX: SqlSyntax = Object.freeze({
  hashComments: true,
  dashCommentNeedsSpace: true,
  nestedBlockComments: false,
  executableComments: true,
  backslashEscapes: true,
  doubleQuotedStrings: true,
  backtickIdentifiers: true,
  bracketIdentifiers: false,
  dollarQuotes: false,
  eStrings: false,
  copyFromStdin: false,
  delimiterCommand: true,
  bodyObjects: new Set(['TRIGGER', 'PROCEDURE', 'FUNCTION', 'EVENT']),
  beginEndBlocks: true,
  beginAtomicBlocks: false,
  compoundStatements: true,
  // Its DDL commits implicitly, so strata never wraps it: nothing worth refusing.
  vacuumOutsideTransaction: false,
  serverDdlOutsideTransaction: false,
  concurrently: false,
});
