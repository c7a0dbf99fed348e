#!/usr/bin/env node
// Prints how long `strata dump` takes on a schema of 1,000 tables with an index each, on
// each dialect: the whole command (a new `strata` process, as a user runs it) and the library
// call (m.dump() on an open migrator), the median of 3 runs each. Needs `npm run build` first.
//   node scripts/dump-figures.mjs [sqlite] [postgres] [mysql]   (default: all three)
// Servers: PostgreSQL 127.0.0.1:5432 (postgres), MariaDB/MySQL 127.0.0.1:3306 (root), or
// STRATA_TEST_PG_URL / STRATA_TEST_MYSQL_URL. Each run uses a new database, dropped after.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(REPO, 'bin/strata.js');
const { createMigrator } = await import(join(REPO, 'dist/index.js'));
const TABLES = 1000;
const RUNS = 3;
const PG_URL = process.env.STRATA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = process.env.STRATA_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

const table = (i) => `t${String(i).padStart(4, '0')}`;
const ddl = (i, type) => [
  `CREATE TABLE ${table(i)} (id ${type} PRIMARY KEY, name VARCHAR(100) NOT NULL, created_at TIMESTAMP, amount DECIMAL(10,2) DEFAULT 0)`,
  `CREATE INDEX ${table(i)}_name ON ${table(i)} (name)`,
];

const withDatabase = {
  async sqlite(fn) {
    const dir = mkdtempSync(join(tmpdir(), 'strata-dump-figures-'));
    const { default: Database } = await import('better-sqlite3');
    const file = join(dir, 'app.db');
    const db = new Database(file);
    db.exec(`BEGIN; ${Array.from({ length: TABLES }, (_, i) => ddl(i, 'INTEGER').join(';')).join(';')}; COMMIT`);
    db.close();
    try {
      return await fn(`sqlite:${file}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  async postgres(fn) {
    const { default: pg } = await import('pg');
    const name = `strata_dumpfig_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    try {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      await client.query(Array.from({ length: TABLES }, (_, i) => ddl(i, 'integer').join(';')).join(';'));
      await client.end();
      return await fn(url.toString());
    } finally {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    }
  },
  async mysql(fn) {
    const mysql = await import('mysql2/promise');
    const name = `strata_dumpfig_${randomBytes(4).toString('hex')}`;
    const admin = await mysql.createConnection({ uri: MYSQL_URL });
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(MYSQL_URL);
    url.pathname = `/${name}`;
    try {
      const connection = await mysql.createConnection({ uri: url.toString(), multipleStatements: true });
      for (let i = 0; i < TABLES; i += 100) {
        await connection.query(Array.from({ length: 100 }, (_, k) => ddl(i + k, 'INT').join(';')).join(';'));
      }
      await connection.end();
      return await fn(url.toString());
    } finally {
      await admin.query(`DROP DATABASE ${name}`);
      await admin.end();
    }
  },
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(dialect) {
  return withDatabase[dialect](async (url) => {
    const out = join(tmpdir(), `strata-dump-figures-${process.pid}.sql`);
    const command = [];
    for (let run = 0; run < RUNS; run++) {
      const started = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [BIN, 'dump', '--db', url, '--out', out], { encoding: 'utf8' });
      command.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (r.status !== 0) throw new Error(`strata dump failed on ${dialect}: ${r.stderr}`);
    }
    const bytes = statSync(out).size;
    const objects = (readFileSync(out, 'utf8').match(/^CREATE /gm) ?? []).length;
    rmSync(out, { force: true });
    const library = [];
    const m = await createMigrator({ db: url, dir: 'migrations' });
    try {
      for (let run = 0; run < RUNS; run++) {
        const started = process.hrtime.bigint();
        await m.dump();
        library.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    } finally {
      await m.close();
    }
    return { dialect, objects, bytes, command: median(command), library: median(library) };
  });
}

const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['sqlite', 'postgres', 'mysql'];
console.log(`strata dump: ${TABLES} tables with an index each; median of ${RUNS} runs`);
console.log('dialect    objects  dump size   strata dump (process)   m.dump() (library)');
for (const dialect of chosen) {
  if (!withDatabase[dialect]) throw new Error(`unknown dialect ${dialect}: use sqlite, postgres or mysql`);
  const f = await measure(dialect);
  console.log(`${f.dialect.padEnd(10)} ${String(f.objects).padStart(7)}  ${`${(f.bytes / 1024).toFixed(0)} KiB`.padStart(9)}   ${`${f.command.toFixed(0)} ms`.padStart(21)}   ${`${f.library.toFixed(0)} ms`.padStart(18)}`);
}
