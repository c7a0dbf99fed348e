/**
 * The lease's statements on SQLite, taken and renewed in short `BEGIN IMMEDIATE`
 * transactions on the run's own connection. better-sqlite3 is synchronous, so a second
 * connection in this thread would deadlock against our own open transaction; and no other
 * process can take the lease over while our transaction holds the write lock, so renewing
 * inside our transactions (at every commit, `extendHere`) is enough. The state machine is
 * ../lease.ts.
 *
 * A lease held on this host by a pid that no longer exists is taken over at once; an
 * expired one is taken over by anyone.
 */
import type Database from 'better-sqlite3';
import type { LockHolder } from '../driver.js';
import { type LeaseOwner, type LeaseStore, UNKNOWN_HOLDER } from '../lease.js';

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ','now')`;
const EXPIRES = `strftime('%Y-%m-%dT%H:%M:%fZ','now', ?)`;

/** How long one attempt waits for SQLite's write lock, whatever the configured busy timeout. */
const ATTEMPT_BUSY_MS = 200;

export class SqliteLeaseStore implements LeaseStore {
  readonly renewsDuringStatements = false;

  constructor(
    private readonly db: () => Database.Database,
    /** `"table_lock"`, quoted. */
    private readonly lockTable: string,
    private readonly owner: LeaseOwner,
  ) {}

  runInTransaction(): boolean {
    return this.db().inTransaction;
  }

  private get ttl(): string {
    return `+${this.owner.ttlMs / 1000} seconds`;
  }

  /**
   * One attempt in a BEGIN IMMEDIATE transaction. While the holder is inside a migration
   * transaction it owns SQLite's write lock: then the attempt waits only briefly (so the poll
   * loop stays responsive to signals and its own timeout) and names the holder from a read,
   * which SQLite still allows.
   */
  async tryAcquire(): Promise<LockHolder | null> {
    const db = this.db();
    const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
    db.pragma(`busy_timeout = ${Math.min(busyTimeout, ATTEMPT_BUSY_MS)}`);
    try {
      return this.attempt(db);
    } catch (error) {
      if (!isBusy(error)) throw error;
      // Naming the holder is best effort: while it commits, even this read can find the file
      // busy. Its expiry may look past: its extension waits for the commit of the transaction
      // that holds the write lock.
      try {
        return this.holder(db, false) ?? UNKNOWN_HOLDER.writing;
      } catch (readError) {
        if (!isBusy(readError)) throw readError;
        return UNKNOWN_HOLDER.writing;
      }
    } finally {
      db.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }

  private attempt(db: Database.Database): LockHolder | null {
    const table = this.lockTable;
    const { owner, host, pid, runId } = this.owner;
    return db.transaction((): LockHolder | null => {
      db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, run_id TEXT NOT NULL,
        acquired_at TEXT NOT NULL, expires_at TEXT NOT NULL)`);
      const row = db.prepare(`SELECT owner, host, pid, run_id, acquired_at, expires_at < ${NOW} AS expired FROM ${table} WHERE id = 1`).get() as
        | { owner: string; host: string; pid: number; run_id: string; acquired_at: string; expired: number }
        | undefined;
      const free = !row || row.expired === 1 || row.run_id === runId || this.deadHere(row);
      if (!free) return { owner: row.owner, since: row.acquired_at };
      db.prepare(
        `INSERT INTO ${table} (id, owner, host, pid, run_id, acquired_at, expires_at)
         VALUES (1, ?, ?, ?, ?, ${NOW}, ${EXPIRES})
         ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid,
           run_id = excluded.run_id, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
      ).run(owner, host, pid, runId, this.ttl);
      return null;
    }).immediate();
  }

  /**
   * Inside the run's open transaction: extends the lease there; false when it is not ours.
   * The commit that follows makes both durable together.
   */
  extendHere(): boolean {
    return (
      this.db()
        .prepare(`UPDATE ${this.lockTable} SET expires_at = ${EXPIRES} WHERE id = 1 AND run_id = ?`)
        .run(this.ttl, this.owner.runId).changes === 1
    );
  }

  /** Between the run's transactions only: inside one, its commit renews the lease. */
  async renew(): Promise<boolean | null> {
    const db = this.db();
    if (db.inTransaction) return null;
    return db.transaction(() => this.extendHere()).immediate();
  }

  async release(): Promise<void> {
    this.db().prepare(`DELETE FROM ${this.lockTable} WHERE id = 1 AND run_id = ?`).run(this.owner.runId);
  }

  async close(): Promise<void> {
    // The lease uses the run's own connection: the driver closes it.
  }

  async probe(): Promise<LockHolder | null> {
    return this.holder(this.db(), true);
  }

  /** The holder, unless it is a dead process on this host (or expired, with `unexpiredOnly`). */
  private holder(db: Database.Database, unexpiredOnly: boolean): LockHolder | null {
    const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(this.lockTable.replace(/^"|"$/g, ''));
    if (!exists) return null;
    const row = db.prepare(`SELECT owner, host, pid, acquired_at FROM ${this.lockTable} WHERE id = 1${unexpiredOnly ? ` AND expires_at >= ${NOW}` : ''}`).get() as
      | { owner: string; host: string; pid: number; acquired_at: string }
      | undefined;
    if (!row || this.deadHere(row)) return null;
    return { owner: row.owner, since: row.acquired_at };
  }

  private deadHere(row: { host: string; pid: number }): boolean {
    return row.host === this.owner.host && !processExists(row.pid);
  }
}

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
