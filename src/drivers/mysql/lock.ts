/**
 * The session lock: GET_LOCK on the run's own connection, polled (never a blocking wait).
 *
 * GET_LOCK belongs to the session: if this process dies, the server frees the lock when the
 * connection drops, so a crashed runner cannot leave it held (a lock row would stay).
 *
 * Who holds it: IS_USED_LOCK gives the holder's connection id; information_schema.PROCESSLIST
 * gives that connection's user and client host (other users' connections only with the
 * PROCESS privilege); performance_schema.session_connect_attrs gives strata's
 * `program_name` attribute (`strata host:pid run`) where performance_schema is enabled
 * (MySQL's default; off by default on MariaDB). A user variable cannot help: no other
 * session can read it. The server does not record when a lock was taken, so `since` is null.
 */
import { createHash } from 'node:crypto';
import { LockTimeoutError } from '../../core/errors.js';
import type { LockHolder, LockOptions } from '../driver.js';
import { pollForLock } from '../poll-lock.js';
import type { MysqlSession } from './session.js';

/** `strata_` + sha256(database.table), cut to the 64 characters GET_LOCK accepts. */
export function sessionLockName(database: string, table: string): string {
  return `strata_${createHash('sha256').update(`${database}.${table}`).digest('hex')}`.slice(0, 64);
}

export class MysqlSessionLock {
  private session: MysqlSession | null = null;

  constructor(
    readonly name: string,
    /** 0, except on TiDB where GET_LOCK waits at least a second. */
    private readonly waitSeconds: number,
  ) {}

  get isHeld(): boolean {
    return this.session !== null;
  }

  async acquire(session: MysqlSession, options: LockOptions): Promise<void> {
    // GET_LOCK twice on one connection takes it twice (and needs two releases): never do that.
    if (this.session === session) return;
    const described = new Map<number, LockHolder>();
    await pollForLock(async () => {
      // Evaluated left to right: when GET_LOCK fails, IS_USED_LOCK names who has it.
      const [row] = await session.rows('SELECT GET_LOCK(?, ?) AS got, IS_USED_LOCK(?) AS holder', [this.name, this.waitSeconds, this.name]);
      if (row?.got === null || row?.got === undefined) {
        throw new LockTimeoutError('lock-timeout', `the server could not take the migration lock (GET_LOCK('${this.name}') returned NULL)`, {
          hint: 'check the server error log, then run the command again',
        });
      }
      if (Number(row.got) === 1) return null;
      if (row.holder === null || row.holder === undefined) return { owner: 'another session (it released the lock just now)', since: null };
      const id = Number(row.holder);
      let holder = described.get(id);
      if (!holder) {
        holder = await describeConnection(session, id);
        described.set(id, holder);
      }
      return holder;
    }, options);
    this.session = session;
  }

  /**
   * Whether the lock was let go cleanly. false: the connection may still hold it (or is in
   * an unknown state), so a pooled connection must be destroyed, never returned.
   */
  async release(): Promise<boolean> {
    const session = this.session;
    if (!session) return true;
    this.session = null;
    if (session.broken) return false;
    try {
      const [row] = await session.rows('SELECT RELEASE_LOCK(?) AS released', [this.name]);
      return Number(row?.released) === 1;
    } catch {
      return false;
    }
  }

  /** The lock dies with its connection: a lost connection means a lost lock. */
  assertHeld(): void {
    if (this.session?.broken) {
      throw new LockTimeoutError('lock-lost', 'the connection holding the migration lock was lost (the server released GET_LOCK with it)', {
        hint: 'run `strata status` to see what was applied, then `strata up` again',
      });
    }
  }

  /** Read-only: who holds the lock now. */
  async probe(session: MysqlSession): Promise<LockHolder | null> {
    const [row] = await session.rows('SELECT IS_USED_LOCK(?) AS holder', [this.name]);
    if (row?.holder === null || row?.holder === undefined) return null;
    return describeConnection(session, Number(row.holder));
  }
}

/** What the server can tell about a connection: strata's program name, user and host. */
export async function describeConnection(session: MysqlSession, id: number): Promise<LockHolder> {
  let program: string | null = null;
  try {
    const [row] = await session.rows(
      `SELECT ATTR_VALUE AS program FROM performance_schema.session_connect_attrs WHERE PROCESSLIST_ID = ? AND ATTR_NAME = 'program_name'`,
      [id],
    );
    if (typeof row?.program === 'string' && row.program !== '') program = row.program;
  } catch {
    // performance_schema absent or not readable by this user: the process list still helps.
  }
  let account: string | null = null;
  try {
    const [row] = await session.rows('SELECT USER AS user, HOST AS host FROM information_schema.PROCESSLIST WHERE ID = ?', [id]);
    if (row) account = `${String(row.user)}@${String(row.host)}`;
  } catch {
    // Not readable: the connection id is all the server tells.
  }
  const details = [`connection ${id}`, ...(account ? [account] : [])].join(', ');
  return { owner: program ? `${program} (${details})` : details, since: null };
}
