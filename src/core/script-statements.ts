/**
 * The statements of a SQL script, split once per script and dialect: the forbidden-statement
 * check, `plan` and the run all need them, and splitting 10,000 scripts twice shows up in a
 * profile. Scripts are the loaded migrations' own objects, so a WeakMap keeps no garbage.
 */
import { splitStatements, type SqlSyntax, type Statement } from '../sql/split.js';
import type { SqlScript } from './model.js';

const cache = new WeakMap<SqlScript, { syntax: SqlSyntax; statements: readonly Statement[] }>();

export function statementsOf(script: SqlScript, syntax: SqlSyntax): readonly Statement[] {
  const hit = cache.get(script);
  if (hit && hit.syntax === syntax) return hit.statements;
  const statements = splitStatements(script.sql, syntax, { startLine: script.startLine });
  cache.set(script, { syntax, statements });
  return statements;
}
