/**
 * The tracking tables' columns (§3) and the mapping between their rows and the core's data,
 * shared by every dialect. Column types differ per dialect; names and meaning do not.
 */
import { ValidationError } from '../core/errors.js';
import type { AppliedMigration, LogEntry, LogRow } from '../core/model.js';
import type { Row } from './driver.js';

export const APPLIED_COLUMNS = [
  'version', 'name', 'description', 'checksum', 'kind', 'depends', 'applied_at', 'duration_ms',
  'applied_by', 'state', 'dirty_operation', 'statements_done', 'error',
] as const;

export const LOG_COLUMNS = [
  'run_id', 'version', 'name', 'operation', 'status', 'error', 'checksum', 'started_at',
  'duration_ms', 'applied_by', 'detail',
] as const;

export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The values of `row` in APPLIED_COLUMNS order. */
export function appliedValues(row: AppliedMigration): unknown[] {
  return [
    row.version, row.name, row.description, row.checksum, row.kind, JSON.stringify(row.depends), row.appliedAt,
    row.durationMs, row.appliedBy, row.state, row.dirtyOperation, row.statementsDone, row.error,
  ];
}

/** The values of `entry` in LOG_COLUMNS order. */
export function logValues(entry: LogEntry): unknown[] {
  return [
    entry.runId, entry.version, entry.name, entry.operation, entry.status, entry.error, entry.checksum,
    entry.startedAt, entry.durationMs, entry.appliedBy, entry.detail === null ? null : JSON.stringify(entry.detail),
  ];
}

export function toApplied(row: Row): AppliedMigration {
  return {
    version: String(row.version),
    name: String(row.name),
    description: (row.description as string | null) ?? null,
    checksum: (row.checksum as string | null) ?? null,
    kind: row.kind === 'code' ? 'code' : 'sql',
    depends: parseJsonArray(row.depends),
    appliedAt: isoOf(row.applied_at),
    durationMs: row.duration_ms === null || row.duration_ms === undefined ? null : Number(row.duration_ms),
    appliedBy: (row.applied_by as string | null) ?? null,
    state: row.state === 'dirty' ? 'dirty' : 'applied',
    dirtyOperation: row.dirty_operation === 'down' ? 'down' : row.dirty_operation === 'up' ? 'up' : null,
    statementsDone: row.statements_done === null || row.statements_done === undefined ? null : Number(row.statements_done),
    error: (row.error as string | null) ?? null,
  };
}

export function toLogRow(row: Row): LogRow {
  return {
    id: Number(row.id),
    runId: String(row.run_id),
    version: (row.version as string | null) ?? null,
    name: (row.name as string | null) ?? null,
    operation: row.operation as LogRow['operation'],
    status: row.status === 'failed' ? 'failed' : 'success',
    error: (row.error as string | null) ?? null,
    checksum: (row.checksum as string | null) ?? null,
    startedAt: isoOf(row.started_at),
    durationMs: row.duration_ms === null || row.duration_ms === undefined ? null : Number(row.duration_ms),
    appliedBy: (row.applied_by as string | null) ?? null,
    detail: row.detail === null || row.detail === undefined ? null : (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as Record<string, unknown>,
  };
}

/** Refuses a same-named table that is not strata's (it lacks strata's key columns). */
export function assertStrataTable(table: string, columns: readonly string[]): void {
  const missing = ['version', 'checksum', 'state'].filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    const message = `table ${table} exists but is not strata's tracking table (it has no ${missing.join(', ')} column)`;
    throw new ValidationError('foreign-table', message, {
      hint: 'choose another tracking table name with --table (or the `table` option)',
      problems: [],
    });
  }
}

function parseJsonArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string' || value === '' || value === '[]') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

function isoOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
