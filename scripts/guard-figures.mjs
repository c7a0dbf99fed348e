#!/usr/bin/env node
// The cost of the first-run check over other tools' history tables (§12): ONE catalog query
// (`Driver.historyTables().find`) for every table looked for, on a database that already has
// N ordinary tables (the brownfield case the check is for). Makes a throw-away database per
// dialect (SQLite temp file; PostgreSQL and MariaDB on 127.0.0.1, as the tests use), times
// the query (median of 21 runs), and drops everything.
//   node --import tsx scripts/guard-figures.mjs [tables]   (default 1000)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openDriver } from '../src/drivers/load-driver.ts';
import { TOOLS } from '../src/adopt/tools.ts';

const tables = Number(process.argv[2] ?? 1000);
const refs = [...[...TOOLS.values()].flatMap((t) => (t.history ? [t.history.ref] : [])), { table: 'migrations' }, { table: 'schema_versions' }, { table: '_migrations' }];
const ddl = (i) => `CREATE TABLE app_${i} (id INTEGER PRIMARY KEY, a VARCHAR(20), b INTEGER, c VARCHAR(40), d INTEGER)`;
const options = { table: 'strata_migrations', schema: null, lock: 'auto', leaseTtlMs: 30000, ddlLockTimeoutMs: 0, statementTimeoutMs: 0, lockTimeoutMs: 1000, userVersion: false, runId: 'figures', createDirectory: false };

async function measure(name, url) {
  const driver = await openDriver(url, options);
  try {
    const history = driver.historyTables();
    const times = [];
    for (let i = 0; i < 21; i++) {
      const started = performance.now();
      await history.find(refs);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    console.log(`${name.padEnd(9)} ${tables} tables, ${refs.length} tables looked for: one query, median ${times[10].toFixed(2)} ms (min ${times[0].toFixed(2)}, max ${times[20].toFixed(2)})`);
  } finally {
    await driver.close();
  }
}

const database = `strata_guard_figures_${process.pid}`;
const folder = mkdtempSync(join(tmpdir(), 'strata-guard-figures-'));
try {
  const Database = (await import('better-sqlite3')).default;
  const file = join(folder, 'app.db');
  const db = new Database(file);
  db.transaction(() => { for (let i = 0; i < tables; i++) db.exec(ddl(i)); })();
  db.close();
  await measure('sqlite', `sqlite:${file}`);

  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  try {
    const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${database}` });
    await c.connect();
    await c.query(Array.from({ length: tables }, (_, i) => ddl(i)).join(';'));
    await c.end();
    await measure('postgres', `postgres://postgres@127.0.0.1:5432/${database}`);
  } finally {
    await admin.query(`DROP DATABASE ${database}`);
    await admin.end();
  }

  const root = await mysql.createConnection({ uri: 'mysql://root@127.0.0.1:3306/', multipleStatements: true });
  await root.query(`CREATE DATABASE ${database}`);
  try {
    await root.query(`USE ${database}; ${Array.from({ length: tables }, (_, i) => ddl(i)).join(';')}`);
    await measure('mysql', `mysql://root@127.0.0.1:3306/${database}`);
  } finally {
    await root.query(`DROP DATABASE ${database}`);
    await root.end();
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
