/**
 * Imports a TypeScript or JavaScript file without a build step (jiti), with `strata-migrate`
 * aliased to the running strata: a globally installed CLI then works in a project that does
 * not depend on strata itself. Used for code migrations and for `strata.config.ts`.
 */
import { existsSync } from 'node:fs';
import { strataPackage } from './package-info.js';

type Jiti = { import(id: string, options?: { default?: boolean }): Promise<unknown> };
let jiti: Jiti | undefined;

export async function importModule(path: string): Promise<Record<string, unknown>> {
  if (!jiti) {
    const { createJiti } = await import('jiti');
    const { entry } = strataPackage();
    const self = existsSync(entry) ? entry : undefined;
    jiti = createJiti(import.meta.url, {
      alias: self ? { 'strata-migrate': self } : {},
      // Read-only commands never write files, so no transform cache on disk; a module cache
      // would hide an edited migration from a long-running process.
      fsCache: false,
      moduleCache: false,
      interopDefault: false,
    }) as Jiti;
  }
  return (await jiti.import(path)) as Record<string, unknown>;
}
