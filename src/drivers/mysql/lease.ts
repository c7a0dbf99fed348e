/**
 * The lease: a row in `<table>_lock`, for engines where GET_LOCK cannot be trusted (Galera:
 * node-local; Vitess: not shared) or when the user asks for it. Times are the server's
 * (UTC_TIMESTAMP(3)), never this machine's.
 *
 * - Taken by one conditional UPDATE of the single row (id = 1) that matches only when the
 *   lease expired or is already ours; affected rows = 1 means taken. Every successful UPDATE
 *   bumps `renewals`, so "changed" and "matched" agree whatever the connection's
 *   CLIENT_FOUND_ROWS flag (a pool the application configured may set either).
 * - A write conflict (1213 deadlock, Galera's certification failure, 40001, a row-lock wait
 *   timeout) means someone else is writing the row: taken, retry.
 * - Renewed every TTL/3 on a connection of its own, so a long statement on the run's
 *   connection does not stop renewals. `assertHeld` answers from what the renewals found
 *   (no round trip): lost once a renewal matched nothing, or once a whole TTL passed without
 *   a successful one.
 * - Every tracking write checks ownership in its own transaction (`checkInTransaction`), by
 *   renewing the row there: the row lock it takes keeps a taker out until the commit, and on
 *   Galera the row is in the write set, so a takeover on another node fails one of the two
 *   at certification.
 */
import { LockTimeoutError } from '../../core/errors.js';
import type { LockHolder, LockOptions } from '../driver.js';
import { pollForLock } from '../poll-lock.js';
import { isMissingTable, isWriteConflict } from './errors.js';
import type { MysqlSession } from './session.js';
import { isoSql } from './tracking.js';

export interface LeaseSettings {
  /** Opens a connection for the lease's own use (acquire, renewals, release). */
  readonly open: () => Promise<MysqlSession>;
  /** The lock table, schema-qualified and quoted. */
  readonly table: string;
  readonly runId: string;
  readonly ttlMs: number;
  /** Shown to waiters: `strata host:pid run`. */
  readonly owner: string;
  readonly host: string;
  /**
   * True while the run's connection holds the lease row in an open transaction (it renewed
   * the lease there): a renewal from the other connection would only wait for that commit.
   */
  readonly paused: () => boolean;
}

const RENEW = (table: string) =>
  `UPDATE ${table} SET expires_at = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND, renewals = renewals + 1
   WHERE id = 1 AND run_id = ? AND expires_at > UTC_TIMESTAMP(3)`;

export class MysqlLease {
  private held = false;
  private lost = false;
  private session: MysqlSession | null = null;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | null = null;
  /** Date.now() when the last successful renewal was sent: the lease lasts at least TTL from then. */
  private renewedAt = 0;

  constructor(private readonly settings: LeaseSettings) {}

  get isHeld(): boolean {
    return this.held && !this.lost;
  }

  async acquire(options: LockOptions): Promise<void> {
    if (this.isHeld) return;
    const session = await this.connection();
    await this.ensureTable(session);
    await pollForLock(() => this.tryAcquire(session), options);
    this.held = true;
    this.lost = false;
    this.timer = setInterval(() => this.tick(), Math.max(100, Math.floor(this.settings.ttlMs / 3)));
    this.timer.unref();
  }

  private async connection(): Promise<MysqlSession> {
    if (this.session?.broken) {
      await this.session.close(true);
      this.session = null;
    }
    this.session ??= await this.settings.open();
    return this.session;
  }

  /**
   * Creates the table and its one row when missing, only then (DDL on a Galera cluster is
   * replicated in total order and stalls every node: not on every run).
   */
  private async ensureTable(session: MysqlSession): Promise<void> {
    const { table } = this.settings;
    try {
      const [row] = await session.rows(`SELECT COUNT(*) AS n FROM ${table} WHERE id = 1`);
      if (Number(row?.n) === 1) return;
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      await session.exec(`CREATE TABLE IF NOT EXISTS ${table} (
        id TINYINT NOT NULL PRIMARY KEY,
        owner VARCHAR(255) NOT NULL,
        host VARCHAR(255) NOT NULL,
        pid INT NOT NULL,
        run_id VARCHAR(255) NOT NULL,
        acquired_at DATETIME(3) NOT NULL,
        expires_at DATETIME(3) NOT NULL,
        renewals BIGINT NOT NULL DEFAULT 0
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    }
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

  /** One attempt: null when taken, else who holds it. */
  private async tryAcquire(session: MysqlSession): Promise<LockHolder | null> {
    const { table, ttlMs, runId, owner, host } = this.settings;
    for (let attempt = 0; attempt < 3; attempt++) {
      const sentAt = Date.now();
      try {
        const { affectedRows } = await session.exec(
          `UPDATE ${table} SET owner = ?, host = ?, pid = ?, run_id = ?, acquired_at = UTC_TIMESTAMP(3),
             expires_at = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND, renewals = renewals + 1
           WHERE id = 1 AND (expires_at <= UTC_TIMESTAMP(3) OR run_id = ?)`,
          [owner, host, process.pid, runId, ttlMs * 1000, runId],
        );
        if (affectedRows === 1) {
          this.renewedAt = sentAt;
          return null;
        }
      } catch (error) {
        if (!isWriteConflict(error)) throw error;
        return (await this.holder(session)) ?? { owner: 'another run (it is taking the lock right now)', since: null };
      }
      const holder = await this.holder(session);
      if (holder) return holder;
      // No live holder: it expired between the two statements, or the row was deleted by hand.
      await this.seed(session);
    }
    return { owner: 'unknown', since: null };
  }

  private async holder(session: MysqlSession): Promise<LockHolder | null> {
    const [row] = await session.rows(
      `SELECT owner, ${isoSql('acquired_at')} AS since FROM ${this.settings.table} WHERE id = 1 AND expires_at > UTC_TIMESTAMP(3)`,
    );
    return row ? { owner: String(row.owner), since: row.since === null ? null : String(row.since) } : null;
  }

  private tick(): void {
    if (this.renewing || !this.held || this.lost || this.settings.paused()) return;
    this.renewing = this.renew().finally(() => {
      this.renewing = null;
    });
  }

  private async renew(): Promise<void> {
    const sentAt = Date.now();
    try {
      const session = await this.connection();
      const { affectedRows } = await session.exec(RENEW(this.settings.table), [this.settings.ttlMs * 1000, this.settings.runId]);
      if (affectedRows === 1) this.renewedAt = sentAt;
      else this.lost = true;
    } catch {
      // A conflict or a dropped connection: the next tick tries again (on a new connection if
      // needed). If none succeeds within the TTL, assertHeld reports the lease lost.
    }
  }

  /**
   * Inside the run's open transaction: renews the lease there, or throws `lock-lost`. Returns
   * when the renewal was sent, for `renewedInCommit` once the transaction commits.
   */
  async checkInTransaction(session: MysqlSession): Promise<number> {
    this.assertHeld();
    const sentAt = Date.now();
    const { affectedRows } = await session.exec(RENEW(this.settings.table), [this.settings.ttlMs * 1000, this.settings.runId]);
    if (affectedRows !== 1) {
      this.lost = true;
      throw lockLost();
    }
    return sentAt;
  }

  /** The transaction that renewed the lease at `sentAt` committed. */
  renewedInCommit(sentAt: number): void {
    if (sentAt > this.renewedAt) this.renewedAt = sentAt;
  }

  assertHeld(): void {
    if (!this.held) return;
    if (!this.lost && Date.now() - this.renewedAt >= this.settings.ttlMs) this.lost = true;
    if (this.lost) throw lockLost();
  }

  /** Stops renewing and lets the lease go (it expires by itself if this fails). Never throws. */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
    const session = this.session;
    this.session = null;
    const wasHeld = this.held;
    this.held = false;
    if (!session) return;
    let clean = !session.broken;
    if (wasHeld && clean) {
      try {
        await session.exec(`UPDATE ${this.settings.table} SET expires_at = UTC_TIMESTAMP(3) WHERE id = 1 AND run_id = ?`, [this.settings.runId]);
      } catch {
        clean = false;
      }
    }
    await session.close(!clean);
  }

  /** Read-only probe for `status`: the live lease's owner, or null (no table, no row, expired). */
  async probe(session: MysqlSession): Promise<LockHolder | null> {
    try {
      return await this.holder(session);
    } catch (error) {
      if (isMissingTable(error)) return null;
      throw error;
    }
  }
}

function lockLost(): LockTimeoutError {
  return new LockTimeoutError('lock-lost', 'the migration lease was lost (it expired and another run took it over)', {
    hint: 'the migration in progress stopped; run `strata status` to see what was applied, then `strata up` again',
  });
}
