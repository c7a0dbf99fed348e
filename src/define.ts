/** Helpers for authors: typed migration objects, a base class, and typed config files. */
import type { Db } from './core/model.js';

export interface MigrationDefinition {
  readonly description?: string;
  /** Versions (or ids) that must be applied first. */
  readonly depends?: readonly string[];
  /** Run inside a transaction (default true). */
  readonly transaction?: boolean;
  /**
   * SQLite: keep foreign keys enforced while it runs, for a migration that relies on
   * cascades (default false: off, then checked before it is recorded). As `-- foreign-keys: on`.
   */
  readonly foreignKeys?: boolean;
  /** false or throw: do not run (the run stops, exit 1). */
  precheck?(db: Db): Promise<boolean> | boolean;
  up(db: Db): Promise<unknown> | unknown;
  down?(db: Db): Promise<unknown> | unknown;
  /** false after `up`: the migration is rolled back (or left dirty where it cannot be). */
  verify?(db: Db): Promise<boolean> | boolean;
  /** false marks the migration irreversible. */
  readonly rollback?: boolean;
  readonly rollbackReason?: string;
}

export function defineMigration<T extends MigrationDefinition>(definition: T): T {
  return definition;
}

/** Base class for class-style migrations (recognised by shape, so any copy of strata works). */
export abstract class Migration {
  description?: string;
  depends?: readonly string[];
  transaction?: boolean;
  foreignKeys?: boolean;
  abstract up(db: Db): Promise<unknown> | unknown;
  down?(db: Db): Promise<unknown> | unknown;
  precheck?(db: Db): Promise<boolean> | boolean;
  verify?(db: Db): Promise<boolean> | boolean;
}

export interface EnvironmentConfig {
  readonly db?: string;
  readonly protected?: boolean;
  readonly [option: string]: unknown;
}

/** `strata.config.*`: defaults and named environments. Times are in seconds. */
export interface StrataConfig {
  readonly db?: string;
  readonly dir?: string;
  readonly table?: string;
  readonly schema?: string;
  readonly lock?: 'auto' | 'session' | 'lease';
  readonly lockTimeout?: number;
  readonly ddlLockTimeout?: number;
  readonly ddlRetries?: number;
  readonly statementTimeout?: number;
  /** Seconds one migration may run before it fails; 0 (default) = no limit. */
  readonly migrationTimeout?: number;
  readonly leaseTtl?: number;
  readonly allowOutOfOrder?: boolean;
  readonly userVersion?: boolean;
  /** Seconds connecting to a server may take (default 10; 0 = no limit). */
  readonly connectTimeout?: number;
  /** A statement or a list of them, run on each connection before migrating (e.g. `SET FOREIGN_KEY_CHECKS = 0`). */
  readonly initSql?: string | readonly string[];
  /** A restore point before each change (default: on for SQLite files, off for servers). */
  readonly backup?: boolean;
  /** Folder for backups. */
  readonly backups?: string;
  /** Backups kept per database (default 10; 0 keeps all). */
  readonly keep?: number;
  /** Server URL or empty database for scratch databases (`test`, `drift`). */
  readonly scratchDb?: string;
  readonly environments?: Readonly<Record<string, EnvironmentConfig>>;
}

export function defineConfig(config: StrataConfig): StrataConfig {
  return config;
}
