/** strata's public API. The CLI imports only from here. */
export { migrate, createMigrator } from './migrator.js';
export type { Migrator, MigratorOptions, Logger } from './migrator.js';
export { defineMigration, defineConfig, Migration } from './define.js';
export type { MigrationDefinition, StrataConfig } from './define.js';
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
export type { StrataEvent } from './core/events.js';
export type { StatusResult, StatusMigration } from './operations/status.js';
export type { UpResult, PlanResult, UpOptions } from './operations/up.js';
export type { DownResult, RedoResult } from './operations/down.js';
export type { InfoResult, ValidateResult } from './operations/report.js';
export type { RepairResult, RepairOptions } from './operations/repair.js';
export type { ResetResult, ResetOptions } from './operations/reset.js';
export type { BackupFile, BackupsResult, RestoreOptions, RestoreResult } from './operations/backup.js';
export type { ListMigration } from './sources/list.js';
export { redactUrl } from './drivers/url.js';
