#!/usr/bin/env node
// The reliability suite (docs/reliability.md): crashes, signals, races, printed = committed,
// bad input, properties, secrets and real projects' migrations, against the real servers.
// `npm run reliability` runs the short mode (what .ci/run runs on every landing);
// `npm run reliability -- --long` the long one, whose figures go in closing notes.
// Each file under reliability/ reads RELIABILITY_MODE (short | long) through ./support/mode.ts.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const long = args.includes('--long');
const filter = args.filter((a) => !a.startsWith('--'));
const dir = join(root, 'reliability');
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.test.ts') && (filter.length === 0 || filter.some((f) => name.includes(f))))
  .sort()
  .map((name) => join('reliability', name));

const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, RELIABILITY_MODE: long ? 'long' : 'short' },
});
process.exit(result.status ?? 1);
