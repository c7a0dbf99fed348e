/**
 * strata's own package: its root folder and version, found by walking up from this module
 * (src/ under the test runner, dist/ or a bundled chunk under dist/ when installed).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageInfo {
  readonly root: string;
  readonly version: string;
  /** The entry a user's `import 'strata-migrate'` should get: the code running now. */
  readonly entry: string;
}

let found: PackageInfo | undefined;

export function strataPackage(): PackageInfo {
  if (found) return found;
  const here = fileURLToPath(import.meta.url);
  for (let dir = dirname(here), depth = 0; depth < 8; dir = dirname(dir), depth++) {
    let manifest: { name?: string; version?: string };
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as typeof manifest;
    } catch {
      continue;
    }
    if (manifest.name !== 'strata-migrate') continue;
    const fromDist = here.startsWith(join(dir, 'dist') + sep);
    found = { root: dir, version: manifest.version ?? '0.0.0', entry: fromDist ? join(dir, 'dist', 'index.js') : join(dir, 'src', 'index.ts') };
    return found;
  }
  throw new Error(`strata cannot find its own package.json above ${here}`);
}
