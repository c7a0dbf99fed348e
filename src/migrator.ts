/**
 * The library's entry points: `createMigrator` wires a source and a driver to the
 * operations; `migrate` is the one call an application makes at start-up.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { AbortError, ConfigError } from './core/errors.js';
import { untilAborted } from './core/until-aborted.js';
import { scrubError, type Redact } from './core/redact.js';
import { redactText, secretsOf } from './drivers/url.js';
import { assertNoMisspelledOption } from './migrator-options.js';
import { openWhenReady, type WaitResult } from './wait-for-database.js';
import type { EventListener, StrataEvent } from './core/events.js';
import type { DownOptions } from './core/plan.js';
import type { Driver, DriverOptions } from './core/ports/index.js';
import { scratchRunner } from './scratch/scratch-context.js';
import { testMigrations, type TestOptions, type TestResult } from './operations/test.js';
import { drift, type DriftOptions, type DriftResult } from './operations/drift.js';
import { openDriver, type DatabaseInput } from './drivers/load-driver.js';
import { SQLITE_SYNTAX } from './drivers/sqlite/syntax.js';
import { TABLE_NAME } from './drivers/tracking-rows.js';
import { currentUser, type Environment, type OperationContext } from './operations/context.js';
import { down, planRollback, redo, type DownResult, type RedoResult } from './operations/down.js';
import { baseline, markApplied, unmark } from './operations/record.js';
import { importHistory, type ImportResult, type ImportRunOptions } from './operations/import.js';
import { planRepair, repair, type RepairOptions, type RepairResult } from './operations/repair.js';
import { history, info, validate, type InfoResult, type ValidateOptions, type ValidateResult } from './operations/report.js';
import { planReset, reset, type ResetOptions, type ResetResult } from './operations/reset.js';
import { status, type StatusResult } from './operations/status.js';
import { dump, type DumpOptions, type DumpResult } from './operations/dump.js';
import { stats, type StatsResult } from './operations/stats.js';
import { graph, type GraphOptions, type GraphResult } from './operations/graph.js';
import { docs, type DocsResult } from './operations/docs.js';
import { plan, up, type PlanResult, type UpOptions, type UpResult } from './operations/up.js';
import { backup, backups, restore, type BackupFile, type BackupsResult, type RestoreOptions, type RestoreResult } from './operations/backup.js';
import { DEFAULT_KEEP, type BackupSettings } from './backups/restore-point.js';
import { createDirectorySource } from './sources/directory.js';
import { createListSource, type ListMigration } from './sources/list.js';
import type { LogRow } from './core/model.js';
import type { Settings } from './core/settings.js';
import { migrationId } from './core/version.js';
import type { DbObject } from './core/ports/index.js';

export interface Logger {
  info(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}

/** The library's options: the Settings (seconds, as in the config file) and what only a program can give. */
export interface MigratorOptions extends Settings {
  /** A database URL, or an open better-sqlite3 Database, pg Pool/Client or mysql2 pool. Required. */
  readonly db: DatabaseInput;
  /** Migrations folder (default `migrations`), resolved from `cwd`. */
  readonly dir?: string;
  /** Migrations as objects instead of a folder (bundled applications). */
  readonly migrations?: readonly ListMigration[];
  /** The named environment (for `reset` protection and the audit log). */
  readonly environment?: Environment | null;
  readonly logger?: Logger;
  readonly onEvent?: (event: StrataEvent) => void;
  /** Aborting stops the run at the next safe point, rolling back the migration in progress. */
  readonly signal?: AbortSignal;
  /** Folder that relative paths resolve from and messages show paths relative to (default process.cwd()). */
  readonly cwd?: string;
  /** Create the SQLite file's folder when missing (the CLI's built-in default only). */
  readonly createDirectory?: boolean;
  /**
   * Seconds to wait for the database to accept connections before the first command uses it
   * (default 0: no waiting). Only "not accepting connections yet" is tried again; an
   * authentication failure or a missing database fails at once.
   */
  readonly wait?: number;
}

export interface Migrator {
  status(): Promise<StatusResult>;
  plan(options?: UpOptions): Promise<PlanResult>;
  up(options?: UpOptions): Promise<UpResult>;
  down(options?: DownOptions): Promise<DownResult>;
  planDown(options?: DownOptions): Promise<PlanResult>;
  redo(): Promise<RedoResult>;
  /** §4 checks and the §11 lint; `all`: lint applied migrations too. */
  validate(options?: ValidateOptions): Promise<ValidateResult>;
  history(options?: { limit?: number }): Promise<{ entries: LogRow[] }>;
  /** Per migration: its runs, failures, last and slowest duration, from the log (read-only). */
  stats(): Promise<StatsResult>;
  /** The dependency graph as Mermaid (default) or Graphviz dot text, with its nodes and edges. */
  graph(options?: GraphOptions): Promise<GraphResult>;
  /** A Markdown page of the migrations. */
  docs(): Promise<DocsResult>;
  info(): Promise<InfoResult>;
  baseline(version: string): Promise<{ baselined: string[] }>;
  markApplied(version: string): Promise<{ marked: string }>;
  unmark(version: string): Promise<{ unmarked: string }>;
  /** Adopts another tool's history (§12): `tool` is `flyway`, `knex`, …, `table` or `user-version`. */
  import(tool: string, options?: ImportRunOptions): Promise<ImportResult>;
  planRepair(options?: RepairOptions): Promise<RepairResult & { unresolvedDirty: string[] }>;
  repair(options?: RepairOptions): Promise<RepairResult>;
  planReset(options?: ResetOptions): Promise<{ dropped: DbObject[] }>;
  reset(options?: ResetOptions): Promise<ResetResult>;
  /** The live schema as SQL and as objects (`strata dump`); read-only. */
  dump(options?: DumpOptions): Promise<DumpResult>;
  /** Each migration up, down and up again on a scratch database, the schema compared after each (`strata test`). */
  test(options?: TestOptions): Promise<TestResult>;
  /** The live schema compared with the applied migrations replayed on a scratch database, or with a dump (`strata drift`). */
  drift(options?: DriftOptions): Promise<DriftResult>;
  /** Connects now (waiting up to `wait` seconds for the database): how many attempts it took. */
  connect(): Promise<WaitResult>;
  /** A backup now (§7), under the lock. */
  backup(): Promise<BackupFile>;
  /** This database's backups, oldest first. */
  backups(): Promise<BackupsResult>;
  /** Puts a backup back (under the lock; refused in a protected environment without `force`). */
  restore(file: string, options?: RestoreOptions): Promise<RestoreResult>;
  /** Closes only what strata opened. */
  close(): Promise<void>;
}

const seconds = (value: number | undefined, fallback: number, name: string): number => {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ConfigError('config', `${name} must be a number of seconds ≥ 0 (got ${String(value)})`);
  return Math.round(v * 1000);
};

export async function createMigrator(options: MigratorOptions): Promise<Migrator> {
  if (options === null || typeof options !== 'object') throw new ConfigError('config', 'createMigrator needs an options object with at least `db`');
  assertNoMisspelledOption(options);
  if (options.db === undefined || options.db === null || options.db === '') {
    throw new ConfigError('config', '`db` is required: a database URL or an open connection', { hint: 'e.g. migrate({ db: process.env.DATABASE_URL, dir: "migrations" })' });
  }
  const table = options.table ?? 'strata_migrations';
  if (!TABLE_NAME.test(table) || table.length > 58) {
    throw new ConfigError('config', `table name "${table}" is not allowed`, { hint: 'use letters, digits and _ (not starting with a digit), at most 58 characters' });
  }
  const cwd = options.cwd ?? process.cwd();
  const dir = options.migrations ? null : resolve(cwd, options.dir ?? 'migrations');
  const source = options.migrations ? createListSource(options.migrations) : createDirectorySource({ dir: dir!, cwd, syntax: () => driver?.syntax ?? SQLITE_SYNTAX });
  const runId = randomUUID();
  const lockTimeoutMs = seconds(options.lockTimeout, 60, 'lockTimeout');
  const initSql = initSqlOf(options.initSql);
  const connectTimeoutMs = options.connectTimeout === undefined ? null : seconds(options.connectTimeout, 10, 'connectTimeout');
  // Every form of the URL's password, and once connected those the driver knows (a pool's
  // settings, PGPASSWORD): scrubbed from what is stored, thrown and logged.
  const urlSecrets = typeof options.db === 'string' ? secretsOf(options.db) : [];
  const redact: Redact = (text) => redactText(text, driver?.secrets ? [...urlSecrets, ...driver.secrets] : urlSecrets);
  const emit: EventListener = (event) => {
    options.onEvent?.(event);
    if (options.logger) logEvent(options.logger, event);
  };

  let driver: Driver | undefined;
  let opening: Promise<Driver> | undefined;
  const driverOptions: DriverOptions = {
    table,
    schema: options.schema ?? null,
    lock: options.lock ?? 'auto',
    leaseTtlMs: seconds(options.leaseTtl, 30, 'leaseTtl'),
    ddlLockTimeoutMs: seconds(options.ddlLockTimeout, 5, 'ddlLockTimeout'),
    statementTimeoutMs: seconds(options.statementTimeout, 0, 'statementTimeout'),
    lockTimeoutMs,
    userVersion: options.userVersion ?? true,
    runId,
    createDirectory: options.createDirectory ?? false,
    signal: options.signal,
    connectTimeoutMs,
    initSql,
  };
  const waitMs = seconds(options.wait, 0, 'wait');
  let waited: WaitResult = { attempts: 1, waitedMs: 0 };
  const getDriver = (): Promise<Driver> => {
    if (opening) return opening;
    const open = () => openDriver(options.db, driverOptions);
    const ready = waitMs > 0 ? openWhenReady(open, waitMs, emit, options.signal).then((r) => ((waited = r), r.driver)) : open();
    // A signal must not wait for the connect timeout of a server that never answers.
    opening = untilAborted(ready, options.signal, 'stopped while connecting to the database: nothing was changed', (late) => void late.close().catch(() => undefined)).then((d) => {
      driver = d;
      if (options.signal) {
        // A signal cancels the running statement from a second connection; the run then
        // rolls back at its next safe point.
        options.signal.addEventListener('abort', () => void d.cancel().catch(() => undefined), { once: true });
      }
      return d;
    });
    return opening;
  };

  const ctx: OperationContext = {
    source,
    driver: getDriver,
    dir,
    runId,
    appliedBy: currentUser(),
    lockTimeoutMs,
    ddlRetries: options.ddlRetries ?? 3,
    migrationTimeoutMs: seconds(options.migrationTimeout, 0, 'migrationTimeout'),
    allowOutOfOrder: options.allowOutOfOrder ?? false,
    environment: options.environment ?? null,
    signal: options.signal,
    emit,
    redact,
    backup: backupSettings(options, cwd),
    scratchDb: options.scratchDb ?? null,
    scratch: scratchRunner(() => ctx, driverOptions),
  };
  const guard = <A extends unknown[], R>(operation: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    if (options.signal?.aborted) throw new AbortError('stopped before it started');
    try {
      return await operation(...args);
    } catch (error) {
      throw scrubError(error, redact);
    }
  };

  return {
    status: guard(() => status(ctx)),
    plan: guard((o?: UpOptions) => plan(ctx, o)),
    up: guard((o?: UpOptions) => up(ctx, o)),
    down: guard((o?: DownOptions) => down(ctx, o)),
    planDown: guard((o?: DownOptions) => planRollback(ctx, o)),
    redo: guard(() => redo(ctx)),
    validate: guard((options?: ValidateOptions) => validate(ctx, options)),
    history: guard((o?: { limit?: number }) => history(ctx, o)),
    stats: guard(() => stats(ctx)),
    graph: guard((o?: GraphOptions) => graph(ctx, o)),
    docs: guard(() => docs(ctx)),
    info: guard(() => info(ctx)),
    baseline: guard((v: string) => baseline(ctx, v)),
    markApplied: guard((v: string) => markApplied(ctx, v)),
    unmark: guard((v: string) => unmark(ctx, v)),
    import: guard((tool: string, o?: ImportRunOptions) => importHistory(ctx, tool, o)),
    planRepair: guard((o?: RepairOptions) => planRepair(ctx, o)),
    repair: guard((o?: RepairOptions) => repair(ctx, o)),
    planReset: guard((o?: ResetOptions) => planReset(ctx, o)),
    reset: guard((o?: ResetOptions) => reset(ctx, o)),
    dump: guard((o?: DumpOptions) => dump(ctx, o)),
    test: guard((o?: TestOptions) => testMigrations(ctx, o)),
    drift: guard((o?: DriftOptions) => drift(ctx, o)),
    connect: guard(async () => {
      await (await getDriver()).describe();
      return waited;
    }),
    backup: guard(() => backup(ctx)),
    backups: guard(() => backups(ctx)),
    restore: guard((file: string, o?: RestoreOptions) => restore(ctx, file, o)),
    async close() {
      if (opening) await opening.catch(() => undefined);
      await driver?.close();
    },
  };
}

/**
 * Application start-up: applies what is pending and returns; safe from every replica (one
 * applies, the rest wait for the lock, then find everything applied).
 */
export async function migrate(options: MigratorOptions & UpOptions): Promise<UpResult> {
  const migrator = await createMigrator(options);
  try {
    return await migrator.up({ target: options.target, atomic: options.atomic, resume: options.resume, ignoreOtherHistory: options.ignoreOtherHistory });
  } finally {
    await migrator.close();
  }
}

function backupSettings(options: MigratorOptions, cwd: string): BackupSettings {
  if (options.backup !== undefined && typeof options.backup !== 'boolean') throw new ConfigError('config', `backup must be true or false (got ${String(options.backup)})`);
  if (options.backups !== undefined && (typeof options.backups !== 'string' || options.backups === '')) throw new ConfigError('config', 'backups must be the path of a folder');
  const keep = options.keep ?? DEFAULT_KEEP;
  if (!Number.isInteger(keep) || keep < 0) throw new ConfigError('config', `keep must be a whole number ≥ 0 (got ${String(options.keep)})`, { hint: 'how many backups stay per database; 0 keeps all' });
  return { enabled: options.backup ?? null, folder: options.backups ? resolve(cwd, options.backups) : null, keep, cwd };
}

function initSqlOf(value: MigratorOptions['initSql']): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((statement) => typeof statement !== 'string')) {
    throw new ConfigError('config', 'initSql must be a SQL statement or a list of them', { hint: "e.g. initSql: ['SET FOREIGN_KEY_CHECKS = 0']" });
  }
  return list.filter((statement) => statement.trim() !== '');
}

function logEvent(logger: Logger, event: StrataEvent): void {
  switch (event.type) {
    case 'lock-wait':
      logger.info(`strata: waiting for the migration lock${event.holder ? ` (held by ${event.holder})` : ''}`);
      break;
    case 'database-wait':
      if (event.attempt === 1) (logger.warn ?? logger.info).call(logger, `strata: the database does not accept connections yet (${event.error}); waiting up to ${event.timeoutMs / 1000} s`);
      break;
    case 'migration-done':
      logger.info(`strata: ${event.direction === 'up' ? 'applied' : 'rolled back'} ${migrationId(event.version, event.name)} (${event.durationMs} ms)`);
      break;
    case 'migration-failed':
      (logger.error ?? logger.info).call(logger, `strata: ${migrationId(event.version, event.name)} failed: ${event.error}`);
      break;
    case 'ddl-retry':
      (logger.warn ?? logger.info).call(logger, `strata: ${event.version} waited too long for a lock${event.table ? ` on ${event.table}` : ''}; retry ${event.attempt}`);
      break;
    case 'log':
      logger.info(`strata: ${event.message}`);
      break;
    case 'note':
      (logger.warn ?? logger.info).call(logger, `strata: ${event.message}`);
      break;
    default:
      break;
  }
}
