#!/usr/bin/env node
// Backup figures for a ~1 GB SQLite file (issue 15): makes the file in a temp folder, then
// times strata's own `backup()` (SQLite's online backup API) and `restore()` through the
// built library (run `npm run build` first), prints the figures, and deletes everything.
//   node scripts/backup-figures.mjs [sizeMB]   (default 1024)
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createMigrator } from '../dist/index.js';

const sizeMb = Number(process.argv[2] ?? 1024);
const folder = mkdtempSync(join(tmpdir(), 'strata-backup-figures-'));
const file = join(folder, 'big.db');
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

try {
  mkdirSync(join(folder, 'migrations'));
  const started = performance.now();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  // 1 KB rows, 64 MB per transaction.
  const batch = db.prepare(`WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 65536)
    INSERT INTO blobs (body) SELECT randomblob(1000) FROM n`);
  for (let written = 0; written < sizeMb; written += 64) db.transaction(() => batch.run())();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const size = statSync(file).size;
  console.log(`database: ${mb(size)} (${size} bytes), made in ${seconds(performance.now() - started)}`);

  const migrator = await createMigrator({ db: `sqlite:${file}`, dir: join(folder, 'migrations'), cwd: folder });
  try {
    const backupStarted = performance.now();
    const made = await migrator.backup();
    const backupMs = performance.now() - backupStarted;
    console.log(`backup:   ${seconds(backupMs)} for ${mb(made.sizeBytes)} (${(made.sizeBytes / 1024 / 1024 / (backupMs / 1000)).toFixed(0)} MB/s) → ${made.file}`);

    const restoreStarted = performance.now();
    await migrator.restore(made.file);
    const restoreMs = performance.now() - restoreStarted;
    console.log(`restore:  ${seconds(restoreMs)} (${(size / 1024 / 1024 / (restoreMs / 1000)).toFixed(0)} MB/s)`);
  } finally {
    await migrator.close();
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
  console.log(`removed ${folder}`);
}
