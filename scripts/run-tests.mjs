#!/usr/bin/env node
// Runs every test file under test/ with node's test runner and the tsx loader.
// STRATA_TEST_DIALECTS (default "sqlite,postgres,mysql") selects the dialect matrix; a listed
// dialect whose server cannot be reached fails its tests — it is never skipped silently.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const filter = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts') && (filter.length === 0 || filter.some((f) => path.includes(f)))) files.push(path);
  }
})('test');

const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=4', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
