import type { CheckFn, Discovery, LoadedMigration, MigrationMeta, SourceMigration, Step } from '../core/model.js';

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

/**
 * A loaded migration built property by property in one fixed order, never by spreading the
 * discovered one: V8 gives each spread-and-override copy a hidden class of its own, which at
 * 10,000 migrations is several megabytes of shapes.
 */
export function loadedMigration(
  m: SourceMigration,
  steps: { meta: MigrationMeta; up: Step; down: Step | null; irreversibleReason: string | null; precheck: CheckFn | null; verify: CheckFn | null },
): LoadedMigration {
  return {
    key: m.key,
    version: m.version,
    name: m.name,
    id: m.id,
    kind: m.kind,
    file: m.file,
    checksum: m.checksum,
    meta: steps.meta,
    up: steps.up,
    down: steps.down,
    irreversibleReason: steps.irreversibleReason,
    precheck: steps.precheck,
    verify: steps.verify,
  };
}
