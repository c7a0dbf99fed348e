/**
 * Which connection failures mean "the server is not accepting connections yet" (`wait`,
 * `--wait`, the `wait` option, issue 18): a container started before its database, a server
 * still starting up or restarting. Those are tried again; every other failure — a wrong
 * password, an unknown user or database, a bad URL, a missing driver — ends the wait at once.
 */
import { CONNECT_TIMEOUT_HINT } from './connect-timeout.js';

/** Socket and name-resolution failures (a container's DNS name appears when it starts). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'PROTOCOL_CONNECTION_LOST']);
/** PostgreSQL: 57P03 cannot_connect_now (starting up, shutting down, in recovery), 53300 too_many_connections. */
const POSTGRES_STATES = new Set(['57P03', '53300']);
/** MySQL/MariaDB: 1040 too many connections, 1053 server shutdown in progress. */
const MYSQL_ERRNOS = new Set([1040, 1053]);

export function notReadyYet(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== null && e !== undefined && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, errno, hint, message, errors } = e as { code?: unknown; errno?: unknown; hint?: unknown; message?: unknown; errors?: unknown };
    // Our own connect timeout: a host that accepts the connection and does not answer yet.
    if (hint === CONNECT_TIMEOUT_HINT) return true;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || POSTGRES_STATES.has(code))) return true;
    if (typeof errno === 'number' && MYSQL_ERRNOS.has(errno)) return true;
    // pg: the server closed the connection during start-up (it is restarting).
    if (typeof message === 'string' && /^Connection terminated unexpectedly$/.test(message)) return true;
    // Node tries every address of a name (IPv6 and IPv4): an AggregateError of refusals.
    if (Array.isArray(errors) && errors.length > 0 && errors.every(notReadyYet)) return true;
  }
  return false;
}
