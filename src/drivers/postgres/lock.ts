/**
 * PostgreSQL's lock: a session advisory lock on the run's own connection. It belongs to the
 * session, so if this process dies the server frees it when the connection drops — a crashed
 * runner cannot leave it held (a lock row would stay).
 *
 * Two-int4 form `(strata constant, hash of schema.table)`: a key space apart from the bigint
 * keys applications use, one lock per schema and tracking table (tenants do not wait for each
 * other). Taken with pg_try_advisory_lock, polled: a waiter blocked inside pg_advisory_lock
 * holds a snapshot that makes the holder's CREATE INDEX CONCURRENTLY wait forever.
 */
import { createHash } from 'node:crypto';
import type { QueryResult } from 'pg';
import type { LockHolder, LockOptions } from '../driver.js';
import { pollForLock } from '../poll-lock.js';

export type RunQuery = (sql: string, params?: readonly unknown[]) => Promise<QueryResult>;

/** A stable int4 from a string: the first 4 bytes of its sha256 (never changes between versions). */
export function int4Hash(text: string): number {
  return createHash('sha256').update(text).digest().readInt32BE(0);
}

/** The advisory-lock keys of a schema's tracking table. */
export function advisoryKeys(schema: string, table: string): readonly [number, number] {
  return [int4Hash('strata'), int4Hash(`${schema}.${table}`)];
}

/**
 * The session holding the two-int4 advisory lock `keys` in this database, from pg_locks: its
 * application_name (strata sets `strata <version> host:pid run`) and when it connected.
 * pg_locks keeps the keys as oid (unsigned), hence the int8 comparison.
 */
export async function advisoryHolder(run: RunQuery, keys: readonly [number, number]): Promise<LockHolder | null> {
  const { rows } = await run(
    `SELECT a.application_name, l.pid, a.backend_start
       FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.classid::int8 = $1 AND l.objid::int8 = $2
        AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
      LIMIT 1`,
    [keys[0] >>> 0, keys[1] >>> 0],
  );
  const row = rows[0] as { application_name: string | null; pid: number; backend_start: Date | null } | undefined;
  if (!row) return null;
  const owner = row.application_name ? `${row.application_name} (backend pid ${row.pid})` : `pid ${row.pid}`;
  return { owner, since: row.backend_start instanceof Date ? row.backend_start.toISOString() : null };
}

export class AdvisoryLock {
  private held = false;
  private releaseFailed = false;

  constructor(
    private readonly run: RunQuery,
    private readonly keys: readonly [number, number],
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /** The unlock failed (the connection broke): a pooled connection must be destroyed, not returned. */
  get failedToRelease(): boolean {
    return this.releaseFailed;
  }

  async acquire(options: LockOptions): Promise<void> {
    if (this.held) return; // advisory locks nest: a second lock would need a second unlock
    await pollForLock(async () => {
      const { rows } = await this.run('SELECT pg_try_advisory_lock($1, $2) AS got', this.keys);
      if ((rows[0] as { got: boolean }).got) return null;
      // Freed between the two queries: report "unknown" and let the next attempt take it.
      return (await advisoryHolder(this.run, this.keys)) ?? { owner: 'unknown', since: null };
    }, options);
    this.held = true;
  }

  /** Never throws: a failed unlock is remembered so that close() destroys the connection. */
  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    try {
      const { rows } = await this.run('SELECT pg_advisory_unlock($1, $2) AS released', this.keys);
      if (!(rows[0] as { released: boolean }).released) this.releaseFailed = true;
    } catch {
      this.releaseFailed = true;
    }
  }

  /** The lock is gone with its connection. */
  forget(): void {
    if (this.held) this.releaseFailed = true;
    this.held = false;
  }

  probe(): Promise<LockHolder | null> {
    return advisoryHolder(this.run, this.keys);
  }
}
