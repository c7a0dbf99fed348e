/**
 * The lock port: exactly one changing command at a time per database and tracking table.
 * Every changing command takes it first, before the tracking tables are created, and
 * releases it in `finally`.
 */

export type LockStrategy = 'session' | 'lease';

export interface LockHolder {
  /** Who holds it, as the database can tell (e.g. `strata 0.1.0 host:1234 run`, or `pid 4321`). */
  readonly owner: string;
  /** ISO-8601 UTC, or null when the database cannot tell. */
  readonly since: string | null;
}

export interface LockOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Called once when the lock is taken by someone else and the runner starts to wait. */
  readonly onWait?: (holder: LockHolder | null) => void;
  /**
   * Asked between polls while someone else holds the lock: false ends the wait with
   * LockNotNeeded (e.g. the holder applied everything this runner came to apply), so twenty
   * replicas starting together do not take the lock one by one only to find nothing to do.
   */
  readonly stillNeeded?: () => Promise<boolean>;
}

export interface Lock {
  /**
   * Waits up to `timeoutMs` (polling with jittered backoff, never blocking inside the
   * database), then rejects with LockTimeoutError naming the holder where the database can tell.
   */
  acquireLock(options: LockOptions): Promise<void>;
  /** Called in `finally` by the command that acquired it. Never throws for an unheld lock. */
  releaseLock(): Promise<void>;
  /**
   * Called before each migration and each tracking write: rejects with LockTimeoutError
   * (`lock-lost`) when a lease expired or was taken over. Cheap: no round trip.
   */
  assertLockHeld(): void;
  /** Read-only probe for `status`: who holds the lock now, without waiting or creating anything. */
  probeLock(): Promise<LockHolder | null>;
}
