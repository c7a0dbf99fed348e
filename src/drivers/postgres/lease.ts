/**
 * The lease: a row in `<table>_lock` for where a session advisory lock is absent or cannot be
 * trusted — CockroachDB and YugabyteDB, and PgBouncer in transaction pooling, where a
 * session lock would stay on whichever server connection ran it.
 *
 * Times come from the server's clock (`statement_timestamp()`: inside a transaction `now()`
 * stands still). Taken by one conditional INSERT … ON CONFLICT DO UPDATE … WHERE expired,
 * polled, each attempt waiting at most 100 ms for the row (no waiter queues inside the
 * database); renewed every TTL/3 on a second connection; every tracking write re-checks and
 * extends it in the write's own statement (the `owned` CTE), so a write commits only while
 * the lease is ours, and its row lock keeps a waiter from taking the lease over until that
 * commit.
 *
 * Only unnamed statements and no session state: a transaction pooler may run each of them
 * on a different server connection.
 */
import type { Client, QueryResult } from 'pg';
import { LockTimeoutError } from '../../core/errors.js';
import type { LockHolder, LockOptions } from '../driver.js';
import { pollForLock } from '../poll-lock.js';
import {
  DEADLOCK_DETECTED, DUPLICATE_SCHEMA, DUPLICATE_OBJECT, DUPLICATE_TABLE, INVALID_SCHEMA_NAME, LOCK_NOT_AVAILABLE, SERIALIZATION_FAILURE, UNDEFINED_TABLE,
  UNIQUE_VIOLATION, sqlState,
} from './errors.js';
import type { RunQuery } from './lock.js';

const MS = `::float8 * interval '1 millisecond'`;

/** How long one attempt may wait for the lease row's lock before it reports "taken". */
const ACQUIRE_ROW_WAIT_MS = 100;

/** A string literal (pg's escapeLiteral): E'…' with doubled backslashes when it has any. */
export function quoteLiteral(value: string): string {
  const quoted = value.replace(/'/g, "''");
  return value.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

export interface LeaseSettings {
  /** The run's connection: acquire, release, probe. */
  readonly run: RunQuery;
  /** Opens the second connection renewals run on. */
  readonly openSide: () => Promise<Client>;
  /** `"schema"."table_lock"`, quoted. */
  readonly lockTable: string;
  /** `CREATE SCHEMA IF NOT EXISTS "s"`, or null for the connection's default schema. */
  readonly createSchema: string | null;
  readonly runId: string;
  /** What waiters and `status` show: `strata <version> host:pid run`. */
  readonly owner: string;
  readonly host: string;
  readonly ttlMs: number;
}

export class PgLease {
  private held = false;
  private lost = false;
  /** Local time until which the server has confirmed the lease (a successful renewal or write). */
  private confirmedUntil = 0;
  /** A write of the run's open transaction holds the lease row's lock: nobody can take it over. */
  private lockedByTransaction = false;
  private pendingConfirm = 0;
  private timer: NodeJS.Timeout | undefined;
  private side: Client | null = null;
  private renewing: Promise<void> | null = null;

  constructor(private readonly settings: LeaseSettings) {}

  get isHeld(): boolean {
    return this.held && !this.lost;
  }

  /** Acquired and not released — possibly lost since: tracking writes must then be refused. */
  get active(): boolean {
    return this.held;
  }

  async acquire(options: LockOptions): Promise<void> {
    if (this.isHeld) return;
    if (this.timer) clearInterval(this.timer); // a lease lost earlier in this run
    let attemptAt = 0;
    await pollForLock(async () => {
      attemptAt = Date.now();
      try {
        return await this.attempt();
      } catch (error) {
        const code = sqlState(error);
        if (code !== UNDEFINED_TABLE && code !== INVALID_SCHEMA_NAME) throw error;
        await this.createTable();
        attemptAt = Date.now();
        return this.attempt();
      }
    }, options);
    this.confirmedUntil = attemptAt + this.settings.ttlMs;
    this.held = true;
    this.lost = false;
    this.lockedByTransaction = false;
    this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.settings.ttlMs / 3)));
    this.timer.unref();
  }

  /** One attempt; a row another transaction holds, or a lost race, reads as taken. */
  private async attempt(): Promise<LockHolder | null> {
    try {
      return await this.tryAcquire();
    } catch (error) {
      await this.settings.run('ROLLBACK').catch(() => undefined);
      const code = sqlState(error);
      // The row is locked by a holder's open transaction (its tracking write), or two runners
      // raced for it (CockroachDB reports 40001): "taken, retry".
      if (code === LOCK_NOT_AVAILABLE || code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED) {
        // Its expiry may look past: the holder's extension is in its uncommitted transaction.
        return (await this.holder(false)) ?? { owner: 'unknown', since: null };
      }
      throw error;
    }
  }

  /**
   * One attempt, one round trip: takes the row when it is free, expired, or already ours, and
   * in the same statement reads who held it before (the outer SELECT sees the statement's
   * snapshot). A waiter must not queue inside the database behind a holder's transaction
   * (a tracking write holds the row until its commit; an `--atomic` run, for the whole run), so
   * the attempt's own transaction bounds the row-lock wait with SET LOCAL lock_timeout — and,
   * a simple query taking no parameters, carries its values as quoted literals.
   */
  private async tryAcquire(): Promise<LockHolder | null> {
    const { lockTable, owner, host, runId, ttlMs } = this.settings;
    const results = (await this.settings.run(
      `BEGIN; SET LOCAL lock_timeout = '${ACQUIRE_ROW_WAIT_MS}ms';
       WITH taken AS (
         INSERT INTO ${lockTable} AS l (id, owner, host, pid, run_id, acquired_at, expires_at)
         VALUES (1, ${quoteLiteral(owner)}, ${quoteLiteral(host)}, ${process.pid}, ${quoteLiteral(runId)},
                 statement_timestamp(), statement_timestamp() + ${Math.round(ttlMs)}${MS})
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
    return { owner: row.owner ?? 'unknown', since: row.acquired_at instanceof Date ? row.acquired_at.toISOString() : null };
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
    return [this.settings.runId, this.settings.ttlMs];
  }

  /** What a guarded write found. `inTransaction`: its extension commits only with the transaction. */
  afterGuardedWrite(owned: boolean, sentAt: number, inTransaction: boolean): void {
    if (!this.held) return;
    if (!owned) {
      this.lost = true;
      throw lockLost();
    }
    if (inTransaction) {
      this.lockedByTransaction = true;
      this.pendingConfirm = sentAt + this.settings.ttlMs;
    } else {
      this.confirmedUntil = Math.max(this.confirmedUntil, sentAt + this.settings.ttlMs);
    }
  }

  /** The run's transaction ended: its writes' extensions of the lease committed or vanished. */
  transactionEnded(committed: boolean): void {
    if (committed && this.lockedByTransaction) this.confirmedUntil = Math.max(this.confirmedUntil, this.pendingConfirm);
    this.lockedByTransaction = false;
  }

  private renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  /**
   * On the second connection, so a long statement on the run's connection cannot starve it.
   * While the run's open transaction holds the row (after a tracking write) this waits for
   * its commit — harmless: nobody can take the lease over meanwhile either.
   */
  private async renewOnce(): Promise<void> {
    if (!this.held || this.lost) return;
    const sentAt = Date.now();
    try {
      this.side ??= await this.settings.openSide();
      const result = await this.side.query(
        `UPDATE ${this.settings.lockTable} SET expires_at = statement_timestamp() + $2${MS} WHERE id = 1 AND run_id = $1`,
        [this.settings.runId, this.settings.ttlMs],
      );
      if (!this.held) return;
      if (result.rowCount === 1) this.confirmedUntil = Math.max(this.confirmedUntil, sentAt + this.settings.ttlMs);
      else this.lost = true;
    } catch {
      // The second connection broke: reopen it on the next tick; past the lease's end, it is lost.
      await this.closeSide();
      if (Date.now() > this.confirmedUntil && !this.lockedByTransaction) this.lost = true;
    }
  }

  /** No round trip: what the last renewal or guarded write found, and the local deadline. */
  assertHeld(): void {
    if (!this.held) return;
    if (!this.lost && !this.lockedByTransaction && Date.now() > this.confirmedUntil) this.lost = true;
    if (this.lost) throw lockLost();
  }

  /** Never throws: a lease that cannot be deleted expires by itself. */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const wasHeld = this.held;
    this.held = false;
    this.lockedByTransaction = false;
    // A renewal waiting on the row lock of a transaction that will never end must not hold up close().
    if (this.renewing) await Promise.race([this.renewing.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    if (wasHeld) {
      await this.settings
        .run(`DELETE FROM ${this.settings.lockTable} WHERE id = 1 AND run_id = $1`, [this.settings.runId])
        .catch(() => this.side?.query(`DELETE FROM ${this.settings.lockTable} WHERE id = 1 AND run_id = $1`, [this.settings.runId]))
        .catch(() => undefined);
    }
    await this.closeSide();
  }

  private async closeSide(): Promise<void> {
    const side = this.side;
    this.side = null;
    if (side) await side.end().catch(() => undefined);
  }

  /** Read-only probe for `status`: the unexpired holder, if any; nothing when the table is missing. */
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
      const code = sqlState(error);
      if (code === UNDEFINED_TABLE || code === INVALID_SCHEMA_NAME) return null;
      throw error;
    }
  }
}

export function lockLost(): LockTimeoutError {
  return new LockTimeoutError('lock-lost', 'the migration lease was lost (it expired and another run may have taken it over)', {
    hint: 'the migration in progress was rolled back; run `strata status`, then `strata up` again (raise the `leaseTtl` option if renewals are slow)',
  });
}
