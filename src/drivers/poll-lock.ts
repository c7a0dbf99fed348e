/**
 * Waiting for a lock by polling with jittered backoff — never by blocking inside the database
 * (PostgreSQL: a waiter blocked in pg_advisory_lock holds a snapshot that makes the holder's
 * CREATE INDEX CONCURRENTLY wait forever). Every lock strategy waits through this.
 */
import { AbortError, LockNotNeeded, LockTimeoutError } from '../core/errors.js';
import type { LockHolder, LockOptions } from './driver.js';

/** One attempt: null when the lock was taken, else who holds it (`owner` may be 'unknown'). */
export type TryLock = () => Promise<LockHolder | null>;

const FIRST_DELAY_MS = 10;
const MAX_DELAY_MS = 250;

export async function pollForLock(tryLock: TryLock, options: LockOptions & { minimumWaitMs?: number }): Promise<void> {
  const started = Date.now();
  let delay = FIRST_DELAY_MS;
  let announced = false;
  for (;;) {
    throwIfStopped(options.signal);
    const holder = await tryLock();
    if (holder === null) return;
    if (!announced) {
      announced = true;
      options.onWait?.(holder);
    }
    const waited = Date.now() - started;
    if (waited >= options.timeoutMs) {
      throw new LockTimeoutError(
        'lock-timeout',
        `could not get the migration lock within ${formatSeconds(options.timeoutMs)}: held by ${holder.owner}${holder.since ? ` since ${holder.since}` : ''}`,
        { hint: 'another strata run is applying migrations; wait for it to finish, or raise --lock-timeout' },
      );
    }
    throwIfStopped(options.signal);
    if (options.stillNeeded && !(await options.stillNeeded())) throw new LockNotNeeded();
    const sleep = Math.min(delay * (0.5 + Math.random()), Math.max(0, options.timeoutMs - waited));
    await pause(Math.max(sleep, options.minimumWaitMs ?? 0), options.signal);
    delay = Math.min(MAX_DELAY_MS, delay * 1.5);
  }
}

/** A signal is not a timeout: the caller stops at once (exit 130/143), nothing was taken. */
function throwIfStopped(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError('stopped while waiting for the migration lock: nothing was changed');
}

/** Sleeps between polls; a signal ends the sleep at once rather than after it. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
