import type { Discovery, LoadedMigration, SourceMigration } from '../core/model.js';

/**
 * Where migrations come from: a directory of files or a list passed to the library.
 * `discover` must be cheap (it runs on every start-up); `load` imports a code migration and
 * is called only for migrations that are about to run or must be shown.
 */
export interface MigrationSource {
  discover(): Promise<Discovery>;
  /** Rejects with a ValidationError (`import-failed`) when a code migration cannot be imported. */
  load(migration: SourceMigration): Promise<LoadedMigration>;
}
