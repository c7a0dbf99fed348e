/**
 * PostgreSQL errors as strata needs them: what a failed statement says about its effect
 * (retry it? did it change anything?), and connection failures as ConnectionError with every
 * password scrubbed (the URL's, and the one in pg's config).
 */
import { ConnectionError, messageOf } from '../../core/errors.js';
import type { ErrorFacts } from '../driver.js';
import { connectTimedOut } from '../connect-timeout.js';
import { redactText } from '../url.js';

/** lock_not_available: lock_timeout (or NOWAIT) expired before the lock was granted. */
export const LOCK_NOT_AVAILABLE = '55P03';
/** query_canceled: pg_cancel_backend, or statement_timeout. */
export const QUERY_CANCELED = '57014';
/** "… cannot run inside a transaction block" (VACUUM, CREATE DATABASE …). */
export const ACTIVE_SQL_TRANSACTION = '25001';
export const UNDEFINED_TABLE = '42P01';
export const UNDEFINED_COLUMN = '42703';
export const INVALID_SCHEMA_NAME = '3F000';
/** The database named in the URL does not exist. */
export const INVALID_CATALOG_NAME = '3D000';
export const SERIALIZATION_FAILURE = '40001';
export const DEADLOCK_DETECTED = '40P01';
/** unique_violation: two sessions racing on CREATE … IF NOT EXISTS collide in the catalog. */
export const UNIQUE_VIOLATION = '23505';
export const DUPLICATE_SCHEMA = '42P06';
export const DUPLICATE_TABLE = '42P07';
/** duplicate_object: the race can also end on the table's row type ("type … already exists"). */
export const DUPLICATE_OBJECT = '42710';

/**
 * Raised before a statement does anything: parse and analysis errors (class 42: syntax,
 * permission denied, undefined or duplicate objects), "cannot run inside a transaction block",
 * read-only transaction, unknown schema or database. Not a lock-wait timeout: CREATE INDEX
 * CONCURRENTLY can time out waiting for old transactions after its index exists (INVALID).
 */
const BEFORE_EXECUTION = new Set([ACTIVE_SQL_TRANSACTION, '25006', INVALID_SCHEMA_NAME, INVALID_CATALOG_NAME]);

export function sqlState(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/**
 * `atomic`: whether the failed statement ran as one atomic unit — inside a transaction block,
 * or alone in autocommit. PostgreSQL rolls such a statement back whole, so any SQL error means
 * it had no effect. Not atomic: CONCURRENTLY statements (a failed CREATE INDEX CONCURRENTLY
 * leaves an INVALID index) and DO/CALL outside a transaction (they may COMMIT part-way); for
 * those only errors raised before execution prove nothing happened. `not-run`: the driver
 * refused the statement without sending it. `undefined` when the error did not come from a
 * statement the driver ran for a migration.
 */
export function pgErrorFacts(error: unknown, atomic: boolean | 'not-run' | undefined, cancelRequested: boolean): ErrorFacts {
  const code = sqlState(error);
  if (atomic === 'not-run') return { lockTimeout: false, noEffect: true, cancelled: false };
  if (code === null) return { lockTimeout: false, noEffect: false, cancelled: false };
  const beforeExecution = BEFORE_EXECUTION.has(code) || code.startsWith('42');
  return {
    lockTimeout: code === LOCK_NOT_AVAILABLE,
    noEffect: atomic === true || beforeExecution,
    // statement_timeout raises 57014 too: only a cancel strata sent counts as "cancelled".
    cancelled: code === QUERY_CANCELED && cancelRequested,
  };
}

/** Removes every secret from an error's message (in place) and returns it. */
export function scrub<E>(error: E, secrets: readonly string[]): E {
  if (error instanceof Error && secrets.length > 0) {
    const clean = redactText(error.message, secrets);
    if (clean !== error.message) error.message = clean;
  }
  return error;
}

/**
 * Unreachable server, authentication failed, database missing: exit 2 with what to check.
 * The cause is a copy that keeps pg's code but not its properties, which can hold the
 * connection string (Node's "Invalid URL" error carries its `input`).
 */
export function connectionFailed(error: unknown, display: string, secrets: readonly string[], timeoutMs?: number): ConnectionError {
  const message = redactText(messageOf(error), secrets);
  const code = (error as { code?: unknown } | null)?.code;
  const cause = Object.assign(new Error(message), typeof code === 'string' ? { code } : {});
  if (timeoutMs && isConnectTimeout(error)) return connectTimedOut(display, timeoutMs, cause);
  return new ConnectionError('connection-failed', `cannot connect to ${display}: ${message}`, { hint: connectionHint(code) }, { cause });
}

/** pg's own connectionTimeoutMillis fired (its wording differs between the connect and the start-up phase). */
function isConnectTimeout(error: unknown): boolean {
  const text = messageOf(error);
  return text === 'timeout expired' || /connection timeout/i.test(text);
}

function connectionHint(code: unknown): string {
  switch (code) {
    case '28P01':
    case '28000':
      return 'check the user name and password in --db / DATABASE_URL';
    case '3D000':
      return 'create the database first (e.g. `createdb <name>`), or fix its name in --db / DATABASE_URL';
    case 'ECONNREFUSED':
      return 'is PostgreSQL running and listening on that host and port?';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'check the host name in --db / DATABASE_URL';
    default:
      return 'check that the server is reachable and the URL in --db / DATABASE_URL is right';
  }
}
