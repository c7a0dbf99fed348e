/** Read-only reports: `history`, `info`, `validate`. None of them locks or creates anything. */
import type { LogRow, Problem } from '../core/model.js';
import { findDestructive } from '../sql/classify.js';
import { statementsOf } from '../core/script-statements.js';
import type { LockStrategy, TableInfo } from '../core/ports/index.js';
import { loadEntries, readState, type OperationContext } from './context.js';

export async function history(ctx: OperationContext, options: { limit?: number | undefined } = {}): Promise<{ entries: LogRow[] }> {
  const driver = await ctx.driver();
  // Rows written before errors were scrubbed on the way in may still hold a password.
  const entries = await driver.readLog(options.limit ?? 100);
  return { entries: entries.map((entry) => (entry.error ? { ...entry, error: ctx.redact(entry.error) } : entry)) };
}

export interface InfoResult {
  readonly dialect: string;
  readonly engine: string;
  readonly lock: LockStrategy;
  readonly serverVersion: string;
  readonly sizeBytes: number | null;
  readonly currentVersion: string | null;
  readonly tables: readonly TableInfo[];
  readonly database: string;
}

export async function info(ctx: OperationContext): Promise<InfoResult> {
  const driver = await ctx.driver();
  const described = await driver.describe();
  const details = await driver.info();
  const { state } = await readState(ctx, driver);
  const applied = state.entries.filter((e) => e.applied !== null && e.state !== 'dirty');
  return {
    dialect: driver.dialect,
    engine: described.engine,
    lock: described.lock,
    serverVersion: described.serverVersion || details.serverVersion,
    sizeBytes: details.sizeBytes,
    currentVersion: applied.at(-1)?.version ?? null,
    tables: details.tables,
    database: driver.displayName,
  };
}

export interface Warning {
  readonly code: string;
  readonly message: string;
  readonly file: string | null;
  readonly line: number | null;
}

export interface ValidateResult {
  readonly ok: boolean;
  readonly errors: { code: Problem['code']; message: string; file: string | null }[];
  readonly warnings: Warning[];
}

/** §4 checks (forbidden statements included) and warnings for destructive statements in pending migrations. */
export async function validate(ctx: OperationContext): Promise<ValidateResult> {
  const driver = await ctx.driver();
  const { state } = await readState(ctx, driver);
  const problems: Problem[] = [...state.problems];
  const warnings: Warning[] = [];
  const loadable = state.entries.filter((e) => e.state === 'pending' && e.source !== null);
  for (const m of await loadEntries(ctx, loadable)) {
    if (m.up.type !== 'sql') continue;
    for (const statement of statementsOf(m.up.script, driver.syntax)) {
      const finding = findDestructive(statement.text, driver.syntax);
      if (finding) warnings.push({ code: finding.code, message: `${m.up.script.file}:${statement.line}: ${finding.message}`, file: m.up.script.file, line: statement.line });
    }
  }
  return { ok: problems.length === 0, errors: problems.map((p) => ({ code: p.code, message: p.message, file: p.file })), warnings };
}
