/**
 * Scratch databases (§7) for `test` and `drift`: a throw-away database that migrations can be
 * run on without touching the configured one. SQLite: a temporary file; PostgreSQL and MySQL:
 * `strata_scratch_<UTC time>_<random>` on the same server. Always dropped after — when the
 * work succeeds, throws, or is stopped by the signal. `scratchDb` names another server (a URL
 * without a database: the scratch database is created there) or an existing empty database
 * (used as it is, refused when not empty, and emptied again after).
 *
 * A scratch database a crash left behind is never reused: every name is new (time + random).
 * Those older than an hour are dropped when the next one is created (their name says when
 * they were made, so no catalog needs to); younger ones may belong to a command still running.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AbortError, ConfigError, StrataError, messageOf } from '../core/errors.js';
import type { EventListener } from '../core/events.js';
import { untilAborted } from '../core/until-aborted.js';
import { trackingTables } from '../core/schema.js';
import type { Driver, DriverOptions } from '../drivers/driver.js';
import { openDriver } from '../drivers/load-driver.js';
import type { ScratchPort } from '../drivers/safety-net.js';
import { parseDatabaseUrl, redactUrl } from '../drivers/url.js';

export const SCRATCH_PREFIX = 'strata_scratch_';
/** A leftover scratch database older than this is dropped when the next one is made. */
export const LEFTOVER_AGE_MS = 60 * 60 * 1000;

export interface ScratchDatabase {
  /** Connects to the scratch database (contains the password of the configured URL, if any: never print it). */
  readonly url: string;
  /** Safe to print. */
  readonly display: string;
  /** `strata_scratch_…`, or null for a `scratchDb` database used as it is. */
  readonly name: string | null;
}

export interface ScratchOptions {
  /** The configured database's driver: its server gets the scratch database. */
  readonly driver: Driver;
  /** A server URL (the scratch database is created there) or an existing empty database; null: the configured server. */
  readonly scratchDb?: string | null;
  /** The tracking table the work uses (default `strata_migrations`): a `scratchDb` database must not have one. */
  readonly table?: string;
  readonly signal?: AbortSignal;
  readonly emit?: EventListener;
  readonly now?: () => Date;
}

/** Runs `fn` on a new scratch database and drops it after, whatever happens. */
export async function withScratch<T>(options: ScratchOptions, fn: (scratch: ScratchDatabase) => Promise<T>): Promise<T> {
  if (options.signal?.aborted) throw new AbortError('stopped before the scratch database was made: nothing was changed');
  const given = options.scratchDb ? parseDatabaseUrl(options.scratchDb) : null;
  if (given && !namesServerOnly(given.connection)) return withGivenDatabase(options, options.scratchDb!, fn);

  let owner: Driver = options.driver;
  let opened: Driver | null = null;
  if (given) {
    opened = await openDriver(options.scratchDb!, driverOptions(options));
    owner = opened;
  }
  try {
    const port = (await owner.safetyNet?.())?.scratch ?? null;
    if (!port) throw unavailable(owner.displayName, 'strata cannot reach this server again on its own (an application\'s pool or client)', null);
    await dropLeftovers(port, options);
    const name = scratchName(options.now?.() ?? new Date());
    let url: string;
    try {
      url = await port.create(name);
    } catch (error) {
      if (port.isPermissionDenied(error)) throw unavailable(owner.displayName, messageOf(error), error);
      throw error;
    }
    options.emit?.({ type: 'log', version: '', message: `strata: created the scratch database ${name}` });
    try {
      return await untilAborted(fn({ url, display: redactUrl(url), name }), options.signal, `stopped: the scratch database ${name} was dropped`);
    } finally {
      await dropScratch(port, name, options.signal);
    }
  } finally {
    await opened?.close();
  }
}

/**
 * Drops it; once more when that fails after a signal: the signal's cancel of the configured
 * connection's statement (sent from another socket) can land on the drop itself.
 */
async function dropScratch(port: ScratchPort, name: string, signal: AbortSignal | undefined): Promise<void> {
  try {
    await port.drop(name);
  } catch (error) {
    if (!signal?.aborted) throw error;
    await port.drop(name);
  }
}

/** `strata_scratch_<YYYYMMDDHHMMSS>_<8 hex>`: the time lets a later run see a leftover's age; the random part makes it new. */
export function scratchName(date: Date): string {
  const stamp = date.toISOString().replace(/\.\d+Z$/, '').replace(/[-:T]/g, '');
  return `${SCRATCH_PREFIX}${stamp}_${randomBytes(4).toString('hex')}`;
}

/** When a scratch name says it was made; null for a name strata did not make. */
export function scratchTime(name: string): Date | null {
  const match = new RegExp(`^${SCRATCH_PREFIX}(\\d{4})(\\d{2})(\\d{2})(\\d{2})(\\d{2})(\\d{2})_[0-9a-f]{8}$`).exec(name);
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

async function dropLeftovers(port: ScratchPort, options: ScratchOptions): Promise<void> {
  const now = (options.now?.() ?? new Date()).getTime();
  for (const name of await port.list(SCRATCH_PREFIX)) {
    const made = scratchTime(name);
    if (!made || now - made.getTime() < LEFTOVER_AGE_MS) continue;
    try {
      await port.drop(name);
      options.emit?.({ type: 'log', version: '', message: `strata: dropped the scratch database ${name}, left behind by a run that stopped at ${made.toISOString()}` });
    } catch (error) {
      // Another user's, or one being dropped by another run: say so and go on with a new one.
      options.emit?.({ type: 'log', version: '', message: `strata: could not drop the old scratch database ${name}: ${messageOf(error)}` });
    }
  }
}

/** `scratchDb` names an existing database: refused unless empty, used, then emptied again. */
async function withGivenDatabase<T>(options: ScratchOptions, url: string, fn: (scratch: ScratchDatabase) => Promise<T>): Promise<T> {
  const driver = await openDriver(url, driverOptions(options));
  try {
    const objects = await driver.listObjects();
    const tracked = (await driver.readApplied()) !== null;
    if (objects.length > 0 || tracked) {
      const shown = [...(tracked ? [`the tracking table ${options.table ?? 'strata_migrations'}`] : []), ...objects.slice(0, 5).map((o) => `${o.type} ${o.name}`)];
      throw new ConfigError('scratch-unavailable', `the scratch database ${driver.displayName} is not empty (${shown.join(', ')}${objects.length > 5 ? ', …' : ''})`, {
        hint: 'point --scratch-db (scratchDb) at an empty database, or at a server URL without a database name so strata creates and drops one there',
      });
    }
    try {
      return await untilAborted(fn({ url, display: driver.displayName, name: null }), options.signal, `stopped: the scratch database ${driver.displayName} was emptied`);
    } finally {
      await empty(driver, options.table ?? 'strata_migrations');
    }
  } finally {
    await driver.close();
  }
}

async function empty(driver: Driver, table: string): Promise<void> {
  await driver.dropObjects(await driver.listObjects());
  for (const name of trackingTables(table)) if (await driver.tableExists(name)) await driver.execute(`DROP TABLE ${driver.quoteIdentifier(name)}`);
}

/** A server URL with no database in it (`postgres://host/`). A SQLite path always names a file. */
function namesServerOnly(connection: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(connection)) return false;
  return new URL(connection).pathname.replace(/^\//, '') === '';
}

function unavailable(display: string, reason: string, cause: unknown): StrataError {
  return new ConfigError('scratch-unavailable', `cannot create a scratch database on ${display}: ${reason}`, {
    hint: 'let the user create databases (PostgreSQL: ALTER ROLE … CREATEDB; MySQL: GRANT CREATE, DROP ON *.* TO …), or pass --scratch-db <url> (config scratchDb) naming an empty database or another server',
  }, { cause });
}

function driverOptions(options: ScratchOptions): DriverOptions {
  return {
    table: options.table ?? 'strata_migrations',
    schema: null,
    lock: 'auto',
    leaseTtlMs: 30_000,
    ddlLockTimeoutMs: 5_000,
    statementTimeoutMs: 0,
    lockTimeoutMs: 60_000,
    userVersion: true,
    runId: randomUUID(),
    createDirectory: false,
    signal: options.signal,
  };
}
