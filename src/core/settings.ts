/**
 * The settings a run is tuned by, declared once: `strata.config.*` (StrataConfig), the
 * library (MigratorOptions), the CLI's flags (GlobalFlags) and what a driver receives
 * (DriverOptions, in milliseconds) are all derived from this one interface.
 */

export interface Settings {
  /** Migrations folder (default `migrations`). */
  readonly dir?: string;
  /** Tracking table name (default `strata_migrations`). */
  readonly table?: string;
  /** PostgreSQL schema for migrations and tracking tables. */
  readonly schema?: string | null;
  readonly lock?: 'auto' | 'session' | 'lease';
  /** Seconds to wait for another run's lock (default 60). */
  readonly lockTimeout?: number;
  /** Seconds a DDL statement may wait for the application's table locks (default 5; 0 = off). */
  readonly ddlLockTimeout?: number;
  /** Retries of a migration whose DDL timed out waiting for a lock (default 3). */
  readonly ddlRetries?: number;
  /** Seconds; 0 (default) = off. */
  readonly statementTimeout?: number;
  /**
   * Seconds one migration may run before it fails (rolled back, or left dirty where it cannot
   * be); 0 (default) = no limit. For code migrations that may await something that never settles.
   */
  readonly migrationTimeout?: number;
  /** Lease time-to-live in seconds (default 30). */
  readonly leaseTtl?: number;
  readonly allowOutOfOrder?: boolean;
  /** SQLite: keep PRAGMA user_version = number of applied migrations (default true). */
  readonly userVersion?: boolean;
  /**
   * Seconds connecting to a server may take (default 10; 0 = no limit). Wins over the URL's
   * `connect_timeout` (seconds) or, on MySQL, mysql2's `connectTimeout` (ms).
   */
  readonly connectTimeout?: number;
  /** A statement or a list of them, run on each connection before anything else (e.g. `SET FOREIGN_KEY_CHECKS = 0`). */
  readonly initSql?: string | readonly string[];
  /** A restore point before each change (§7): default on for SQLite files, off for servers (pg_dump / mysqldump). */
  readonly backup?: boolean;
  /** Folder for backups (default: `backups/` beside a SQLite file; `backups/` in `cwd` for servers). */
  readonly backups?: string;
  /** Backups kept per database, the oldest removed first (default 10; 0 keeps all). */
  readonly keep?: number;
  /** Where scratch databases go (`test`, `drift`) instead of the configured server: a server URL, or an existing empty database. */
  readonly scratchDb?: string | null;
}

/** The settings given in seconds. */
export type SecondsSetting = 'lockTimeout' | 'ddlLockTimeout' | 'statementTimeout' | 'migrationTimeout' | 'leaseTtl' | 'connectTimeout';

/** The settings the CLI takes as flags (besides --db, --config, --env and the output flags). */
export type FlagSetting = 'dir' | 'table' | 'schema' | 'lock' | 'lockTimeout' | 'ddlLockTimeout' | 'migrationTimeout' | 'connectTimeout' | 'allowOutOfOrder' | 'backup' | 'scratchDb';

/** A setting as a command-line flag gives it: a switch stays boolean, anything else is text to parse. */
export type AsFlags<K extends keyof Settings> = { readonly [P in K]?: NonNullable<Settings[P]> extends boolean ? boolean : string };

/** Settings in seconds as the drivers take them: `lockTimeout` → `lockTimeoutMs`, in ms. */
export type InMilliseconds<K extends SecondsSetting> = { readonly [P in K as `${P}Ms`]: number };

/** Every setting's name: the compiler fails here when one is added without it. The config file and the library's options both know these. */
export const SETTING_KEYS: Readonly<Record<keyof Settings, true>> = {
  dir: true, table: true, schema: true, lock: true, lockTimeout: true, ddlLockTimeout: true, ddlRetries: true, statementTimeout: true,
  leaseTtl: true, allowOutOfOrder: true, userVersion: true, connectTimeout: true, migrationTimeout: true, initSql: true,
  backup: true, backups: true, keep: true, scratchDb: true,
};
