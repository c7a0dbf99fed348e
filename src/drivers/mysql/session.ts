/**
 * The connections the MySQL driver works through: where they come from (a URL strata opens,
 * or a mysql2 pool the application passed, callback or promise flavour), and one wrapper
 * that runs SQL on them and keeps track of what the server says about the transaction.
 *
 * Only what strata opened is closed; a pooled connection goes back to its pool (or is
 * destroyed when its session state could not be put back).
 */
import { hostname } from 'node:os';
import type { Row } from '../driver.js';
import { ConnectionError } from '../../core/errors.js';
import { connectionFailed, endsTransaction, isFatal } from './errors.js';
import { passwordSecrets } from '../url.js';

/** What strata uses of a mysql2/promise connection (standalone or pooled). */
interface PromiseConnection {
  query(options: { sql: string; rowsAsArray?: boolean; nestTables?: boolean }, values?: unknown): Promise<[unknown, unknown]>;
  execute(options: { sql: string; rowsAsArray?: boolean; nestTables?: boolean }, values?: unknown): Promise<[unknown, unknown]>;
  end?(): Promise<void>;
  release?(): void;
  unprepare?(options: { sql: string; rowsAsArray?: boolean; nestTables?: boolean }): void;
  destroy(): void;
  /** The core (event-emitting) connection under the promise wrapper. */
  readonly connection?: EventTarget;
}

interface EventTarget {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener?(event: string, listener: (...args: unknown[]) => void): unknown;
}

interface PromisePool {
  getConnection(): Promise<PromiseConnection>;
}

export interface MysqlModule {
  createConnection(options: Record<string, unknown>): Promise<PromiseConnection>;
}

/** The server's answer to a statement that returns no rows. */
interface OkPacket {
  readonly affectedRows?: number;
  readonly serverStatus?: number;
}

const SERVER_STATUS_IN_TRANS = 0x0001;

/** Where connections come from. */
export interface SessionSource {
  /** Safe to print (no password). */
  readonly display: string;
  /** Every form of the password, to scrub from messages. */
  readonly secrets: readonly string[];
  readonly pooled: boolean;
  /** How many connections the application's pool may open (null: not a pool, or not known). */
  readonly connectionLimit: number | null;
  /**
   * `run`: the run's connection. `extra`: the lease's renewals or a cancel, besides the
   * run's: from a pool that has none free it fails after EXTRA_WAIT_MS instead of waiting
   * forever behind the run's own connection.
   */
  open(purpose?: 'run' | 'extra'): Promise<MysqlSession>;
}

const EXTRA_WAIT_MS = 10_000;

/** Identifies strata's connections to other sessions (performance_schema.session_connect_attrs). */
export function programName(runId: string): string {
  return `strata ${hostname()}:${process.pid} ${runId}`;
}

/** Connections strata opens itself from a `mysql://` or `mariadb://` URL. */
export function urlSource(mysql: MysqlModule, url: string, display: string, runId: string, settings: { secrets: readonly string[]; connectTimeoutMs: number }): SessionSource {
  // mysql2 reads user, password, host, port, database and options from the URL; the scheme
  // only has to be one it knows. Its multi-statement mode stays off whatever the URL says:
  // strata splits statements itself (§2), and a URL option would override ours.
  const uri = withoutMultipleStatements(url.replace(/^mariadb:/i, 'mysql:'));
  const { secrets, connectTimeoutMs } = settings;
  return {
    display,
    secrets,
    pooled: false,
    connectionLimit: null,
    async open() {
      try {
        const connection = await mysql.createConnection({
          uri,
          // DATETIME values are read and written as UTC, whatever the server's time zone.
          timezone: 'Z',
          // mysql2 captures a stack trace on every call for its errors' call site; strata's
          // errors name the file and line instead, and 1,000 migrations make ~6,000 calls.
          trace: false,
          connectAttributes: { program_name: programName(runId) },
          // The mysql client's session (§2): mysql2 sets IGNORE_SPACE by default, which makes
          // `CREATE TABLE count (…)` a syntax error and is recorded in every stored routine's
          // sql_mode. The collation is the server's for utf8mb4 (SET NAMES, run.connection.ts).
          flags: ['-IGNORE_SPACE'],
          // 0 = no limit (mysql2 sets no timer then).
          connectTimeout: connectTimeoutMs,
        });
        return new MysqlSession(connection, false);
      } catch (error) {
        throw connectionFailed(display, secrets, error, connectTimeoutMs);
      }
    },
  };
}

/**
 * One connection at a time checked out of the application's pool. A callback pool is used
 * through its promise wrapper (which shares the same connections).
 */
export function poolSource(client: unknown, display: string): SessionSource {
  const candidate = client as { promise?: () => PromisePool; pool?: unknown; getConnection: () => unknown };
  const pool: PromisePool =
    candidate.pool === undefined && typeof candidate.promise === 'function' ? candidate.promise() : (client as PromisePool);
  const config = (client as { config?: { connectionLimit?: unknown }; pool?: { config?: { connectionLimit?: unknown } } });
  const limit = Number(config.pool?.config?.connectionLimit ?? config.config?.connectionLimit);
  const password = (client as { pool?: { config?: { connectionConfig?: { password?: unknown } } }; config?: { connectionConfig?: { password?: unknown } } });
  const secret = password.pool?.config?.connectionConfig?.password ?? password.config?.connectionConfig?.password;
  const secrets = passwordSecrets(secret);
  return {
    display,
    secrets,
    pooled: true,
    connectionLimit: Number.isFinite(limit) && limit > 0 ? limit : null,
    async open(purpose = 'run') {
      const checkout = pool.getConnection();
      try {
        if (purpose === 'run') return new MysqlSession(await checkout, true);
        return new MysqlSession(await withinExtraWait(checkout, display), true);
      } catch (error) {
        if (error instanceof ConnectionError) throw error;
        throw connectionFailed(display, secrets, error);
      }
    },
  };
}

/** The checkout, or a ConnectionError once EXTRA_WAIT_MS passed (a late connection goes straight back). */
async function withinExtraWait(checkout: Promise<PromiseConnection>, display: string): Promise<PromiseConnection> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      checkout.then((late) => late.release?.(), () => undefined);
      reject(
        new ConnectionError('connection-failed', `no connection of ${display} became free for strata's second connection within ${EXTRA_WAIT_MS / 1000} s`, {
          hint: 'strata needs two connections of the pool at once (the run and the lease or a cancel): raise connectionLimit, or free connections before migrating',
        }),
      );
    }, EXTRA_WAIT_MS);
  });
  try {
    return await Promise.race([checkout, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The display name of a pool: its user, host, port and database, never its password. */
export function poolDisplay(client: unknown): string {
  const c = client as { config?: { connectionConfig?: Record<string, unknown> }; pool?: { config?: { connectionConfig?: Record<string, unknown> } } };
  const config = c.pool?.config?.connectionConfig ?? c.config?.connectionConfig;
  if (!config) return 'mysql (application pool)';
  const user = typeof config.user === 'string' && config.user !== '' ? `${config.user}@` : '';
  const host = String(config.host ?? 'localhost');
  const port = config.port ? `:${String(config.port)}` : '';
  const database = typeof config.database === 'string' ? `/${config.database}` : '';
  return `mysql://${user}${host}${port}${database} (application pool)`;
}

function withoutMultipleStatements(uri: string): string {
  try {
    const parsed = new URL(uri);
    if (!parsed.searchParams.has('multipleStatements')) return uri;
    parsed.searchParams.delete('multipleStatements');
    return parsed.toString();
  } catch {
    return uri; // mysql2 reports the bad URL
  }
}

/**
 * One connection. Every statement with values is a server-side prepared statement (bound,
 * never spliced: client-side escaping would break under the NO_BACKSLASH_ESCAPES sql_mode,
 * and the user's placeholders must not be rewritten); mysql2 caches them per connection.
 * Statements without values go over the text protocol exactly as written.
 */
export class MysqlSession {
  /** From the OK packets' status flags: DDL commits implicitly, and this notices. */
  inTransaction = false;
  /** The connection failed or was closed: it cannot be reused or returned to a pool. */
  broken = false;
  /** Statements sent and not answered yet (cancel() only kills a query while one runs). */
  running = 0;
  private closed = false;
  /**
   * Inserts of strata's own transaction not sent yet (see defer), one entry per statement
   * with every row queued for it: they go out before the next statement, usually the COMMIT.
   */
  private deferred: { sql: string; rows: number; values: unknown[] }[] = [];
  /** Statements prepared on this connection, closed before a pooled one goes back. */
  private readonly preparedSql = new Set<string>();
  private readonly events: EventTarget | undefined;
  private readonly onError = () => {
    // A connection error with no command waiting is emitted as an event (without a listener
    // it would crash the application): the connection is gone.
    this.broken = true;
  };
  private readonly onEnd = () => {
    this.broken = true;
  };

  constructor(
    private readonly connection: PromiseConnection,
    readonly pooled: boolean,
  ) {
    this.events = connection.connection ?? (connection as unknown as EventTarget);
    this.events.on('error', this.onError);
    this.events.on('end', this.onEnd);
  }

  async rows(sql: string, values?: readonly unknown[]): Promise<Row[]> {
    return rowsOf(await this.send(sql, values));
  }

  async exec(sql: string, values?: readonly unknown[]): Promise<{ affectedRows: number }> {
    return { affectedRows: affectedOf(await this.send(sql, values)) };
  }

  /**
   * Queues a one-row `INSERT`/`REPLACE … VALUES (?, …)` to be sent before the next statement;
   * the rows queued for one statement go as one multi-row statement, in the order queued (so
   * for REPLACE a later row for the same key wins, as if sent one by one). Statements for
   * different tables keep no order among themselves: they commit together. A ROLLBACK
   * discards them.
   */
  defer(sql: string, values: readonly unknown[]): void {
    const same = this.deferred.find((entry) => entry.sql === sql);
    if (same) {
      same.rows++;
      same.values.push(...values);
    } else {
      this.deferred.push({ sql, rows: 1, values: [...values] });
    }
  }

  private async sendDeferred(): Promise<void> {
    const queued = this.deferred;
    this.deferred = [];
    for (const { sql, rows, values } of queued) {
      const group = sql.slice(sql.lastIndexOf(' VALUES (') + ' VALUES '.length);
      await this.send(rows === 1 ? sql : sql + `, ${group}`.repeat(rows - 1), values);
    }
  }

  /** The server's whole answer (rows, an OK packet, or several result sets). */
  async send(sql: string, values?: readonly unknown[]): Promise<unknown> {
    if (this.deferred.length > 0) {
      if (/^\s*ROLLBACK\s*$/i.test(sql)) this.deferred = [];
      else await this.sendDeferred();
    }
    this.running++;
    try {
      // rowsAsArray/nestTables are forced off: a pool the application configured may set them.
      const options = statementOptions(sql);
      let result: unknown;
      if (values !== undefined && values.length > 0) {
        this.preparedSql.add(sql);
        [result] = await this.connection.execute(options, values.map((v) => (v === undefined ? null : v)));
      } else {
        [result] = await this.connection.query(options);
      }
      this.noteStatus(result);
      return result;
    } catch (error) {
      if (endsTransaction(error)) this.inTransaction = false;
      if (isFatal(error)) {
        this.broken = true;
        this.inTransaction = false;
      }
      throw error;
    } finally {
      this.running--;
    }
  }

  /** Rows carry no status; the OK packet of a statement (the last one of a CALL) does. */
  private noteStatus(result: unknown): void {
    const packets = Array.isArray(result) ? result : [result];
    for (let i = packets.length - 1; i >= 0; i--) {
      if (!isOk(packets[i])) continue;
      const status = (packets[i] as OkPacket).serverStatus;
      if (typeof status === 'number') this.inTransaction = (status & SERVER_STATUS_IN_TRANS) !== 0;
      return;
    }
  }

  /**
   * Closes a connection strata opened, or gives a pooled one back. `destroy` drops it instead
   * (its session may still hold a lock or other state the application must not inherit).
   */
  async close(destroy = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const off = this.events?.off ?? this.events?.removeListener;
    try {
      if (destroy || this.broken) this.connection.destroy();
      else if (this.pooled) {
        for (const sql of this.preparedSql) this.connection.unprepare?.(statementOptions(sql));
        this.connection.release!();
      }
      else await this.connection.end!();
    } catch {
      this.connection.destroy();
    } finally {
      off?.call(this.events, 'error', this.onError);
      off?.call(this.events, 'end', this.onEnd);
    }
  }
}

/** mysql2 keys its prepared-statement cache on these options too: the same object shape every time. */
function statementOptions(sql: string): { sql: string; rowsAsArray: boolean; nestTables: boolean } {
  return { sql, rowsAsArray: false, nestTables: false };
}

/** The rows of a statement's answer ([] for a statement that returns none). */
export function rowsOf(result: unknown): Row[] {
  if (!Array.isArray(result)) return [];
  // A CALL answers with several result sets: the first one's rows are the answer.
  if (result.length > 0 && Array.isArray(result[0])) return (result[0] as Row[]).map((row) => ({ ...row }));
  if (result.length > 0 && isOk(result[0])) return [];
  return (result as Row[]).map((row) => ({ ...row }));
}

/** Affected rows of a statement's answer (matched rows for UPDATE under CLIENT_FOUND_ROWS, mysql2's default). */
export function affectedOf(result: unknown): number {
  if (isOk(result)) return Number((result as OkPacket).affectedRows ?? 0);
  if (Array.isArray(result)) {
    const last = result.at(-1);
    if (isOk(last)) return Number((last as OkPacket).affectedRows ?? 0);
  }
  return 0;
}

/** mysql2's ResultSetHeader (an OK packet), as opposed to a row that happens to have such columns. */
function isOk(value: unknown): boolean {
  return typeof value === 'object' && value !== null && value.constructor?.name === 'ResultSetHeader';
}
