/**
 * `initSql` (§2): the statements a project's own runner used to run on each connection before
 * migrating (`SET FOREIGN_KEY_CHECKS = 0`, `SET search_path = app`). Each entry may hold several
 * statements; they are split like a migration and run on the run's connection right after it
 * is opened. A failure is a configuration error (exit 2): nothing was migrated.
 */
import { ConfigError, messageOf } from '../core/errors.js';
import { redactText } from './url.js';

export function initSqlFailed(statement: string, error: unknown, secrets: readonly string[]): ConfigError {
  const text = statement.length > 80 ? `${statement.slice(0, 77)}...` : statement;
  return new ConfigError('config', redactText(`initSql statement failed: ${text}: ${messageOf(error)}`, secrets), {
    hint: 'fix initSql in strata.config (or the initSql option); it runs on every connection before anything else',
  }, { cause: error });
}
