/** Human-readable rendering of each command's result. */
import { migrationId, type InfoResult, type PlanResult, type StatusResult, type ValidateResult, type LogRow, type RepairResult } from '../index.js';
import { formatBytes, paint, table, type Output } from './output.js';

const STATE_COLOR: Record<string, number> = { applied: 32, pending: 33, failed: 31, changed: 31, missing: 31, dirty: 31 };

export function renderStatus(out: Output, result: StatusResult, database: string): void {
  out.line(`database: ${database}`);
  out.line(`${result.applied} applied, ${result.pending} pending${result.failed ? ` (${result.failed} failed)` : ''}${result.problems.length ? `, ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}` : ''}`);
  if (result.migrations.length > 0) {
    out.line();
    const rows = result.migrations.map((m) => [
      m.version,
      m.name,
      paint(out, STATE_COLOR[m.state] ?? 0, m.state) + (m.outOfOrder ? ' (out of order)' : '') + (m.inProgress ? ' (in progress)' : ''),
      m.appliedAt ? shortTime(m.appliedAt) : '',
      m.durationMs === null ? '' : `${m.durationMs} ms`,
    ]);
    const lines = table([['VERSION', 'NAME', 'STATE', 'APPLIED AT', 'DURATION'], ...rows]);
    out.line(`  ${lines[0]}`);
    result.migrations.forEach((m, i) => {
      out.line(`  ${lines[i + 1]}`);
      // A failed attempt: when, and the first line of its error, under its row.
      if (m.state === 'failed') out.line(`      last attempt failed at ${shortTime(m.failedAt ?? '')}${m.error ? `: ${m.error}` : ''}`);
    });
  }
  if (result.problems.length > 0) {
    out.line();
    out.line('problems:');
    for (const p of result.problems) out.line(`  - [${p.code}] ${p.message}`);
  }
  for (const note of result.notes) out.line(`\nnote: ${note}`);
  if (result.lock) out.line(`\nlock: held by ${result.lock.owner}${result.lock.since ? ` since ${result.lock.since}` : ''}`);
  if (out.verbose && result.ignored.length > 0) {
    out.line();
    out.line('ignored files:');
    for (const f of result.ignored) out.line(`  ${f.file} — ${f.reason}`);
  }
}

export function renderPlan(out: Output, result: PlanResult, verb: string): void {
  if (result.plan.length === 0) {
    out.line(`nothing to ${verb}`);
    return;
  }
  out.line(`would ${verb} ${result.plan.length} migration${result.plan.length === 1 ? '' : 's'}:`);
  for (const step of result.plan) {
    out.line();
    out.line(`-- ${migrationId(step.version, step.name)}${step.file ? ` (${step.file})` : ''}${step.transaction ? '' : ' [transaction: off]'}`);
    out.line(step.sql ?? '-- (code migration)');
  }
}

export function renderValidate(out: Output, result: ValidateResult): void {
  for (const e of result.errors) out.line(`error [${e.code}] ${e.message}`);
  for (const w of result.warnings) out.line(`warning [${w.code}] ${w.message}`);
  out.line(result.ok ? `ok${result.warnings.length ? ` (${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'})` : ''}` : `${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}`);
}

export function renderHistory(out: Output, entries: readonly LogRow[]): void {
  if (entries.length === 0) {
    out.line('no history yet');
    return;
  }
  const rows = entries.map((e) => [
    String(e.id),
    shortTime(e.startedAt),
    e.operation,
    e.status === 'failed' ? paint(out, 31, 'failed') : 'success',
    e.version ? `${e.version}${e.name ? `_${e.name}` : ''}` : '',
    e.durationMs === null ? '' : `${e.durationMs} ms`,
    e.error ?? '',
  ]);
  for (const line of table([['ID', 'STARTED AT', 'OPERATION', 'STATUS', 'MIGRATION', 'DURATION', 'ERROR'], ...rows])) out.line(line);
}

export function renderInfo(out: Output, result: InfoResult): void {
  out.line(`database:        ${result.database}`);
  out.line(`dialect:         ${result.dialect}`);
  out.line(`engine:          ${result.engine}`);
  out.line(`lock strategy:   ${result.lock}`);
  out.line(`server version:  ${result.serverVersion || 'unknown'}`);
  out.line(`size:            ${formatBytes(result.sizeBytes)}`);
  out.line(`current version: ${result.currentVersion ?? '(none applied)'}`);
  if (result.tables.length > 0) {
    out.line();
    const rows = result.tables.map((t) => [t.name, `${t.rows}${t.estimated ? ' (estimated)' : ''}`]);
    for (const line of table([['TABLE', 'ROWS'], ...rows])) out.line(`  ${line}`);
  }
}

export function renderRepairPlan(out: Output, result: RepairResult & { unresolvedDirty: string[] }): void {
  if (result.repaired.length === 0) out.line('nothing to repair');
  for (const r of result.repaired) {
    if (r.action === 'checksum') out.line(`re-record checksum of ${r.version}: ${short(r.from)} → ${short(r.to)}`);
    else if (r.action === 'applied') out.line(`mark dirty ${r.version} as applied (finished by hand)`);
    else out.line(`forget dirty ${r.version} (rolled back by hand)`);
  }
  for (const v of result.unresolvedDirty) out.line(`${v} is dirty: name it with --applied ${v} or --rolled-back ${v}`);
}

/** `2026-01-28 09:30:00Z`: an ISO time without its milliseconds, for tables. */
export function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function short(checksum: string | null): string {
  return checksum ? `${checksum.slice(0, 12)}…` : 'none';
}
