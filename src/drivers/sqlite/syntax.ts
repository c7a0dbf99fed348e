/** SQLite's SQL, as the splitter and classifier read it. */
import type { SqlSyntax } from '../../sql/syntax.js';

export const SQLITE_SYNTAX: SqlSyntax = Object.freeze({
  hashComments: false,
  dashCommentNeedsSpace: false,
  nestedBlockComments: false,
  executableComments: false,
  backslashEscapes: false,
  doubleQuotedStrings: false,
  backtickIdentifiers: true,
  bracketIdentifiers: true,
  dollarQuotes: false,
  eStrings: false,
  copyFromStdin: false,
  delimiterCommand: false,
  bodyObjects: new Set(['TRIGGER']),
  beginEndBlocks: true,
  beginAtomicBlocks: false,
  compoundStatements: false,
  vacuumOutsideTransaction: true,
  serverDdlOutsideTransaction: false,
  concurrently: false,
});
