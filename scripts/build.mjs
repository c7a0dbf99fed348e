#!/usr/bin/env node
// Builds dist/: type declarations from tsc, and the code bundled by esbuild into a few ES
// modules. Start-up is on every deploy's path, and Node's ESM loader spends more time
// resolving and linking ~50 small modules than running them: dist/index.js (the library)
// and dist/cli.js (the command line) share chunks under dist/chunks/; each driver is its own
// chunk, loaded only for its dialect. The database drivers and jiti stay external (peers,
// and a loader only code migrations need).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
rmSync('dist', { recursive: true, force: true });

const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

await build({
  entryPoints: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'pg', 'mysql2', 'mysql2/*', 'jiti'],
  // commander is CommonJS: its require() of Node built-ins needs a real require in ESM.
  banner: { js: "import { createRequire as __strataCreateRequire } from 'node:module';\nconst require = __strataCreateRequire(import.meta.url);" },
  legalComments: 'inline',
  logLevel: 'warning',
});
