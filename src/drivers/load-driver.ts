/**
 * From what the user gave as `db` (a URL, or an open connection or pool) to a Driver. Each
 * dialect's module, and its npm driver package, is imported only when that dialect is used.
 */
import { ConfigError } from '../core/errors.js';
import type { Driver, DriverOptions } from './driver.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './connect-timeout.js';
import { parseDatabaseUrl } from './url.js';

export type DatabaseInput = string | object;

export async function openDriver(db: DatabaseInput, options: DriverOptions): Promise<Driver> {
  if (typeof db === 'string') {
    const target = parseDatabaseUrl(db);
    const lock = target.params.lock ?? options.lock;
    if (lock !== 'auto' && lock !== 'session' && lock !== 'lease') {
      throw new ConfigError('config', `strata_lock=${lock} is not a lock strategy`, { hint: 'use auto, session or lease' });
    }
    // The option given to strata wins over the URL's parameter, which wins over the default.
    const withParams: DriverOptions = { ...options, lock, connectTimeoutMs: options.connectTimeoutMs ?? target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS };
    switch (target.dialect) {
      case 'sqlite':
        return (await import('./sqlite/driver.js')).createSqliteDriver({ path: target.connection }, withParams);
      case 'postgres':
        return (await import('./postgres/driver.js')).createPostgresDriver({ url: target.connection, display: target.display, secrets: target.secrets }, withParams);
      case 'mysql':
        return (await import('./mysql/driver.js')).createMysqlDriver({ url: target.connection, display: target.display, secrets: target.secrets }, withParams);
    }
  }
  if (db && typeof db === 'object') {
    const candidate = db as Record<string, unknown>;
    if (typeof candidate.prepare === 'function' && typeof candidate.pragma === 'function') {
      return (await import('./sqlite/driver.js')).createSqliteDriver({ database: db as never }, options);
    }
    if (isPg(candidate)) return (await import('./postgres/driver.js')).createPostgresDriver({ client: db }, options);
    if (isMysql(candidate)) return (await import('./mysql/driver.js')).createMysqlDriver({ client: db }, options);
  }
  throw new ConfigError('config', '`db` must be a database URL, a better-sqlite3 Database, a pg Pool or Client, or a mysql2 pool', {
    hint: 'e.g. migrate({ db: process.env.DATABASE_URL, dir: "migrations" })',
  });
}

/** pg.Pool has totalCount; pg.Client has connectionParameters. */
function isPg(o: Record<string, unknown>): boolean {
  return typeof o.query === 'function' && ('totalCount' in o || 'connectionParameters' in o);
}

/** mysql2 pools (callback or promise wrapper) have getConnection and a pool config. */
function isMysql(o: Record<string, unknown>): boolean {
  return typeof o.getConnection === 'function' && ('config' in o || 'pool' in o);
}
