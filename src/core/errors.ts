/**
 * strata's typed errors. Each carries a stable `code`, the migration and file it is about,
 * the statement's line for SQL errors, a hint that says what to do next, and the driver's
 * error as `cause`. Exit codes are mapped from these classes by the CLI alone.
 */
import type { Problem } from './model.js';

export type ErrorCode =
  | Problem['code']
  | 'migration-failed'
  | 'precheck-failed'
  | 'verify-failed'
  | 'ddl-lock-timeout'
  | 'irreversible'
  | 'atomic-refused'
  | 'lock-timeout'
  | 'lock-lost'
  | 'connection-failed'
  | 'config'
  | 'usage'
  | 'confirmation-required'
  | 'protected-environment'
  | 'aborted'
  | 'backup-failed'
  | 'scratch-unavailable'
  | 'forbidden-statement'
  | 'foreign-table'
  | 'import-mismatch'
  | 'other-tool-history'
  | 'validation';

export interface ErrorDetails {
  readonly migration?: string | null;
  readonly file?: string | null;
  readonly line?: number | null;
  readonly hint?: string | null;
  readonly problems?: readonly Problem[];
  /** Versions applied / rolled back before the failure (the run's partial result). */
  readonly applied?: readonly string[];
  readonly rolledBack?: readonly string[];
}

export class StrataError extends Error {
  readonly code: ErrorCode;
  readonly migration: string | null;
  readonly file: string | null;
  readonly line: number | null;
  readonly hint: string | null;
  readonly problems: readonly Problem[];
  applied: readonly string[];
  rolledBack: readonly string[];

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.migration = details.migration ?? null;
    this.file = details.file ?? null;
    this.line = details.line ?? null;
    this.hint = details.hint ?? null;
    this.problems = details.problems ?? [];
    this.applied = details.applied ?? [];
    this.rolledBack = details.rolledBack ?? [];
  }
}

/** §4 problems and refused plans (irreversible members, `--atomic` not possible). */
export class ValidationError extends StrataError {}
/** A migration failed: database error, thrown code, false precheck/verify, DDL lock retries exhausted. */
export class MigrationError extends StrataError {}
/** The lock was not obtained in time, or the lease was lost during the run. */
export class LockTimeoutError extends StrataError {}
/** Database unreachable, authentication failed, SQLite path not writable, driver missing. */
export class ConnectionError extends StrataError {}
/** Usage or configuration: bad option, URL, environment, target, conflicting options. */
export class ConfigError extends StrataError {}
/** A restore point, `backup` or `restore` could not be made or put back (exit 1); a missing program is a ConfigError (exit 2). */
export class BackupError extends StrataError {}
/** The run was stopped by its AbortSignal (SIGINT/SIGTERM in the CLI). */
export class AbortError extends StrataError {
  constructor(message = 'stopped: the migration in progress was rolled back', details: ErrorDetails = {}) {
    super('aborted', message, details);
  }
}

/** The database's message without the driver's prefixes, on one line. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/\s+/g, ' ').trim();
  return String(error);
}

/** Internal: a lock wait ended because what it waited for was done by the holder. Never reaches users. */
export class LockNotNeeded extends Error {
  constructor() {
    super('the lock is no longer needed');
  }
}
