/**
 * Waiting for the database before the first connection is used (`strata wait`, `--wait`, the
 * library's `wait` option; issue 18): containers start before their database does. Only
 * "not accepting connections yet" is tried again (drivers/connect-retry.ts); an
 * authentication failure or a missing database fails at once. SQLite has no server: its
 * first attempt answers.
 */
import { AbortError, ConnectionError, StrataError, messageOf } from './core/errors.js';
import type { EventListener } from './core/events.js';
import { notReadyYet } from './drivers/connect-retry.js';
import type { Driver } from './drivers/driver.js';

export interface WaitResult {
  /** Connection attempts made, the successful one included. */
  readonly attempts: number;
  readonly waitedMs: number;
}

/** First retry after 250 ms, doubling up to 2 s between attempts. */
const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 2_000;

/**
 * Opens the driver and makes one round trip (a driver that connects lazily connects here),
 * again and again while the database is not accepting connections, for up to `timeoutMs`
 * (the attempt under way when the time is up is finished first: at most one connect timeout
 * more). 0 = one attempt.
 */
export async function openWhenReady(open: () => Promise<Driver>, timeoutMs: number, emit: EventListener, signal: AbortSignal | undefined): Promise<{ driver: Driver } & WaitResult> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    let driver: Driver | undefined;
    try {
      driver = await open();
      await driver.describe();
      return { driver, attempts: attempt, waitedMs: Date.now() - started };
    } catch (error) {
      await driver?.close().catch(() => undefined);
      if (error instanceof AbortError || !notReadyYet(error)) throw error;
      const waited = Date.now() - started;
      if (waited >= timeoutMs) throw gaveUp(error, timeoutMs, attempt);
      emit({ type: 'database-wait', attempt, error: messageOf(error), timeoutMs });
      await pause(Math.min(FIRST_PAUSE_MS * 2 ** Math.min(attempt - 1, 3), LONGEST_PAUSE_MS, timeoutMs - waited), signal);
      if (signal?.aborted) throw new AbortError('stopped while waiting for the database: nothing was changed');
    }
  }
}

function gaveUp(error: unknown, timeoutMs: number, attempts: number): ConnectionError {
  const last = error instanceof StrataError ? error.message : messageOf(error);
  if (timeoutMs === 0) return error instanceof ConnectionError ? error : new ConnectionError('connection-failed', last, {}, { cause: error });
  return new ConnectionError('connection-failed', `the database did not accept connections within ${timeoutMs / 1000} s (${attempts} attempts): ${last}`, {
    hint: 'start the database server, or check the host and port in --db / DATABASE_URL; to wait longer raise --wait (or `strata wait --timeout`)',
  }, { cause: error });
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}
