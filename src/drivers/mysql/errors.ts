/**
 * What a MySQL/MariaDB error number means to strata: whether the statement provably did
 * nothing, whether it was a lock-wait timeout (retry it) or a cancellation, and turning a
 * failed connection into a ConnectionError that never shows the password.
 */
import { ConnectionError, messageOf } from '../../core/errors.js';
import type { ErrorFacts } from '../driver.js';
import { connectTimedOut } from '../connect-timeout.js';
import { redactText } from '../url.js';

/** Server error numbers strata acts on (names as in the server's errmsg files). */
export const ER = {
  DBACCESS_DENIED: 1044,
  ACCESS_DENIED: 1045,
  BAD_DB: 1049,
  BAD_FIELD: 1054,
  PARSE: 1064,
  UNKNOWN_THREAD: 1094,
  TABLEACCESS_DENIED: 1142,
  COLUMNACCESS_DENIED: 1143,
  NO_SUCH_TABLE: 1146,
  LOCK_WAIT_TIMEOUT: 1205,
  LOCK_DEADLOCK: 1213,
  SPECIFIC_ACCESS_DENIED: 1227,
  QUERY_INTERRUPTED: 1317,
} as const;

/** The server's error number, or undefined for errors that are not the server's. */
export function errnoOf(error: unknown): number | undefined {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' ? errno : undefined;
}

function sqlStateOf(error: unknown): string | undefined {
  const state = (error as { sqlState?: unknown } | null)?.sqlState;
  return typeof state === 'string' ? state : undefined;
}

/**
 * 1205 is both InnoDB's row-lock timeout and the metadata-lock timeout that bounds DDL
 * (`lock_wait_timeout`): either way the statement did nothing and can be retried.
 * Denied and parse errors are raised before the statement touches anything.
 */
const NO_EFFECT = new Set<number>([
  ER.PARSE, ER.TABLEACCESS_DENIED, ER.COLUMNACCESS_DENIED, ER.DBACCESS_DENIED, ER.ACCESS_DENIED,
  ER.SPECIFIC_ACCESS_DENIED, ER.LOCK_WAIT_TIMEOUT,
]);

export function mysqlErrorFacts(error: unknown): ErrorFacts {
  const errno = errnoOf(error);
  return {
    lockTimeout: errno === ER.LOCK_WAIT_TIMEOUT,
    noEffect: errno !== undefined && NO_EFFECT.has(errno),
    cancelled: errno === ER.QUERY_INTERRUPTED,
  };
}

/**
 * A write conflict: an InnoDB deadlock, a Galera certification failure (reported as 1213
 * when two nodes write the same row) or a row-lock wait that timed out. For the lease it
 * means "someone else is writing the lock row: taken, retry".
 */
export function isWriteConflict(error: unknown): boolean {
  const errno = errnoOf(error);
  return errno === ER.LOCK_DEADLOCK || errno === ER.LOCK_WAIT_TIMEOUT || sqlStateOf(error) === '40001';
}

/** InnoDB rolled the whole transaction back (not only the statement). */
export function endsTransaction(error: unknown): boolean {
  return errnoOf(error) === ER.LOCK_DEADLOCK || sqlStateOf(error) === '40001';
}

export function isMissingTable(error: unknown): boolean {
  return errnoOf(error) === ER.NO_SUCH_TABLE;
}

export function isUnknownColumn(error: unknown): boolean {
  return errnoOf(error) === ER.BAD_FIELD;
}

export function isMissingDatabase(error: unknown): boolean {
  return errnoOf(error) === ER.BAD_DB;
}

/** The connection is gone (the server closed it, it was killed, the network failed). */
export function isFatal(error: unknown): boolean {
  return (error as { fatal?: unknown } | null)?.fatal === true;
}

/** A connection or authentication failure, scrubbed of the password (mysql2 never prints it, but a URL in a message could). */
export function connectionFailed(display: string, secrets: readonly string[], error: unknown, timeoutMs?: number): ConnectionError {
  // mysql2's connectTimeout fired: ETIMEDOUT from its own timer, not from the socket.
  if (timeoutMs && (error as { code?: unknown } | null)?.code === 'ETIMEDOUT') return connectTimedOut(display, timeoutMs, error);
  const reason = redactText(messageOf(error), secrets);
  const errno = errnoOf(error);
  const hint =
    errno === ER.ACCESS_DENIED || errno === ER.DBACCESS_DENIED
      ? 'check the user name and password in --db / DATABASE_URL, and that the user may use this database'
      : errno === ER.BAD_DB
        ? 'create the database first (CREATE DATABASE …), or fix its name in --db / DATABASE_URL'
        : 'check that the server is running and reachable at the host and port in --db / DATABASE_URL';
  return new ConnectionError('connection-failed', `cannot connect to ${display}: ${reason}`, { hint }, { cause: error });
}
