/**
 * The names a config file may use. A misspelled key (`tabel`, `lockTimout`, `environment`)
 * would be ignored and its default used — for `db`, the built-in default database — so any
 * unknown key is exit 2 (`config`), naming the key, the file and the nearest known name.
 */
import { ConfigError, nearestName, SETTING_KEYS, type StrataConfig } from '../index.js';

/** Every key of StrataConfig: the compiler fails here when one is added without it. */
const TOP_LEVEL: Record<keyof StrataConfig, true> = { db: true, ...SETTING_KEYS, environments: true };

const TOP_LEVEL_NAMES = Object.keys(TOP_LEVEL);
/** An environment holds any option but `environments`, and may be `protected`. */
const ENVIRONMENT_NAMES = [...TOP_LEVEL_NAMES.filter((name) => name !== 'environments'), 'protected'];

/** Throws a ConfigError for the first unknown key, at the top level or inside `environments.<name>`. */
export function assertKnownConfigKeys(config: Record<string, unknown>, file: string): void {
  check(Object.keys(config), TOP_LEVEL_NAMES, file, '');
  const environments = config.environments;
  if (environments === undefined) return;
  if (environments === null || typeof environments !== 'object' || Array.isArray(environments)) {
    throw new ConfigError('config', `${file}: environments must be an object of named environments`, { hint: "e.g. environments: { prod: { db: process.env.PROD_DATABASE_URL, protected: true } }" });
  }
  for (const [name, environment] of Object.entries(environments as Record<string, unknown>)) {
    if (environment === null || typeof environment !== 'object' || Array.isArray(environment)) {
      throw new ConfigError('config', `${file}: environments.${name} must be an object of options`, { hint: `e.g. ${name}: { db: "…" }` });
    }
    check(Object.keys(environment), ENVIRONMENT_NAMES, file, `environments.${name}.`);
  }
}

function check(keys: readonly string[], known: readonly string[], file: string, prefix: string): void {
  for (const key of keys) {
    if (known.includes(key)) continue;
    const nearest = nearestName(key, known);
    throw new ConfigError('config', `unknown option "${prefix}${key}" in ${file}${nearest ? `: did you mean "${nearest}"?` : ''}`, {
      hint: nearest ? `rename it to ${nearest}` : `known options: ${known.join(', ')}`,
    });
  }
}
