/**
 * The run's one dedicated connection — a Client strata opens from a URL, one Client checked out
 * of the application's Pool, or the application's own Client — and how to open short-lived
 * second connections to the same server (lease renewal, cancelling a statement).
 */
import { connect as connectSocket } from 'node:net';
import type { Client, ClientBase, ClientConfig, Pool, PoolClient } from 'pg';
import { ConfigError } from '../../core/errors.js';
import { loadPeer } from '../peer.js';
import { connectionFailed } from './errors.js';
import { passwordSecrets } from '../url.js';

export type PgModule = typeof import('pg');

export type PostgresTarget = { readonly url: string; readonly display: string; readonly secrets?: readonly string[] } | { readonly client: unknown };

export interface RunConnection {
  readonly client: ClientBase;
  /** `url`: strata opened it and ends it; `pool`: checked out and released; `client`: the application's. */
  readonly origin: 'url' | 'pool' | 'client';
  readonly display: string;
  /** Passwords to scrub from every message. */
  readonly secrets: readonly string[];
  /** Opens (and connects) a second connection to the same server. */
  openSide(applicationName: string): Promise<Client>;
  /** Gives the connection back: ends what strata opened, destroys a pooled one when asked. */
  release(destroy: boolean): Promise<void>;
}

export async function loadPg(): Promise<PgModule> {
  return loadPeer<PgModule>('pg', 'PostgreSQL');
}

export async function openRunConnection(
  pg: PgModule,
  target: PostgresTarget,
  applicationName: string,
  onError: (error: Error) => void,
  /** pg waits forever for a host that never answers unless told otherwise; 0 = no limit. */
  connectTimeoutMs: number,
): Promise<RunConnection> {
  if ('url' in target) {
    // pg falls back to PGPASSWORD when the URL has none: scrub that one too.
    const secrets = target.secrets?.length ? [...target.secrets] : passwordSecrets(null, process.env.PGPASSWORD);
    const config: ClientConfig = { connectionString: target.url, connectionTimeoutMillis: connectTimeoutMs, keepAlive: true };
    const client = await connect(pg, { ...config, application_name: applicationName }, target.display, secrets);
    client.on('error', onError);
    return {
      client,
      origin: 'url',
      display: target.display,
      secrets,
      openSide: (name) => connect(pg, { ...config, application_name: name }, target.display, secrets),
      release: async () => {
        client.removeListener('error', onError);
        await client.end().catch(() => undefined);
      },
    };
  }

  const given = target.client as Record<string, unknown>;
  if ('totalCount' in given) {
    const pool = target.client as Pool;
    // pg keeps the password non-enumerable (so it is not logged): a spread drops it.
    const config = { ...(pool.options as ClientConfig), password: pool.options.password, connectionTimeoutMillis: pool.options.connectionTimeoutMillis || connectTimeoutMs };
    const display = displayOf(config);
    const secrets = passwordSecrets(config.password, process.env.PGPASSWORD);
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw connectionFailed(error, display, secrets);
    }
    if (inTransaction(client)) {
      client.release(true);
      throw new ConfigError('config', 'the pg Pool handed strata a connection that is inside a transaction', {
        hint: 'commit or roll back before releasing connections to the pool',
      });
    }
    client.on('error', onError);
    return {
      client,
      origin: 'pool',
      display,
      secrets,
      openSide: (name) => connect(pg, { ...config, application_name: name }, display, secrets),
      release: async (destroy) => {
        client.removeListener('error', onError);
        client.release(destroy ? true : undefined);
      },
    };
  }

  const client = target.client as Client;
  if ((client as unknown as { _connected?: boolean })._connected === false) {
    throw new ConfigError('config', 'the pg Client passed to strata is not connected', { hint: 'call `await client.connect()` first' });
  }
  if (inTransaction(client)) {
    throw new ConfigError('config', 'the pg Client passed to strata is inside a transaction', {
      hint: 'commit or roll back before calling strata',
    });
  }
  const config: ClientConfig = {
    user: client.user,
    host: client.host,
    port: client.port,
    database: client.database,
    password: client.password,
    ssl: client.ssl,
    connectionTimeoutMillis: connectTimeoutMs,
  };
  const display = displayOf(config);
  const secrets = passwordSecrets(client.password, process.env.PGPASSWORD);
  client.on('error', onError);
  return {
    client,
    origin: 'client',
    display,
    secrets,
    openSide: (name) => connect(pg, { ...config, application_name: name }, display, secrets),
    release: async () => {
      client.removeListener('error', onError);
    },
  };
}

async function connect(pg: PgModule, config: ClientConfig, display: string, secrets: readonly string[]): Promise<Client> {
  const client = new pg.Client(config);
  // An idle connection the server drops emits 'error'; unheard, it would crash the process.
  // The next query on it fails and says why.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectionFailed(error, display, secrets, config.connectionTimeoutMillis);
  }
  return client;
}

function inTransaction(client: ClientBase): boolean {
  const status = typeof client.getTransactionStatus === 'function' ? client.getTransactionStatus() : null;
  return status === 'T' || status === 'E';
}

/** `postgres://user@host:port/db` for a pool or client (never the password). */
function displayOf(config: ClientConfig): string {
  if (config.connectionString) {
    try {
      const url = new URL(config.connectionString);
      url.password = '';
      url.search = ''; // a `?password=` parameter would show otherwise
      return url.toString();
    } catch {
      return 'postgres://(connection string)';
    }
  }
  const user = config.user ? `${encodeURIComponent(config.user)}@` : '';
  return `postgres://${user}${config.host ?? 'localhost'}:${config.port ?? 5432}/${config.database ?? ''}`;
}

/**
 * The protocol's CancelRequest for what runs on `client` now: a fresh socket carrying the
 * backend key the server (or PgBouncer, which maps it to whichever server connection the
 * client is on) handed out at start-up. No login, and it reaches the right backend even when
 * a transaction pooler moves the client between server connections — unlike
 * pg_cancel_backend(pid) with a pid read earlier. Resolves once the server closes the socket.
 */
export function sendCancelRequest(client: ClientBase, timeoutMs = 2000): Promise<void> {
  const { processID, secretKey, host, port } = client as unknown as { processID: number | null; secretKey: number | null; host?: string; port?: number };
  if (processID === null || secretKey === null || processID === undefined || secretKey === undefined) return Promise.resolve();
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4); // the cancel request code
  packet.writeInt32BE(processID, 8);
  packet.writeInt32BE(secretKey, 12);
  return new Promise((resolve) => {
    const target = host ?? 'localhost';
    const socket = target.startsWith('/') ? connectSocket(`${target}/.s.PGSQL.${port ?? 5432}`) : connectSocket(port ?? 5432, target);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('connect', () => socket.write(packet));
    socket.on('error', done);
    socket.on('close', done);
  });
}
