/** Read-only reports: `history`, `info`, `validate`. None of them locks or creates anything. */
import type { LogRow, Problem } from '../core/model.js';
import type { LockStrategy, TableInfo } from '../core/ports/index.js';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { lintMigrations, type LintTarget, type LintWarning } from '../lint/lint.js';
import { DEFAULT_LINT_PROFILE } from '../lint/profile.js';
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

export type Warning = LintWarning;

export interface ValidateResult {
  readonly ok: boolean;
  readonly errors: { code: Problem['code'] | string; message: string; file: string | null }[];
  readonly warnings: Warning[];
  /** Migrations the lint did not read, with why (code migrations). */
  readonly notLinted: { file: string; reason: string }[];
  /** What read the SQL: the database's own parser (`database`) or strata's tokens. */
  readonly parser: 'database' | 'tokens';
}

export interface ValidateOptions {
  /** Lint applied migrations too (§11: only pending ones by default). */
  readonly all?: boolean | undefined;
}

/** §4 checks (forbidden statements included) and the §11 lint of pending migrations (all with `all`). */
export async function validate(ctx: OperationContext, options: ValidateOptions = {}): Promise<ValidateResult> {
  const driver = await ctx.driver();
  const { state } = await readState(ctx, driver);
  const profile = driver.lintProfile ? await driver.lintProfile() : DEFAULT_LINT_PROFILE;
  const targets: LintTarget[] = [];
  for (const entry of state.entries) {
    if (entry.source === null) continue;
    const report = entry.state === 'pending' || options.all === true;
    if (entry.source.kind === 'code') {
      targets.push({ file: entry.file ?? entry.id, script: null, inTransaction: false, pending: entry.state === 'pending', report });
      continue;
    }
    const [m] = await loadEntries(ctx, [entry]);
    if (m?.up.type !== 'sql') continue;
    const script = m.up.script;
    targets.push({ file: script.file, script, inTransaction: m.meta.transaction && driver.capabilities.transactionalDdl, pending: entry.state === 'pending', report, fileText: script.startLine > 1 ? await wholeFile(script.file) : null });
  }
  const lint = await lintMigrations(targets, driver.syntax, profile);
  // A CONCURRENTLY statement in a transaction is also a §2 forbidden statement: the lint's error names it better.
  const lintErrorAt = new Set(lint.errors.map((e) => `${e.file}:${e.line}:`));
  const problems = state.problems.filter((p) => p.code !== 'forbidden-statement' || ![...lintErrorAt].some((at) => p.message.startsWith(at)));
  const errors = [...problems.map((p) => ({ code: p.code, message: p.message, file: p.file })), ...lint.errors.map((e) => ({ code: e.code, message: e.message, file: e.file }))];
  return { ok: errors.length === 0, errors, warnings: lint.warnings, notLinted: lint.notLinted, parser: lint.parser };
}

/** The file an up script came from, for its leading comment block (null when unreadable: a list entry). */
async function wholeFile(file: string): Promise<string | null> {
  try {
    return await readFile(resolve(file), 'utf8');
  } catch {
    return null;
  }
}
