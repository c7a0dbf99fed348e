/**
 * The MySQL driver's lock: GET_LOCK on the run's connection (session) or a lease row renewed on
 * a connection of its own, chosen per engine and setting; both probed read-only.
 */
import { ConfigError } from '../../core/errors.js';
import type { DriverOptions, LockHolder, LockOptions, LockStrategy } from '../driver.js';
import { Lease, leaseOwner } from '../lease.js';
import { type MysqlEngine, chooseLock, getLockWaitSeconds, sessionLockProblem } from './engine.js';
import { MysqlLeaseStore } from './lease-store.js';
import { MysqlSessionLock, sessionLockName } from './lock.js';
import type { RunConnection } from './run-connection.js';
import type { SessionSource } from './session.js';
import type { TrackingSql } from './tracking.js';

/** What the lock needs of the driver. */
export interface LockDeps {
  readonly source: SessionSource;
  readonly options: DriverOptions;
  readonly runConnection: RunConnection;
  /** The tracking tables' statements (known once connected). */
  readonly sql: () => TrackingSql;
  /** Whether the run's connection has a transaction open. */
  readonly inTransaction: () => boolean;
}

export class MysqlLocks {
  strategy: LockStrategy | null = null;
  lease: Lease | null = null;
  leaseStore: MysqlLeaseStore | null = null;
  /** Releasing the session lock failed: a pooled connection is destroyed, never returned. */
  releaseFailed = false;
  private sessionLock: MysqlSessionLock | null = null;

  constructor(private readonly deps: LockDeps) {}

  private lockFor(strategy: LockStrategy, engine: MysqlEngine): MysqlSessionLock | Lease {
    const { options, runConnection } = this.deps;
    if (strategy === 'session') {
      this.sessionLock ??= new MysqlSessionLock(sessionLockName(runConnection.facts.database, options.table), getLockWaitSeconds(engine));
      return this.sessionLock;
    }
    if (!this.lease) {
      this.leaseStore = new MysqlLeaseStore({
        open: () => this.deps.source.open('extra'),
        read: () => runConnection.read(),
        table: this.deps.sql().lock,
        owner: leaseOwner(options.runId, options.leaseTtlMs),
        runInTransaction: () => this.deps.inTransaction(),
      });
      this.lease = new Lease(this.leaseStore, options.leaseTtlMs);
    }
    return this.lease;
  }

  async acquire(options: LockOptions): Promise<void> {
    const { source, runConnection } = this.deps;
    const session = await runConnection.get();
    const engine = await runConnection.detectEngine();
    const strategy = chooseLock(engine, this.deps.options.lock);
    if (strategy === 'lease' && source.connectionLimit !== null && source.connectionLimit < 2) {
      throw new ConfigError('config', `the lease needs two connections of the application's pool at once, and its connectionLimit is ${source.connectionLimit}`, {
        hint: "raise the pool's connectionLimit to 2 or more (the lease renews on a connection of its own)",
      });
    }
    const lock = this.lockFor(strategy, engine);
    this.strategy = strategy;
    if (lock instanceof MysqlSessionLock) await lock.acquire(session, options);
    else await lock.acquire(options);
  }

  async release(): Promise<void> {
    if (this.sessionLock?.isHeld && !(await this.sessionLock.release())) this.releaseFailed = true;
    await this.lease?.release();
  }

  assertHeld(): void {
    if (this.strategy === 'session') this.sessionLock?.assertHeld();
    else if (this.strategy === 'lease') this.lease?.assertHeld();
  }

  /**
   * Read-only. Both locks are probed, whichever this run would take: GET_LOCK where it is
   * trustworthy (a run with another `lock` setting may hold it), then the lease row, when its
   * table exists.
   */
  async probe(): Promise<LockHolder | null> {
    const session = await this.deps.runConnection.read();
    if (!session) return null;
    const engine = await this.deps.runConnection.detectEngine();
    if (sessionLockProblem(engine) === null) {
      const holder = await (this.lockFor('session', engine) as MysqlSessionLock).probe(session);
      if (holder) return holder;
    }
    return (this.lockFor('lease', engine) as Lease).probe();
  }
}
