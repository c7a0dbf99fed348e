/**
 * Finds and loads `strata.config.{mjs,js,ts,json}`. `.mjs`/`.js` load natively (what `init`
 * writes, so start-up needs no TypeScript loader); `.ts` loads through jiti only when present.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, importModule, type StrataConfig } from '../index.js';
import { assertKnownConfigKeys } from './config-keys.js';

export const CONFIG_NAMES = ['strata.config.mjs', 'strata.config.js', 'strata.config.ts', 'strata.config.json'] as const;

export interface LoadedConfig {
  readonly file: string | null;
  /** Folder that relative paths in the config resolve from. */
  readonly folder: string;
  readonly config: StrataConfig;
}

export async function loadConfig(cwd: string, explicit: string | undefined): Promise<LoadedConfig> {
  let file: string | null = null;
  if (explicit !== undefined) {
    file = resolve(cwd, explicit);
    if (!existsSync(file)) throw new ConfigError('config', `config file not found: ${explicit}`, { hint: 'check --config, or run `strata init`' });
  } else {
    const present = CONFIG_NAMES.filter((name) => existsSync(resolve(cwd, name)));
    if (present.length > 1) {
      throw new ConfigError('config', `two config files: ${present.join(' and ')}`, { hint: 'keep one of them' });
    }
    file = present[0] ? resolve(cwd, present[0]) : null;
  }
  if (file === null) return { file: null, folder: cwd, config: {} };

  let config: unknown;
  try {
    if (file.endsWith('.json')) {
      config = JSON.parse(readFileSync(file, 'utf8'));
    } else if (/\.[cm]?ts$/.test(file)) {
      const module = await importModule(file);
      config = module.default ?? module;
    } else {
      const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
      config = module.default ?? module;
    }
  } catch (error) {
    throw new ConfigError('config', `cannot load ${file}: ${error instanceof Error ? error.message : String(error)}`, { hint: 'fix the config file' }, { cause: error });
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ConfigError('config', `${file} must export an object`, { hint: 'export default { db: "sqlite:./data/app.db", dir: "migrations" }' });
  }
  assertKnownConfigKeys(config as Record<string, unknown>, file);
  return { file, folder: dirname(file), config: config as StrataConfig };
}
