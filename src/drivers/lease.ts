/**
 * The lease (SPEC §6): a row in `<table>_lock` that says which run may change the database,
 * for SQLite and wherever a session lock is absent or cannot be trusted. This module is the
 * lease's one state machine and its messages; each dialect gives it a small `LeaseStore`
 * (its SQL and the connections it runs on: postgres/, mysql/ and sqlite/lease-store.ts).
 *
 * - Held from a successful `acquire` (polled, never blocking inside the database) until
 *   `release`; lost once a renewal or a tracking write finds the row no longer ours, or,
 *   where renewals run beside the run's statements, once the lease outlived the last time
 *   the server confirmed it (`confirmedUntil`) — then every later check throws `lock-lost`.
 * - Renewed every TTL/3, one renewal in flight at a time, except while the run's own open
 *   transaction holds the row (it checked the lease there): nobody can take it over until
 *   that transaction ends, and a renewal would only wait for it.
 * - Every tracking write checks ownership in its own transaction; the driver reports what it
 *   found with `checked`, and the end of that transaction with `transactionEnded`.
 *
 * Driver-side code shared by the drivers, not a core port: the core sees only the Driver's
 * lock methods, which a session lock implements just as well.
 */
import { hostname } from 'node:os';
import { LockTimeoutError } from '../core/errors.js';
import { strataPackage } from '../package-info.js';
import type { LockHolder, LockOptions } from './driver.js';
import { pollForLock } from './poll-lock.js';

/** Who this run is, as written into the lease row. */
export interface LeaseOwner {
  readonly runId: string;
  /** What waiters and `status` show: `strata <version> <host>:<pid> <run id>`. */
  readonly owner: string;
  readonly host: string;
  readonly pid: number;
  readonly ttlMs: number;
}

export function leaseOwner(runId: string, ttlMs: number): LeaseOwner {
  const host = hostname();
  return { runId, owner: `strata ${strataPackage().version} ${host}:${process.pid} ${runId}`, host, pid: process.pid, ttlMs };
}

/** A dialect's part of the lease: its statements, and the connections they run on. */
export interface LeaseStore {
  /**
   * One attempt, without waiting for other writers: takes the row when it is free, expired or
   * already ours (null), else names its holder. Creates the table when it is missing. A
   * conflict with another writer of the row reads as taken.
   */
  tryAcquire(): Promise<LockHolder | null>;
  /**
   * Extends the lease where the run's statements cannot hold it up: true when it is still
   * ours, false when the row matched nothing (someone took it over), null when it cannot be
   * tried now. Throws when the attempt failed (a broken connection, a conflict).
   */
  renew(): Promise<boolean | null>;
  /** Lets the row go (deleted or expired); nothing when it is no longer ours. */
  release(): Promise<void>;
  /** Read-only, for `status`: the live holder, or null (no table, no row, expired). */
  probe(): Promise<LockHolder | null>;
  /** Closes the connections the store opened for itself; the next use reopens them. */
  close(): Promise<void>;
  /** The run's connection has a transaction open. */
  runInTransaction(): boolean;
  /**
   * Renewals run beside the run's statements (a second connection), so the lease lapses
   * locally once a whole TTL passed without a confirmation. False on SQLite: one synchronous
   * connection cannot renew during a long statement, and the next write's check decides.
   */
  readonly renewsDuringStatements: boolean;
}

/** Renewals are at least this far apart, whatever the TTL. */
const MIN_RENEW_INTERVAL_MS = 100;
/** How long `release` waits for a renewal in flight (one stuck on a row lock must not hold up close). */
const RELEASE_WAIT_MS = 1000;

/** Holders a waiter cannot name from the row. */
export const UNKNOWN_HOLDER = {
  /** The row is being written by another run's transaction, not yet committed. */
  taking: { owner: 'another run (it is taking the lock right now)', since: null } as LockHolder,
  /** SQLite: another connection holds the database's write lock, so the row cannot be read. */
  writing: { owner: 'another connection (it holds the database write lock)', since: null } as LockHolder,
};

export function lockLost(cause?: unknown): LockTimeoutError {
  return new LockTimeoutError(
    'lock-lost',
    'the migration lease was lost (it expired or another run took it over)',
    {
      hint:
        'the migration in progress stopped (rolled back where it was transactional, else left dirty); run `strata status`, ' +
        'then `strata up` again (raise the `leaseTtl` option if renewals are slow)',
    },
    cause === undefined ? undefined : { cause },
  );
}

export class Lease {
  private held = false;
  private lost = false;
  /** Local time until which the server has confirmed the lease (acquire, a renewal, a committed check). */
  private confirmedUntil = 0;
  /** The run's open transaction checked the lease: its row lock keeps everyone else out until it ends. */
  private checkedInOpenTransaction = false;
  /** What that check confirms once its transaction commits. */
  private pendingConfirm = 0;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | null = null;
  /** Why the last renewal failed, reported as the cause when the lease then lapses. */
  private renewalError: unknown;

  constructor(
    private readonly store: LeaseStore,
    private readonly ttlMs: number,
  ) {}

  /** Held and not known to be lost. */
  get isHeld(): boolean {
    return this.held && !this.lost;
  }

  /** Acquired and not released — possibly lost since: tracking writes must be checked, and refused. */
  get active(): boolean {
    return this.held;
  }

  /** The run's open transaction has checked the lease (a second check there adds nothing). */
  get heldByTransaction(): boolean {
    return this.checkedInOpenTransaction && this.store.runInTransaction();
  }

  async acquire(options: LockOptions): Promise<void> {
    if (this.isHeld) return;
    this.stopRenewing(); // a lease lost earlier in this run
    let attemptAt = 0;
    await pollForLock(() => {
      attemptAt = Date.now();
      return this.store.tryAcquire();
    }, options);
    this.held = true;
    this.lost = false;
    this.checkedInOpenTransaction = false;
    this.renewalError = undefined;
    this.confirmedUntil = attemptAt + this.ttlMs;
    this.timer = setInterval(() => void this.renew(), Math.max(MIN_RENEW_INTERVAL_MS, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  /**
   * What a check of the lease in a tracking write's transaction found (sent at `sentAt`).
   * Not owned: nothing was written, and `lock-lost` is thrown. Inside the run's open
   * transaction the extension counts only once that transaction commits.
   */
  checked(owned: boolean, sentAt: number): void {
    if (!this.held) return;
    if (!owned) {
      this.lost = true;
      throw lockLost();
    }
    if (this.store.runInTransaction()) {
      this.checkedInOpenTransaction = true;
      this.pendingConfirm = Math.max(this.pendingConfirm, sentAt + this.ttlMs);
    } else {
      this.confirm(sentAt);
    }
  }

  /** The run's transaction ended: its check's extension of the lease committed, or vanished. */
  transactionEnded(committed: boolean): void {
    if (committed && this.checkedInOpenTransaction) this.confirmedUntil = Math.max(this.confirmedUntil, this.pendingConfirm);
    this.checkedInOpenTransaction = false;
    this.pendingConfirm = 0;
  }

  /** No round trip: what the last renewal or check found, and the local deadline. */
  assertHeld(): void {
    if (!this.held) return;
    if (!this.lost && this.store.renewsDuringStatements && !this.heldByTransaction && Date.now() > this.confirmedUntil) this.lost = true;
    if (this.lost) throw lockLost(this.renewalError);
  }

  /** Never throws: a lease that cannot be let go expires by itself within its TTL. */
  async release(): Promise<void> {
    this.stopRenewing();
    const wasHeld = this.held;
    this.held = false;
    this.checkedInOpenTransaction = false;
    if (this.renewing) await Promise.race([this.renewing, new Promise((resolve) => setTimeout(resolve, RELEASE_WAIT_MS).unref())]);
    try {
      if (wasHeld) await this.store.release();
    } catch {
      // Deliberately dropped: the row expires by itself, and a failed release must never hide
      // the run's own result (release runs on every exit path, failures included).
    } finally {
      await this.store.close();
    }
  }

  probe(): Promise<LockHolder | null> {
    return this.store.probe();
  }

  private confirm(sentAt: number): void {
    this.confirmedUntil = Math.max(this.confirmedUntil, sentAt + this.ttlMs);
    this.renewalError = undefined;
  }

  private stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    if (!this.held || this.lost || this.heldByTransaction) return;
    const sentAt = Date.now();
    let owned: boolean | null;
    try {
      owned = await this.store.renew();
    } catch (error) {
      // The next tick tries again (the store reopens a broken connection); if none succeeds
      // before the deadline, assertHeld reports the lease lost, with this as the cause.
      this.renewalError = error;
      return;
    }
    if (!this.held || owned === null) return;
    if (owned) this.confirm(sentAt);
    else this.lost = true;
  }
}
