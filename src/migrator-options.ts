/**
 * The option names `createMigrator` and `migrate` know. A misspelled one (`lockTimout`,
 * `tabel`) would otherwise be ignored and its default used — for `db` (`dbUrl`, `DB`) a
 * missing database, for `dir` another folder — so a name close to a known one is a
 * ConfigError naming both. Other unknown keys are let through: applications often pass an
 * options object that also carries their own settings.
 */
import { ConfigError } from './core/errors.js';
import { nearestName } from './core/nearest-name.js';
import { SETTING_KEYS } from './core/settings.js';
import type { MigratorOptions } from './migrator.js';
import type { UpOptions } from './operations/up.js';

/** Every key of MigratorOptions and UpOptions: the compiler fails here when one is added without it. */
const KNOWN: Record<keyof MigratorOptions | keyof UpOptions, true> = {
  db: true, ...SETTING_KEYS, migrations: true, environment: true, logger: true, onEvent: true, signal: true, cwd: true, createDirectory: true, wait: true,
  target: true, atomic: true, resume: true, ignoreOtherHistory: true,
};

export const MIGRATOR_OPTION_NAMES: readonly string[] = Object.keys(KNOWN);

export function assertNoMisspelledOption(options: object): void {
  for (const key of Object.keys(options)) {
    if (Object.prototype.hasOwnProperty.call(KNOWN, key)) continue;
    // Short names are one edit from many words an application may use (`log` is two from `lock`).
    const nearest = nearestName(key, MIGRATOR_OPTION_NAMES, key.length <= 4 ? 1 : 2);
    if (nearest !== null) {
      throw new ConfigError('config', `unknown option "${key}": did you mean "${nearest}"?`, {
        hint: `rename it to ${nearest} (a misspelled option would be ignored and its default used)`,
      });
    }
  }
}
