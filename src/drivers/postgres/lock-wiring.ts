/** The PostgreSQL driver's lock for its strategy: an advisory lock on the run's session, or a lease row. */
import type { DriverOptions, LockStrategy } from '../driver.js';
import { Lease, leaseOwner } from '../lease.js';
import type { Client } from 'pg';
import { quoteIdent as q } from './introspect.js';
import { PgLeaseStore } from './lease-store.js';
import { AdvisoryLock, advisoryKeys, type RunQuery } from './lock.js';

export interface PostgresLocks {
  readonly advisory: AdvisoryLock | null;
  readonly lease: Lease | null;
  readonly leaseStore: PgLeaseStore | null;
}

export interface LockDeps {
  /** A query on the run's session. */
  readonly run: RunQuery;
  /** A short-lived second connection (the lease renews on it). */
  readonly openSide: () => Promise<Client>;
  readonly options: DriverOptions;
  /** The schema of strata's tables. */
  readonly schema: string;
  readonly runInTransaction: () => boolean;
}

export function postgresLocks(strategy: LockStrategy, { run, openSide, options, schema, runInTransaction }: LockDeps): PostgresLocks {
  if (strategy === 'session') return { advisory: new AdvisoryLock(run, advisoryKeys(schema, options.table)), lease: null, leaseStore: null };
  const leaseStore = new PgLeaseStore({
    run,
    openSide,
    lockTable: `${q(schema)}.${q(`${options.table}_lock`)}`,
    createSchema: options.schema ? `CREATE SCHEMA IF NOT EXISTS ${q(options.schema)}` : null,
    owner: leaseOwner(options.runId, options.leaseTtlMs),
    runInTransaction,
  });
  return { advisory: null, lease: new Lease(leaseStore, options.leaseTtlMs), leaseStore };
}
