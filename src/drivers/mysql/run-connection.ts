/**
 * The run's one dedicated connection: opened on first use (a read-only command that finds
 * nothing to do costs one connection and a constant number of round trips), set up once,
 * and closed — or, when it came from the application's pool, given back as it was found.
 */
import { ConfigError, ConnectionError } from '../../core/errors.js';
import { untilAborted } from '../../core/until-aborted.js';
import { type MysqlEngine, detectEngine, engineFromVersion, needsWsrepProbe, sessionSettings } from './engine.js';
import { splitStatements } from '../../sql/split.js';
import { MYSQL_SYNTAX } from './syntax.js';
import { initSqlFailed } from '../init-sql.js';
import { isMissingDatabase } from './errors.js';
import type { MysqlSession, SessionSource } from './session.js';

/** What the connection told strata when it was opened. */
export interface ServerFacts {
  readonly database: string;
  readonly connectionId: number;
  readonly version: string;
  readonly versionComment: string;
}

export class RunConnection {
  private opening: Promise<MysqlSession | null> | null = null;
  private session: MysqlSession | null = null;
  /** The database does not exist: reads see nothing applied, anything else fails with this. */
  private missingDatabase: ConnectionError | null = null;
  private serverFacts: ServerFacts | null = null;
  private engine: MysqlEngine | null = null;
  /** initSql ran on the connection: its session is the project's now, not the pool's. */
  private initialised = false;
  /** A pooled connection's own values of the session variables strata changed, to put back. */
  private readonly restore = new Map<string, string>();

  constructor(
    private readonly source: SessionSource,
    private readonly settings: { readonly ddlLockTimeoutMs: number; readonly statementTimeoutMs: number; readonly signal?: AbortSignal; readonly initSql?: readonly string[] },
  ) {}

  /** The connection if it is open now (no connecting). */
  get current(): MysqlSession | null {
    return this.session;
  }

  /** Known once `get`/`read` returned a connection. */
  get facts(): ServerFacts {
    if (!this.serverFacts) throw new Error('internal: the MySQL connection is not open yet');
    return this.serverFacts;
  }

  /** For reads: null when the database does not exist (nothing is applied there). */
  read(): Promise<MysqlSession | null> {
    // Connected on first use, so the signal is watched here: a server that accepts and never
    // answers must not hold a stopped run for the connect timeout.
    this.opening ??= untilAborted(this.open(), this.settings.signal, 'stopped while connecting to the database: nothing was changed');
    return this.opening;
  }

  async get(): Promise<MysqlSession> {
    const session = await this.read();
    if (!session) throw this.missingDatabase!;
    return session;
  }

  private async open(): Promise<MysqlSession | null> {
    let session: MysqlSession;
    try {
      session = await this.source.open();
      if (this.settings.signal?.aborted) {
        // Connected after the run was stopped: nobody will use it.
        await session.close(true);
        return null;
      }
    } catch (error) {
      if (error instanceof ConnectionError && isMissingDatabase(error.cause)) {
        this.missingDatabase = error;
        return null;
      }
      throw error;
    }
    try {
      await this.setUp(session);
    } catch (error) {
      await session.close(true);
      throw error;
    }
    this.session = session;
    return session;
  }

  /**
   * Reads who the server is, then sets the lock-wait and statement timeouts once for the
   * whole connection (MySQL has no SET LOCAL). A pooled connection's own values are read
   * first, to be put back.
   */
  private async setUp(session: MysqlSession): Promise<void> {
    const [row] = await session.rows('SELECT DATABASE() AS db, CONNECTION_ID() AS id, VERSION() AS version, @@version_comment AS comment, @@SESSION.sql_mode AS sql_mode');
    if (!row || row.db === null || row.db === undefined || row.db === '') {
      throw new ConfigError('config', `${this.source.display} names no database`, {
        hint: 'put the database in the URL (mysql://user@host:3306/dbname) or in the pool options',
      });
    }
    this.serverFacts = { database: String(row.db), connectionId: Number(row.id), version: String(row.version), versionComment: String(row.comment ?? '') };
    const settings = sessionSettings(engineFromVersion(this.serverFacts.version, this.serverFacts.versionComment), this.settings);
    // The mysql client's session (§2): the server's own collation for utf8mb4 — what stored
    // routines record as collation_connection — rather than the one mysql2's handshake
    // picks (utf8mb4_unicode_ci). A pool the application configured keeps its own.
    const extra = session.pooled ? this.withoutIgnoreSpace(String(row.sql_mode ?? '')) : ['NAMES utf8mb4'];
    if (settings.length > 0 || extra.length > 0) await this.set(session, settings, extra);
    await this.runInitSql(session);
  }

  /**
   * The project's own session set-up (`initSql`), after strata's so it may override it. Its
   * effects cannot be undone: a pooled connection it ran on is destroyed, never returned.
   */
  private async runInitSql(session: MysqlSession): Promise<void> {
    for (const entry of this.settings.initSql ?? []) {
      for (const statement of splitStatements(entry, MYSQL_SYNTAX)) {
        this.initialised = true;
        try {
          await session.exec(statement.text);
        } catch (error) {
          throw initSqlFailed(statement.text, error, this.source.secrets);
        }
      }
    }
  }

  /**
   * A connection of the application's mysql2 pool carries mysql2's default IGNORE_SPACE flag
   * in its sql_mode, which makes `CREATE TABLE count (…)` a syntax error: strata removes it for
   * the run and puts the pool's sql_mode back afterwards. (The collation stays the pool's.)
   */
  private withoutIgnoreSpace(sqlMode: string): string[] {
    const modes = sqlMode.split(',');
    // sql_mode holds only upper-case names and commas; anything else is not spliced into SQL.
    if (!modes.includes('IGNORE_SPACE') || !/^[A-Z0-9_,]*$/.test(sqlMode)) return [];
    if (!this.restore.has('sql_mode')) this.restore.set('sql_mode', `'${sqlMode}'`);
    return [`SESSION sql_mode = '${modes.filter((mode) => mode !== 'IGNORE_SPACE').join(',')}'`];
  }

  /** SET SESSION, remembering a pooled connection's own values first; `extra` goes first (SET NAMES). */
  private async set(session: MysqlSession, settings: readonly (readonly [string, string])[], extra: readonly string[] = []): Promise<void> {
    if (session.pooled && settings.length > 0) {
      const [own] = await session.rows(`SELECT ${settings.map(([name]) => `@@SESSION.${name} AS ${name}`).join(', ')}`);
      for (const [name] of settings) if (!this.restore.has(name)) this.restore.set(name, numberOrDefault(own?.[name]));
    }
    await session.exec(`SET ${[...extra, ...settings.map(([name, value]) => `SESSION ${name} = ${value}`)].join(', ')}`);
  }

  /** The engine, asking `@@wsrep_on` only where a Galera cluster is possible (once per run). */
  async detectEngine(): Promise<MysqlEngine> {
    if (this.engine) return this.engine;
    const session = await this.get();
    const { version, versionComment } = this.facts;
    let wsrepOn: boolean | null = null;
    if (needsWsrepProbe(version, versionComment)) {
      const [row] = await session.rows(`SHOW GLOBAL VARIABLES LIKE 'wsrep_on'`);
      if (row) wsrepOn = /^(on|1|true)$/i.test(String(row.Value ?? row.VALUE ?? ''));
    }
    const engine = detectEngine({ version, versionComment, wsrepOn });
    if (engine === 'mariadb-galera' || engine === 'mysql-galera') {
      // A node applies other nodes' commits a little later: without a causality check, a run
      // that takes the lease right after another released it could read the tracking table
      // from before that run's last commit, and apply a migration twice.
      const [row] = await session.rows('SELECT @@SESSION.wsrep_sync_wait AS w');
      const current = Number(row?.w ?? 0);
      if ((current & 1) === 0) await this.set(session, [['wsrep_sync_wait', String(current | 1)]]);
    }
    this.engine = engine;
    return engine;
  }

  /**
   * Closes a connection strata opened; gives a pooled one back with its session variables
   * restored and no transaction open — or destroys it when that fails or `destroy` is set
   * (it may still hold a lock the application must not inherit).
   */
  async close(destroy: boolean): Promise<void> {
    await this.opening?.catch(() => undefined);
    const session = this.session;
    this.session = null;
    if (!session) return;
    let drop = destroy || (session.pooled && this.initialised);
    if (session.pooled && !drop && !session.broken) {
      try {
        if (session.inTransaction) await session.exec('ROLLBACK');
        if (this.restore.size > 0) await session.exec(`SET SESSION ${[...this.restore].map(([name, value]) => `${name} = ${value}`).join(', ')}`);
      } catch {
        drop = true;
      }
    }
    await session.close(drop);
  }
}

/** A session variable's value as SQL: the number read back, or DEFAULT when it was not one. */
function numberOrDefault(value: unknown): string {
  const number = Number(value);
  return value !== null && value !== undefined && value !== '' && Number.isFinite(number) ? String(number) : 'DEFAULT';
}
