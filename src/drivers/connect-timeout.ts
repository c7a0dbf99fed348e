/**
 * How long connecting to a server may take (`connectTimeout`, §5): a host that accepts the
 * TCP connection and never answers (a wrong port, a firewall that black-holes, a server
 * stuck starting) is named after this long instead of hanging a deploy.
 */
import { ConnectionError } from '../core/errors.js';

/** Long enough for a server across the world, short enough that a dead host is named soon. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export const CONNECT_TIMEOUT_HINT =
  "check that the host and port are the database server's and that it is up; a slow network needs a longer --connect-timeout (connectTimeout in the config, or connect_timeout=<seconds> in the URL)";

/** exit 2 `connection-failed`, naming the (redacted) URL and the timeout. */
export function connectTimedOut(display: string, timeoutMs: number, cause: unknown): ConnectionError {
  return new ConnectionError('connection-failed', `cannot connect to ${display}: no answer within ${timeoutMs / 1000} s (connect timeout)`, { hint: CONNECT_TIMEOUT_HINT }, { cause });
}
