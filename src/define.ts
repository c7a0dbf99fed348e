/** Helpers for authors: typed migration objects, a base class, and typed config files. */
import type { Db } from './core/model.js';
import type { Settings } from './core/settings.js';

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

/** `strata.config.*`: defaults and named environments. Times are in seconds (see Settings). */
export interface StrataConfig extends Settings {
  readonly db?: string;
  readonly environments?: Readonly<Record<string, EnvironmentConfig>>;
}

export function defineConfig(config: StrataConfig): StrataConfig {
  return config;
}
