/**
 * Waiting for a lock by polling with jittered backoff — never by blocking inside the database
 * (PostgreSQL: a waiter blocked in pg_advisory_lock holds a snapshot that makes the holder's
 * CREATE INDEX CONCURRENTLY wait forever). Every lock strategy waits through this.
 */
import { LockNotNeeded, LockTimeoutError } from '../core/errors.js';
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
    if (options.signal?.aborted) throw new LockTimeoutError('lock-timeout', 'stopped while waiting for the migration lock');
    if (options.stillNeeded && !(await options.stillNeeded())) throw new LockNotNeeded();
    const sleep = Math.min(delay * (0.5 + Math.random()), Math.max(0, options.timeoutMs - waited));
    await new Promise((resolve) => setTimeout(resolve, Math.max(sleep, options.minimumWaitMs ?? 0)));
    delay = Math.min(MAX_DELAY_MS, delay * 1.5);
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
