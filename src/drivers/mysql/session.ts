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
import { connectionFailed, endsTransaction, isFatal } from './errors.js';

/** What strata uses of a mysql2/promise connection (standalone or pooled). */
interface PromiseConnection {
  query(options: { sql: string; rowsAsArray?: boolean; nestTables?: boolean }, values?: unknown): Promise<[unknown, unknown]>;
  execute(options: { sql: string; rowsAsArray?: boolean; nestTables?: boolean }, values?: unknown): Promise<[unknown, unknown]>;
  end?(): Promise<void>;
  release?(): void;
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

/** Where connections come from. `display` and `password` serve error messages. */
export interface SessionSource {
  readonly display: string;
  readonly pooled: boolean;
  open(): Promise<MysqlSession>;
}

/** Identifies strata's connections to other sessions (performance_schema.session_connect_attrs). */
export function programName(runId: string): string {
  return `strata ${hostname()}:${process.pid} ${runId}`;
}

/** Connections strata opens itself from a `mysql://` or `mariadb://` URL. */
export function urlSource(mysql: MysqlModule, url: string, display: string, runId: string): SessionSource {
  // mysql2 reads user, password, host, port, database and options from the URL; the scheme
  // only has to be one it knows.
  const uri = url.replace(/^mariadb:/i, 'mysql:');
  const password = passwordOf(uri);
  return {
    display,
    pooled: false,
    async open() {
      try {
        const connection = await mysql.createConnection({
          uri,
          // DATETIME values are read and written as UTC, whatever the server's time zone.
          timezone: 'Z',
          connectAttributes: { program_name: programName(runId) },
          // Never the multi-statement mode: strata splits statements itself (§2).
          multipleStatements: false,
        });
        return new MysqlSession(connection, false);
      } catch (error) {
        throw connectionFailed(display, password, error);
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
  return {
    display,
    pooled: true,
    async open() {
      try {
        return new MysqlSession(await pool.getConnection(), true);
      } catch (error) {
        throw connectionFailed(display, null, error);
      }
    },
  };
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

function passwordOf(uri: string): string | null {
  try {
    const parsed = new URL(uri);
    return parsed.password ? decodeURIComponent(parsed.password) : null;
  } catch {
    return null;
  }
}

/**
 * One connection. SQL that strata writes goes through `rows`/`exec` (text protocol, values
 * escaped by mysql2); the user's parameterised SQL goes through `prepared`, which binds on
 * the server, so placeholders are never spliced or rewritten.
 */
export class MysqlSession {
  /** From the OK packets' status flags: DDL commits implicitly, and this notices. */
  inTransaction = false;
  /** The connection failed or was closed: it cannot be reused or returned to a pool. */
  broken = false;
  /** Statements sent and not answered yet (cancel() only kills a query while one runs). */
  running = 0;
  private closed = false;
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
    return rowsOf(await this.send('query', sql, values));
  }

  async exec(sql: string, values?: readonly unknown[]): Promise<{ affectedRows: number }> {
    const result = await this.send('query', sql, values);
    return { affectedRows: affectedOf(result) };
  }

  /** The user's statement with parameters, bound by the server (a prepared statement). */
  async prepared(sql: string, values: readonly unknown[]): Promise<unknown> {
    return this.send('execute', sql, values);
  }

  /** The user's statement without parameters, sent as written. */
  async text(sql: string): Promise<unknown> {
    return this.send('query', sql, undefined);
  }

  private async send(method: 'query' | 'execute', sql: string, values: readonly unknown[] | undefined): Promise<unknown> {
    this.running++;
    try {
      // rowsAsArray/nestTables are forced off: a pool the application configured may set them.
      const options = { sql, rowsAsArray: false, nestTables: false };
      const [result] = values === undefined ? await this.connection[method](options) : await this.connection[method](options, values);
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

  private noteStatus(result: unknown): void {
    const packets = Array.isArray(result) ? result : [result];
    for (let i = packets.length - 1; i >= 0; i--) {
      const status = (packets[i] as OkPacket | null)?.serverStatus;
      if (typeof status === 'number') {
        this.inTransaction = (status & SERVER_STATUS_IN_TRANS) !== 0;
        return;
      }
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
      else if (this.pooled) this.connection.release!();
      else await this.connection.end!();
    } catch {
      this.connection.destroy();
    } finally {
      off?.call(this.events, 'error', this.onError);
      off?.call(this.events, 'end', this.onEnd);
    }
  }
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

function isOk(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'affectedRows' in value && 'serverStatus' in value;
}
