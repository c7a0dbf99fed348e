/**
 * The lint of SPEC §11: reads every SQL migration in canonical order (so each knows what the
 * ones before it did), and reports the findings of those asked for (pending ones, or all).
 * Code migrations are not read: what they run is known only when they run.
 */
import { statementsOf } from '../core/script-statements.js';
import type { SqlScript } from '../core/model.js';
import type { SqlSyntax } from '../sql/split.js';
import type { StatementFacts, StatementReader } from './actions.js';
import { AllowComments } from './allow.js';
import { checkStatement, SchemaHistory } from './check.js';
import type { LintProfile } from './profile.js';
import { RULES_BY_CODE } from './rules.js';
import { readStatement } from './token-actions.js';

export interface LintTarget {
  /** Path shown to the user, or the migration's id for a list entry. */
  readonly file: string;
  /** The up script; null for a code migration. */
  readonly script: SqlScript | null;
  /** Runs inside a transaction that holds DDL. */
  readonly inTransaction: boolean;
  /** Not applied yet: it runs after the pending migrations before it, in the same run. */
  readonly pending: boolean;
  /** Report its findings (pending, or `--all`); otherwise only read for what it creates. */
  readonly report: boolean;
  /** The whole file's text when the up script is only part of it (for file-wide allow comments). */
  readonly fileText?: string | null;
}

export interface LintWarning {
  readonly code: string;
  readonly message: string;
  readonly file: string | null;
  readonly line: number | null;
  readonly risk: string;
  readonly safer: string;
}

export interface LintResult {
  readonly warnings: LintWarning[];
  /** Findings of rules whose severity is `error` (the statement cannot run). */
  readonly errors: LintWarning[];
  /** Migrations asked for but not read, with why (code migrations). */
  readonly notLinted: { file: string; reason: string }[];
  /** Which reader read the statements: the database's own parser or strata's tokens. */
  readonly parser: 'database' | 'tokens';
}

export async function lintMigrations(targets: readonly LintTarget[], syntax: SqlSyntax, profile: LintProfile): Promise<LintResult> {
  const result: LintResult & { parser: 'database' | 'tokens' } = { warnings: [], errors: [], notLinted: [], parser: 'tokens' };
  const needed = targets.some((t) => t.report && t.script !== null);
  const reader: StatementReader | null = needed && profile.loadReader ? await profile.loadReader() : null;
  if (reader) result.parser = 'database';
  const read = (text: string): StatementFacts => (reader ? reader(text) : null) ?? readStatement(text, syntax);
  // Read once, in order: a DROP TABLE is a rebuild's step when a later statement renames another table to its name.
  const parsed = targets.map((target) => (target.script === null ? [] : statementsOf(target.script, syntax).map((statement) => ({ statement, facts: read(statement.text) }))));
  const lastRenameInto = new Map<string, number>();
  let position = 0;
  for (const statements of parsed) {
    for (const { facts } of statements) {
      for (const action of facts.actions) if (action.type === 'rename-table') lastRenameInto.set(action.to, position);
      position++;
    }
  }
  const history = new SchemaHistory();
  position = 0;
  for (const [index, target] of targets.entries()) {
    history.startMigration(target.pending);
    if (target.script === null) {
      if (target.report) result.notLinted.push({ file: target.file, reason: 'code migration: what it runs is known only when it runs' });
      continue;
    }
    const allow = new AllowComments(linesOf(target));
    for (const { statement, facts } of parsed[index]!) {
      const here = position++;
      const renamedIntoLater = (table: string) => (lastRenameInto.get(table) ?? -1) > here;
      const findings = checkStatement(facts, history, { profile, inTransaction: target.inTransaction, renamedIntoLater });
      if (!target.report) continue;
      for (const finding of findings) {
        const rule = RULES_BY_CODE.get(finding.code)!;
        if (allow.allows(finding.code, statement.line)) continue;
        const warning: LintWarning = {
          code: finding.code,
          message: `${target.file}:${statement.line}: ${finding.what}: ${rule.risk}; safer: ${rule.safer} (or "-- strata:allow ${finding.code}" above it)`,
          file: target.file,
          line: statement.line,
          risk: rule.risk,
          safer: rule.safer,
        };
        (rule.severity === 'error' ? result.errors : result.warnings).push(warning);
      }
    }
  }
  return result;
}

function linesOf(target: LintTarget): string[] {
  if (target.fileText) return target.fileText.split(/\r?\n/);
  const script = target.script!;
  return [...Array<string>(script.startLine - 1).fill(''), ...script.sql.split(/\r?\n/)];
}
