/**
 * The lease's statements on MySQL/MariaDB, for engines where GET_LOCK cannot be trusted
 * (Galera: node-local; Vitess: not shared) or when the user asks for it. Times are the
 * server's (UTC_TIMESTAMP(3)), never this machine's. The state machine is ../lease.ts.
 *
 * - Taken by one conditional UPDATE of the single row (id = 1) that matches only when the
 *   lease expired or is already ours; affected rows = 1 means taken. Every successful UPDATE
 *   bumps `renewals`, so "changed" and "matched" agree whatever the connection's
 *   CLIENT_FOUND_ROWS flag (a pool the application configured may set either).
 * - A write conflict (1213 deadlock, Galera's certification failure, 40001, a row-lock wait
 *   timeout) means someone else is writing the row: taken, retry.
 * - Acquire, renewals and release run on a connection of the lease's own, so a long
 *   statement on the run's connection does not stop renewals.
 * - Every tracking write checks ownership in its own transaction (`extendIn`), by renewing
 *   the row there: the row lock it takes keeps a taker out until the commit, and on Galera
 *   the row is in the write set, so a takeover on another node fails one of the two at
 *   certification.
 * - The table and its row are created only when missing (DDL on a Galera cluster is
 *   replicated in total order and stalls every node: not on every run). Release expires the
 *   row instead of deleting it, for the same reason.
 */
import type { LockHolder } from '../driver.js';
import { type LeaseOwner, type LeaseStore, UNKNOWN_HOLDER } from '../lease.js';
import { isMissingTable, isWriteConflict } from './errors.js';
import type { MysqlSession } from './session.js';
import { isoSql } from './tracking.js';

export interface MysqlLeaseSettings {
  /** Opens a connection for the lease's own use (acquire, renewals, release). */
  readonly open: () => Promise<MysqlSession>;
  /** The run's connection, for reads (null: the database does not exist). */
  readonly read: () => Promise<MysqlSession | null>;
  /** The lock table, schema-qualified and quoted. */
  readonly table: string;
  readonly owner: LeaseOwner;
  readonly runInTransaction: () => boolean;
}

/** How often one attempt re-seeds a row found missing before it gives up for this poll. */
const SEED_ATTEMPTS = 3;

export class MysqlLeaseStore implements LeaseStore {
  readonly renewsDuringStatements = true;
  private session: MysqlSession | null = null;
  /** Letting the row go failed: the connection is destroyed, never returned to a pool. */
  private releaseFailed = false;

  constructor(private readonly settings: MysqlLeaseSettings) {}

  runInTransaction(): boolean {
    return this.settings.runInTransaction();
  }

  private async connection(): Promise<MysqlSession> {
    if (this.session?.broken) await this.close();
    this.session ??= await this.settings.open();
    return this.session;
  }

  async tryAcquire(): Promise<LockHolder | null> {
    const session = await this.connection();
    try {
      return await this.attempt(session);
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      await this.createTable(session);
      return this.attempt(session);
    }
  }

  private async attempt(session: MysqlSession): Promise<LockHolder | null> {
    const { table, owner } = this.settings;
    for (let attempt = 0; attempt < SEED_ATTEMPTS; attempt++) {
      try {
        const { affectedRows } = await session.exec(
          `UPDATE ${table} SET owner = ?, host = ?, pid = ?, run_id = ?, acquired_at = UTC_TIMESTAMP(3),
             expires_at = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND, renewals = renewals + 1
           WHERE id = 1 AND (expires_at <= UTC_TIMESTAMP(3) OR run_id = ?)`,
          [owner.owner, owner.host, owner.pid, owner.runId, owner.ttlMs * 1000, owner.runId],
        );
        if (affectedRows === 1) return null;
      } catch (error) {
        if (!isWriteConflict(error)) throw error;
        return (await this.holder(session)) ?? UNKNOWN_HOLDER.taking;
      }
      const holder = await this.holder(session);
      if (holder) return holder;
      // No live holder: it expired between the two statements, or the row was deleted by hand.
      await this.seed(session);
    }
    return UNKNOWN_HOLDER.taking;
  }

  private async createTable(session: MysqlSession): Promise<void> {
    await session.exec(`CREATE TABLE IF NOT EXISTS ${this.settings.table} (
      id TINYINT NOT NULL PRIMARY KEY,
      owner VARCHAR(255) NOT NULL,
      host VARCHAR(255) NOT NULL,
      pid INT NOT NULL,
      run_id VARCHAR(255) NOT NULL,
      acquired_at DATETIME(3) NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      renewals BIGINT NOT NULL DEFAULT 0
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await this.seed(session);
  }

  /** The row, expired since it was made, so the first taker's UPDATE matches it. */
  private async seed(session: MysqlSession): Promise<void> {
    try {
      await session.exec(
        `INSERT IGNORE INTO ${this.settings.table} (id, owner, host, pid, run_id, acquired_at, expires_at, renewals)
         VALUES (1, '', '', 0, '', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 0)`,
      );
    } catch (error) {
      // Another run seeding at the same moment (a conflict on Galera): its row will do.
      if (!isWriteConflict(error)) throw error;
    }
  }

  private async holder(session: MysqlSession): Promise<LockHolder | null> {
    const [row] = await session.rows(
      `SELECT owner, ${isoSql('acquired_at')} AS since FROM ${this.settings.table} WHERE id = 1 AND expires_at > UTC_TIMESTAMP(3)`,
    );
    return row ? { owner: String(row.owner), since: row.since === null ? null : String(row.since) } : null;
  }

  async renew(): Promise<boolean> {
    return this.extendIn(await this.connection());
  }

  /**
   * On the lease's connection, or inside the run's open transaction on the run's: extends the
   * lease while it is ours and unexpired; false when it is not.
   */
  async extendIn(session: MysqlSession): Promise<boolean> {
    const { affectedRows } = await session.exec(
      `UPDATE ${this.settings.table} SET expires_at = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND, renewals = renewals + 1
        WHERE id = 1 AND run_id = ? AND expires_at > UTC_TIMESTAMP(3)`,
      [this.settings.owner.ttlMs * 1000, this.settings.owner.runId],
    );
    return affectedRows === 1;
  }

  async release(): Promise<void> {
    const session = this.session;
    if (!session || session.broken) return;
    try {
      await session.exec(`UPDATE ${this.settings.table} SET expires_at = UTC_TIMESTAMP(3) WHERE id = 1 AND run_id = ?`, [this.settings.owner.runId]);
    } catch (error) {
      this.releaseFailed = true;
      throw error;
    }
  }

  async close(): Promise<void> {
    const session = this.session;
    const destroy = this.releaseFailed || (session?.broken ?? false);
    this.session = null;
    this.releaseFailed = false;
    await session?.close(destroy);
  }

  async probe(): Promise<LockHolder | null> {
    const session = await this.settings.read();
    if (!session) return null;
    try {
      return await this.holder(session);
    } catch (error) {
      if (isMissingTable(error)) return null;
      throw error;
    }
  }
}
