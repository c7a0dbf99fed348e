#!/usr/bin/env node
// `strata test` figures (issue 15): 100 migrations (a table, an index, a view each, all with a
// down) round-tripped on a scratch database through the built library (run `npm run build`
// first), on SQLite and on the PostgreSQL / MariaDB servers given; prints the times.
//   node scripts/test-figures.mjs [count] [--pg postgres://postgres@127.0.0.1:5432/postgres] [--mysql mysql://root@127.0.0.1:3306/mysql]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createMigrator } from '../dist/index.js';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? null : args[i + 1];
};
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 100);
const folder = mkdtempSync(join(tmpdir(), 'strata-test-figures-'));

function writeMigrations(dir, mysql) {
  mkdirSync(dir, { recursive: true });
  for (let i = 1; i <= count; i++) {
    const v = String(i).padStart(4, '0');
    const dropIndex = mysql ? `DROP INDEX t${i}_name_idx ON t${i};` : `DROP INDEX t${i}_name_idx;`;
    writeFileSync(join(dir, `${v}_t${i}.sql`), `-- migrate:up
CREATE TABLE t${i} (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);
CREATE INDEX t${i}_name_idx ON t${i} (name);
CREATE VIEW v${i} AS SELECT id, name FROM t${i};
-- migrate:down
DROP VIEW v${i};
${dropIndex}
DROP TABLE t${i};
`);
  }
}

async function figure(label, db, mysql = false) {
  const dir = join(folder, label, 'migrations');
  writeMigrations(dir, mysql);
  const migrator = await createMigrator({ db, dir });
  try {
    const started = performance.now();
    const result = await migrator.test();
    const ms = performance.now() - started;
    if (!result.ok) throw new Error(`${label}: ${JSON.stringify(result.failures.slice(0, 2))}`);
    console.log(`${label}: strata test, ${result.tested.length} migrations: ${(ms / 1000).toFixed(1)} s (${(ms / result.tested.length).toFixed(0)} ms per migration: 4 schema reads, up, down, up)`);
  } finally {
    await migrator.close();
  }
}

try {
  await figure('sqlite', `sqlite:${join(folder, 'app.db')}`);
  const pg = option('--pg');
  if (pg) await figure('postgres', pg);
  const my = option('--mysql');
  if (my) await figure('mysql', my, true);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
