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
export type { ListMigration } from './sources/list.js';
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
