/** strata's public API. The CLI imports only from here. */
export { migrate, createMigrator } from './migrator.js';
export type { Migrator, MigratorOptions, Logger } from './migrator.js';
export { defineMigration, defineConfig, Migration } from './define.js';
export type { MigrationDefinition, StrataConfig } from './define.js';
export type { Settings, SecondsSetting, FlagSetting, AsFlags } from './core/settings.js';
export {
  StrataError,
  ValidationError,
  MigrationError,
  LockTimeoutError,
  ConnectionError,
  ConfigError,
  AbortError,
  BackupError,
} from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
export type { Db, Problem, LogRow, AppliedMigration } from './core/model.js';
export type { RecreateTableOptions } from './core/table-rebuild.js';
export type { StrataEvent } from './core/events.js';
export type { StatusResult, StatusMigration, StatusState } from './operations/status.js';
export type { StatsResult, StatsMigration } from './operations/stats.js';
export type { GraphOptions, GraphResult, GraphFormat, GraphNode, GraphEdge } from './operations/graph.js';
export type { DocsResult, DocsMigration } from './operations/docs.js';
export type { BatchOptions, BatchInfo, BatchResult } from './core/batch/options.js';
export type { UpResult, PlanResult, UpOptions } from './operations/up.js';
export type { DownResult, RedoResult } from './operations/down.js';
export type { InfoResult, ValidateResult, ValidateOptions } from './operations/report.js';
export { githubAnnotations, sarifLog } from './lint/formats.js';
export { LINT_RULES, type LintRule } from './lint/rules.js';
export type { LintWarning } from './lint/lint.js';
export type { RepairResult, RepairOptions } from './operations/repair.js';
export type { ResetResult, ResetOptions } from './operations/reset.js';
export type { ImportResult, ImportRunOptions } from './operations/import.js';
export type { BackupFile, BackupsResult, RestoreOptions, RestoreResult } from './operations/backup.js';
export type { ListMigration } from './sources/list.js';
export type { DumpResult, DumpOptions, DumpObject } from './operations/dump.js';
export type { TestOptions, TestResult, TestFailure, TestDifference, TestStep } from './operations/test.js';
export type { DriftOptions, DriftResult } from './operations/drift.js';
export { compareSchemas, orderSchema, schemaScript } from './core/schema.js';
export type { SchemaObject, SchemaSnapshot, SchemaDifference, SchemaReader, SchemaReadOptions } from './core/schema.js';
export { redactUrl } from './drivers/url.js';

// ---- CLI helpers: what src/cli/ needs besides the API above. Not for applications: they
// may change in any release. (The CLI imports nothing but this module; a test checks it.)
export { redactText, secretsOf } from './drivers/url.js';
export { migrationId } from './core/version.js';
export { nearestName } from './core/nearest-name.js';
export { importModule } from './module-loader.js';
export { versionsOfNames } from './sources/file-name.js';
export { strataPackage } from './package-info.js';
export { SETTING_KEYS } from './core/settings.js';
