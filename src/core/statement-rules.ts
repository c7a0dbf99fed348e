/** §2: statements a migration may not contain, found before anything runs. */
import { cannotRunInTransaction, isCopyFromStdin, isPsqlMetaCommand, isTransactionControl } from '../sql/classify.js';
import type { SqlSyntax, Unterminated } from '../sql/split.js';
import { statementsOf, unterminatedOf } from './script-statements.js';
import type { LoadedMigration, Problem, SqlScript } from './model.js';

export function forbiddenStatements(m: LoadedMigration, syntax: SqlSyntax, inTransaction: boolean): Problem[] {
  const problems: Problem[] = [];
  const scripts: SqlScript[] = [];
  if (m.up.type === 'sql') scripts.push(m.up.script);
  if (m.down?.type === 'sql') scripts.push(m.down.script);
  for (const script of scripts) {
    const unterminated = unterminatedOf(script, syntax);
    if (unterminated) {
      // Everything after the opener would be one string, or silently no SQL at all.
      problems.push({ code: 'unterminated-sql', file: script.file, key: m.key, message: `${script.file}: ${describeUnterminated(unterminated)}` });
    }
    for (const statement of statementsOf(script, syntax)) {
      const where = `${script.file}:${statement.line}`;
      let reason: string | null = null;
      if (isPsqlMetaCommand(statement.text)) reason = 'is a psql meta-command, which only psql understands';
      else if (isCopyFromStdin(statement.text, syntax)) reason = 'is COPY … FROM stdin, which needs psql to stream the data; use INSERT statements';
      else if (inTransaction && isTransactionControl(statement.text, syntax)) {
        reason = 'controls the transaction, but strata runs this migration in one; remove it, or add "-- transaction: off"';
      } else if (inTransaction && cannotRunInTransaction(statement.text, syntax)) {
        reason = 'cannot run inside a transaction, but strata runs this migration in one; add "-- transaction: off" (ideally in a migration of its own)';
      }
      if (reason) problems.push({ code: 'forbidden-statement', file: script.file, key: m.key, message: `${where}: "${firstLine(statement.text)}" ${reason}` });
    }
  }
  return problems;
}

function describeUnterminated(open: Unterminated): string {
  const comment = open.kind === 'block comment' || open.kind === 'executable comment';
  const closer = comment ? '*/' : open.kind === 'goose statement block' ? '-- +goose StatementEnd' : open.kind === 'BEGIN … END body' ? 'END;' : open.opener === '[' ? ']' : open.opener.replace(/^[Ee]'/, "'");
  const consequence = comment ? 'everything after it would be skipped as a comment' : 'everything after it would be part of it';
  return `the ${open.kind} that opens on line ${open.line}${open.kind === 'BEGIN … END body' ? ' (the statement holding it)' : ` with ${open.opener}`} is never closed (${consequence}); close it with ${closer}`;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0]!;
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}
