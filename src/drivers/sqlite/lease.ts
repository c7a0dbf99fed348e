/**
 * SQLite's lock: a lease row in `<table>_lock`, taken and renewed in short `BEGIN IMMEDIATE`
 * transactions on the run's own connection. better-sqlite3 is synchronous, so a second
 * connection in this thread would deadlock against our own open transaction; and no other
 * process can take the lease over while our transaction holds the write lock, so renewing
 * inside our transactions (at every commit) is enough.
 *
 * A lease held on this host by a pid that no longer exists is taken over at once; an
 * expired one is taken over by anyone.
 */
import type Database from 'better-sqlite3';
import { hostname } from 'node:os';
import { LockTimeoutError } from '../../core/errors.js';
import type { LockHolder, LockOptions } from '../driver.js';
import { pollForLock } from '../poll-lock.js';

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ','now')`;

export class SqliteLease {
  private held = false;
  private lost = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly host = hostname();

  constructor(
    private readonly db: () => Database.Database,
    private readonly lockTable: string,
    private readonly runId: string,
    private readonly ttlMs: number,
  ) {}

  get isHeld(): boolean {
    return this.held && !this.lost;
  }

  async acquire(options: LockOptions): Promise<void> {
    await pollForLock(async () => this.tryAcquire(), options);
    this.held = true;
    this.lost = false;
    this.timer = setInterval(() => this.renewOutsideTransaction(), Math.max(1000, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  /**
   * One attempt in a BEGIN IMMEDIATE transaction. Returns null when taken, else the holder.
   * While the holder is inside a migration transaction it owns SQLite's write lock: then the
   * attempt waits only briefly (so the poll loop stays responsive to signals and its own
   * timeout) and names the holder from a read, which SQLite still allows.
   */
  private tryAcquire(): LockHolder | null {
    const db = this.db();
    const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
    db.pragma(`busy_timeout = ${Math.min(busyTimeout, 200)}`);
    try {
      return this.attempt(db);
    } catch (error) {
      if (!isBusy(error)) throw error;
      // Naming the holder is best effort: while it commits, even this read can find the file busy.
      try {
        return this.probe(db) ?? WRITE_LOCK_HOLDER;
      } catch (probeError) {
        if (!isBusy(probeError)) throw probeError;
        return WRITE_LOCK_HOLDER;
      }
    } finally {
      db.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }

  private attempt(db: Database.Database): LockHolder | null {
    const table = this.lockTable;
    return db.transaction((): LockHolder | null => {
      db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, run_id TEXT NOT NULL,
        acquired_at TEXT NOT NULL, expires_at TEXT NOT NULL)`);
      const row = db.prepare(`SELECT owner, host, pid, run_id, acquired_at, expires_at, expires_at < ${NOW} AS expired FROM ${table} WHERE id = 1`).get() as
        | { owner: string; host: string; pid: number; run_id: string; acquired_at: string; expires_at: string; expired: number }
        | undefined;
      const free = !row || row.expired === 1 || row.run_id === this.runId || (row.host === this.host && !processExists(row.pid));
      if (!free) return { owner: row.owner, since: row.acquired_at };
      db.prepare(
        `INSERT INTO ${table} (id, owner, host, pid, run_id, acquired_at, expires_at)
         VALUES (1, ?, ?, ?, ?, ${NOW}, strftime('%Y-%m-%dT%H:%M:%fZ','now', ?))
         ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid,
           run_id = excluded.run_id, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
      ).run(`${this.host}:${process.pid} ${this.runId}`, this.host, process.pid, this.runId, `+${this.ttlMs / 1000} seconds`);
      return null;
    }).immediate();
  }

  /**
   * Renews the lease inside the caller's open transaction and checks it is still ours; the
   * commit that follows makes both durable together. Throws `lock-lost` when it is not.
   */
  renewInTransaction(): void {
    if (!this.held) return;
    const changes = this.db()
      .prepare(`UPDATE ${this.lockTable} SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ','now', ?) WHERE id = 1 AND run_id = ?`)
      .run(`+${this.ttlMs / 1000} seconds`, this.runId).changes;
    if (changes !== 1) {
      this.lost = true;
      throw lockLost();
    }
  }

  private renewOutsideTransaction(): void {
    const db = this.db();
    if (!this.held || this.lost || db.inTransaction) return;
    try {
      db.transaction(() => this.renewInTransaction()).immediate();
    } catch {
      this.lost = true;
    }
  }

  assertHeld(): void {
    if (this.held && this.lost) throw lockLost();
  }

  release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.held) return;
    this.held = false;
    try {
      this.db().prepare(`DELETE FROM ${this.lockTable} WHERE id = 1 AND run_id = ?`).run(this.runId);
    } catch {
      // The lease expires by itself; a failed release never hides the run's own result.
    }
  }

  /** Read-only probe for `status`. */
  probe(db: Database.Database): LockHolder | null {
    const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(this.lockTable.replace(/^"|"$/g, ''));
    if (!exists) return null;
    const row = db.prepare(`SELECT owner, host, pid, acquired_at FROM ${this.lockTable} WHERE id = 1 AND expires_at >= ${NOW}`).get() as
      | { owner: string; host: string; pid: number; acquired_at: string }
      | undefined;
    if (!row || (row.host === this.host && !processExists(row.pid))) return null;
    return { owner: row.owner, since: row.acquired_at };
  }
}

const WRITE_LOCK_HOLDER: LockHolder = { owner: 'another connection holding the write lock', since: null };

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockLost(): LockTimeoutError {
  return new LockTimeoutError('lock-lost', 'the migration lease was lost (it expired and another run took it over)', {
    hint: 'the migration in progress was rolled back; run `strata status`, then `strata up` again',
  });
}
