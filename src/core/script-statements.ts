/**
 * The statements of a SQL script, split once per script and dialect: the forbidden-statement
 * check, `plan` and the run all need them, and splitting 10,000 scripts twice shows up in a
 * profile. Scripts are the loaded migrations' own objects, so a WeakMap keeps no garbage.
 */
import { splitMigrationScript } from '../sql/goose-blocks.js';
import type { SplitScript, SqlSyntax, Statement, Unterminated } from '../sql/split.js';
import type { SqlScript } from './model.js';

const cache = new WeakMap<SqlScript, { syntax: SqlSyntax; split: SplitScript }>();

function splitOnce(script: SqlScript, syntax: SqlSyntax): SplitScript {
  const hit = cache.get(script);
  if (hit && hit.syntax === syntax) return hit.split;
  const split = splitMigrationScript(script.sql, syntax, { startLine: script.startLine });
  cache.set(script, { syntax, split });
  return split;
}

export function statementsOf(script: SqlScript, syntax: SqlSyntax): readonly Statement[] {
  return splitOnce(script, syntax).statements;
}

/** The string or comment the script ends inside, which would swallow the text after it. */
export function unterminatedOf(script: SqlScript, syntax: SqlSyntax): Unterminated | null {
  return splitOnce(script, syntax).unterminated;
}
