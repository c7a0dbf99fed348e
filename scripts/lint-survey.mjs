#!/usr/bin/env node
// The lint (SPEC §11) over real projects' migration sets (reliability/real-world/*, each with
// its SOURCE.md and licence): on a fresh database of the set's dialect (PostgreSQL
// 127.0.0.1:5432, MariaDB 127.0.0.1:3306, a SQLite temp file) it records every migration as
// applied (`baseline`, nothing runs) and runs `strata lint --all --json`, so each migration is
// judged as when it was deployed on its own: the tables of the migrations before it existed.
// Prints the warnings per rule per set. `--samples <n>`: also the first n messages of each rule.
// Needs `npm run build` first. Servers: STRATA_TEST_PG_URL / STRATA_TEST_MYSQL_URL as the tests.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import mysql from 'mysql2/promise';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(REPO, 'bin/strata.js');
const SETS_DIR = join(REPO, 'reliability/real-world');
const PG_URL = process.env.STRATA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MYSQL_URL = process.env.STRATA_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';
const samplesAt = process.argv.indexOf('--samples');
const samples = samplesAt > 0 ? Number(process.argv[samplesAt + 1]) : 0;

const SETS = [
  { name: 'kratos/sqlite', dialect: 'sqlite' },
  { name: 'kratos/postgres', dialect: 'postgres' },
  { name: 'kratos/mysql', dialect: 'mysql' },
  { name: 'harbor/migrations', dialect: 'postgres' },
  { name: 'dolphinscheduler/migrations', dialect: 'mysql' },
  { name: 'temporal/postgres', dialect: 'postgres' },
  { name: 'temporal/postgres-visibility', dialect: 'postgres' },
  { name: 'temporal/mysql', dialect: 'mysql' },
  { name: 'temporal/mysql-visibility', dialect: 'mysql' },
];

async function freshDatabase(dialect) {
  const name = `strata_survey_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'strata-survey-'));
    return { url: `sqlite:${join(dir, 'survey.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (dialect === 'postgres') {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      drop: async () => {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const admin = await mysql.createConnection(MYSQL_URL);
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.end();
  const url = new URL(MYSQL_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = await mysql.createConnection(MYSQL_URL);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

const totals = new Map();
const errorsSeen = new Map();
const cleanups = [];
for (const set of SETS) {
  const db = await freshDatabase(set.dialect);
  try {
    let dir = join(SETS_DIR, set.name);
    const strata = (...args) => spawnSync(process.execPath, [BIN, ...args, '--dir', dir, '--db', db.url], { encoding: 'utf8', cwd: REPO, maxBuffer: 64 << 20 });
    // Files strata refuses to run in a transaction (CONCURRENTLY) would refuse the baseline too:
    // count them, then judge a temp copy where they have the "-- transaction: off" the error asks for.
    const first = JSON.parse(strata('lint', '--json').stdout);
    const refused = [...new Set(first.errors.filter((e) => e.code === 'concurrently-in-transaction').map((e) => e.file))];
    if (refused.length > 0) {
      for (const e of first.errors) errorsSeen.set(e.code, (errorsSeen.get(e.code) ?? 0) + 1);
      console.log(`\n${set.name}: ${first.errors.length} errors before the fix (${[...new Set(first.errors.map((e) => e.code))].join(', ')}) in ${refused.length} files; judged below with "-- transaction: off" added to them`);
      const copy = mkdtempSync(join(tmpdir(), 'strata-survey-set-'));
      cpSync(dir, copy, { recursive: true });
      for (const file of refused) {
        const path = join(copy, basename(file));
        writeFileSync(path, `-- transaction: off\n${readFileSync(path, 'utf8')}`);
      }
      dir = copy;
      cleanups.push(() => rmSync(copy, { recursive: true, force: true }));
    }
    const status = JSON.parse(strata('status', '--json').stdout);
    const last = status.migrations.at(-1).version;
    const baseline = strata('baseline', last, '--yes');
    if (baseline.status !== 0) throw new Error(`${set.name}: baseline ${last} failed: ${baseline.stderr}`);
    const run = strata('lint', '--all', '--json');
    const doc = JSON.parse(run.stdout);
    const findings = [...doc.errors.map((e) => ({ ...e, code: `${e.code} (error)` })), ...doc.warnings];
    const byCode = new Map();
    for (const f of findings) byCode.set(f.code, [...(byCode.get(f.code) ?? []), f]);
    const files = new Set(findings.map((f) => f.file)).size;
    console.log(`\n${set.name} (${set.dialect}, read by ${doc.parser === 'database' ? "the server's parser" : "strata's tokens"}): ${findings.length} findings in ${files} files, exit ${run.status}`);
    for (const [code, list] of [...byCode].sort((a, b) => b[1].length - a[1].length)) {
      console.log(`  ${code.padEnd(34)} ${String(list.length).padStart(5)}`);
      totals.set(code, (totals.get(code) ?? 0) + list.length);
      for (const f of list.slice(0, samples)) console.log(`      ${f.message.split(': ').slice(0, 2).join(': ')}`);
    }
  } finally {
    await db.drop();
  }
}
for (const cleanup of cleanups) cleanup();
console.log('\nall sets:');
for (const [code, n] of [...totals].sort((a, b) => b[1] - a[1])) console.log(`  ${code.padEnd(34)} ${String(n).padStart(5)}`);
for (const [code, n] of errorsSeen) console.log(`  ${`${code} (error, before the fix)`.padEnd(34)} ${String(n).padStart(5)}`);
