/**
 * The lease's statements on PostgreSQL (CockroachDB, YugabyteDB, PgBouncer in transaction
 * pooling, where a session lock would stay on whichever server connection ran it). The state
 * machine is ../lease.ts.
 *
 * Times come from the server's clock (`statement_timestamp()`: inside a transaction `now()`
 * stands still). Taken by one conditional INSERT … ON CONFLICT DO UPDATE … WHERE expired,
 * each attempt waiting at most 100 ms for the row (no waiter queues inside the database);
 * renewed on a second connection; every tracking write re-checks and extends it in the
 * write's own statement (`guard`, the `owned` CTE), so a write commits only while the lease
 * is ours, and its row lock keeps a waiter from taking the lease over until that commit.
 *
 * Only unnamed statements and no session state: a transaction pooler may run each of them
 * on a different server connection.
 */
import type { Client, QueryResult } from 'pg';
import type { LockHolder } from '../driver.js';
import { type LeaseOwner, type LeaseStore, UNKNOWN_HOLDER } from '../lease.js';
import {
  DEADLOCK_DETECTED, DUPLICATE_SCHEMA, DUPLICATE_OBJECT, DUPLICATE_TABLE, INVALID_SCHEMA_NAME, LOCK_NOT_AVAILABLE, SERIALIZATION_FAILURE, UNDEFINED_TABLE,
  UNIQUE_VIOLATION, sqlState,
} from './errors.js';
import type { RunQuery } from './lock.js';
import { pgLiteral } from './tracking.js';

const MS = `::float8 * interval '1 millisecond'`;

/** How long one attempt may wait for the lease row's lock before it reports "taken". */
const ACQUIRE_ROW_WAIT_MS = 100;

export interface PgLeaseSettings {
  /** The run's connection: acquire, release, probe. */
  readonly run: RunQuery;
  /** Opens the second connection renewals run on. */
  readonly openSide: () => Promise<Client>;
  /** `"schema"."table_lock"`, quoted. */
  readonly lockTable: string;
  /** `CREATE SCHEMA IF NOT EXISTS "s"`, or null for the connection's default schema. */
  readonly createSchema: string | null;
  readonly owner: LeaseOwner;
  readonly runInTransaction: () => boolean;
}

const missingTable = (error: unknown): boolean => {
  const code = sqlState(error);
  return code === UNDEFINED_TABLE || code === INVALID_SCHEMA_NAME;
};

export class PgLeaseStore implements LeaseStore {
  readonly renewsDuringStatements = true;
  private side: Client | null = null;

  constructor(private readonly settings: PgLeaseSettings) {}

  runInTransaction(): boolean {
    return this.settings.runInTransaction();
  }

  async tryAcquire(): Promise<LockHolder | null> {
    try {
      return await this.attempt();
    } catch (error) {
      if (!missingTable(error)) throw error;
      await this.createTable();
      return this.attempt();
    }
  }

  /** One attempt; a row another transaction holds, or a lost race, reads as taken. */
  private async attempt(): Promise<LockHolder | null> {
    try {
      return await this.takeOrName();
    } catch (error) {
      // The simple query's own transaction failed part-way: end it before anything else. A
      // ROLLBACK that fails too means the connection is gone: the attempt's error says why.
      try {
        await this.settings.run('ROLLBACK');
      } catch {
        throw error;
      }
      const code = sqlState(error);
      // The row is locked by a holder's open transaction (its tracking write), or two runners
      // raced for it (CockroachDB reports 40001): "taken, retry".
      if (code === LOCK_NOT_AVAILABLE || code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED) {
        // Its expiry may look past: the holder's extension is in its uncommitted transaction.
        return (await this.holder(false)) ?? UNKNOWN_HOLDER.taking;
      }
      throw error;
    }
  }

  /**
   * One round trip: takes the row when it is free, expired, or already ours, and in the same
   * statement reads who held it before (the outer SELECT sees the statement's snapshot). A
   * waiter must not queue inside the database behind a holder's transaction (a tracking write
   * holds the row until its commit; an `--atomic` run, for the whole run), so the attempt's
   * own transaction bounds the row-lock wait with SET LOCAL lock_timeout — and, a simple
   * query taking no parameters, carries its values as quoted literals.
   */
  private async takeOrName(): Promise<LockHolder | null> {
    const { lockTable, owner } = this.settings;
    const results = (await this.settings.run(
      `BEGIN; SET LOCAL lock_timeout = '${ACQUIRE_ROW_WAIT_MS}ms';
       WITH taken AS (
         INSERT INTO ${lockTable} AS l (id, owner, host, pid, run_id, acquired_at, expires_at)
         VALUES (1, ${pgLiteral(owner.owner)}, ${pgLiteral(owner.host)}, ${owner.pid}, ${pgLiteral(owner.runId)},
                 statement_timestamp(), statement_timestamp() + ${Math.round(owner.ttlMs)}${MS})
         ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid,
           run_id = excluded.run_id, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
         WHERE l.expires_at < statement_timestamp() OR l.run_id = excluded.run_id
         RETURNING 1)
       SELECT (SELECT count(*) FROM taken)::int AS taken, l.owner, l.acquired_at
         FROM (SELECT 1) AS one LEFT JOIN ${lockTable} AS l ON l.id = 1;
       COMMIT`,
    )) as unknown as QueryResult[];
    const row = results[2]!.rows[0] as { taken: number; owner: string | null; acquired_at: Date | null };
    if (row.taken === 1) return null;
    if (row.owner === null) return UNKNOWN_HOLDER.taking;
    return { owner: row.owner, since: row.acquired_at instanceof Date ? row.acquired_at.toISOString() : null };
  }

  /** Runners racing to create the table collide in the catalog: the loser finds it made. */
  private async createTable(): Promise<void> {
    const statements = [
      ...(this.settings.createSchema ? [this.settings.createSchema] : []),
      `CREATE TABLE IF NOT EXISTS ${this.settings.lockTable} (
         id integer PRIMARY KEY CHECK (id = 1),
         owner text NOT NULL,
         host text NOT NULL,
         pid integer NOT NULL,
         run_id text NOT NULL,
         acquired_at timestamptz NOT NULL,
         expires_at timestamptz NOT NULL)`,
    ];
    for (const sql of statements) {
      try {
        await this.settings.run(sql);
      } catch (error) {
        const code = sqlState(error);
        if (code !== UNIQUE_VIOLATION && code !== DUPLICATE_SCHEMA && code !== DUPLICATE_TABLE && code !== DUPLICATE_OBJECT) throw error;
      }
    }
  }

  /**
   * The CTE every tracking write starts with, named `owned`: one row when the lease is still
   * ours (and then extended), none when it is not. `$runId` and `$ttl` are parameter numbers.
   *
   * Ownership is the run id alone. Expiry only permits a takeover, and a takeover replaces the
   * run id in one conditional statement; this UPDATE holds the row until the write commits, so
   * finding our run id proves nobody else got in, and nobody can until then. Requiring an
   * unexpired lease as well would fail an `--atomic` run that outlasts the TTL: its renewals
   * wait behind its own transaction, yet that transaction keeps every waiter out.
   */
  guard(runIdParam: number, ttlParam: number): string {
    return `owned AS (
      UPDATE ${this.settings.lockTable} SET expires_at = statement_timestamp() + $${ttlParam}${MS}
       WHERE id = 1 AND run_id = $${runIdParam}
       RETURNING 1 AS one)`;
  }

  guardParams(): unknown[] {
    return [this.settings.owner.runId, this.settings.owner.ttlMs];
  }

  /** On the second connection, so a long statement on the run's connection cannot starve it. */
  async renew(): Promise<boolean> {
    try {
      this.side ??= await this.settings.openSide();
      const result = await this.side.query(
        `UPDATE ${this.settings.lockTable} SET expires_at = statement_timestamp() + $2${MS} WHERE id = 1 AND run_id = $1`,
        [this.settings.owner.runId, this.settings.owner.ttlMs],
      );
      return result.rowCount === 1;
    } catch (error) {
      // The second connection broke: the next renewal opens a new one.
      await this.close();
      throw error;
    }
  }

  /** On the run's connection; on the second one when the run's is broken. */
  async release(): Promise<void> {
    const sql = `DELETE FROM ${this.settings.lockTable} WHERE id = 1 AND run_id = $1`;
    const params = [this.settings.owner.runId];
    try {
      await this.settings.run(sql, params);
    } catch (error) {
      if (!this.side) throw error;
      await this.side.query(sql, params);
    }
  }

  async close(): Promise<void> {
    const side = this.side;
    this.side = null;
    if (!side) return;
    try {
      await side.end();
    } catch {
      // Ending a connection that already broke fails; it is gone either way.
    }
  }

  probe(): Promise<LockHolder | null> {
    return this.holder(true);
  }

  private async holder(unexpiredOnly: boolean): Promise<LockHolder | null> {
    try {
      const { rows } = await this.settings.run(
        `SELECT owner, acquired_at FROM ${this.settings.lockTable} WHERE id = 1${unexpiredOnly ? ' AND expires_at > statement_timestamp()' : ''}`,
      );
      const row = rows[0] as { owner: string; acquired_at: Date } | undefined;
      return row ? { owner: row.owner, since: row.acquired_at.toISOString() } : null;
    } catch (error) {
      if (missingTable(error)) return null;
      throw error;
    }
  }
}
