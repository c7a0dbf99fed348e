/**
 * Loads a driver package (better-sqlite3, pg, mysql2) the application installed. They are
 * CommonJS packages: `require` loads them directly, where `import()` would first run Node's
 * CommonJS-to-ESM translation over every file (several milliseconds of start-up each).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConfigError } from '../core/errors.js';

const requirePeer = createRequire(import.meta.url);
const loaded = new Map<string, unknown>();

export function loadPeer<T>(name: string, what: string): T {
  let module = loaded.get(name);
  if (module === undefined) {
    try {
      module = requirePeer(name);
    } catch (error) {
      const base = name.split('/')[0];
      throw new ConfigError('config', `the ${what} driver is not installed`, { hint: `run \`npm install ${base}\`` }, { cause: error });
    }
    loaded.set(name, module);
  }
  return module as T;
}

/**
 * better-sqlite3's compiled addon, found without its `bindings` helper (which probes a dozen
 * paths with a syscall each on every first open); undefined where the build is elsewhere,
 * and better-sqlite3 then finds it itself.
 */
export function sqliteAddonPath(): string | undefined {
  if (addonPath === null) {
    try {
      const candidate = join(dirname(requirePeer.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
      addonPath = existsSync(candidate) ? candidate : undefined;
    } catch {
      addonPath = undefined;
    }
  }
  return addonPath;
}
let addonPath: string | undefined | null = null;
