#!/usr/bin/env node
// db.batch (keyset pagination, a checkpoint committed with each batch) against the loop the
// seed projects wrote (`SELECT … ORDER BY id LIMIT n OFFSET k`, then an UPDATE of that range),
// backfilling one column over a table of --rows rows on each dialect. Each method runs in its
// own child process (so its peak memory is its own) on its own copy of the table; prints rows
// per second over the first and the last 5 % of the rows, the whole run, and the peak RSS.
//
//   npm run build && node bench/batch.mjs --rows 1000000 [--size 1000] [--dialect sqlite,postgres,mysql]
//
// Not a test: nothing is asserted but that every row was backfilled.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DIALECTS, freshDatabase, query } from './lib/db.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

if (args[0] === '--child') await child(args[1], args[2], args[3], args[4], Number(args[5]), Number(args[6]));
else await parent();

async function parent() {
  const rows = Number(opt('rows', '1000000'));
  const size = Number(opt('size', '1000'));
  const dialects = opt('dialect', DIALECTS.join(',')).split(',');
  const results = [];
  for (const dialect of dialects) {
    const db = await freshDatabase(dialect);
    try {
      const seedStarted = performance.now();
      await seed(db, ['t_keyset', 't_offset'], rows);
      process.stderr.write(`${dialect}: seeded 2 × ${rows.toLocaleString('en-US')} rows in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s\n`);
      for (const [method, table] of [['db.batch', 't_keyset'], ['offset', 't_offset']]) {
        const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', method, dialect, db.url, table, String(rows), String(size)], { encoding: 'utf8', maxBuffer: 1 << 24 });
        if (run.status !== 0) throw new Error(`${dialect} ${method} failed (exit ${run.status}): ${run.stderr}`);
        const figures = JSON.parse(run.stdout.trim().split('\n').pop());
        const left = Number((await query(db, `SELECT count(*) AS n FROM ${table} WHERE w IS NULL`))[0].n);
        results.push({ dialect, method, ...figures, notBackfilled: left });
        process.stderr.write(`${dialect} ${method}: ${JSON.stringify(figures)}\n`);
      }
    } finally {
      await db.drop();
    }
  }
  const pad = (s, n) => String(s).padStart(n);
  console.log(`backfill of ${rows.toLocaleString('en-US')} rows, ${size} per batch (rows/s over the first and last 5 % of the rows)`);
  console.log(`${'dialect'.padEnd(9)}${'method'.padEnd(10)}${pad('start r/s', 11)}${pad('end r/s', 11)}${pad('total s', 10)}${pad('peak RSS MB', 13)}${pad('missed', 8)}`);
  for (const r of results) {
    console.log(`${r.dialect.padEnd(9)}${r.method.padEnd(10)}${pad(r.startRps.toLocaleString('en-US'), 11)}${pad(r.endRps.toLocaleString('en-US'), 11)}${pad(r.seconds.toFixed(1), 10)}${pad(r.peakRssMb, 13)}${pad(r.notBackfilled, 8)}`);
  }
  process.exit(0);
}

/** Two identical tables of `rows` rows: id 1…rows, v, and w (NULL) to backfill. */
async function seed(db, tables, rows) {
  const ddl = (t) => `CREATE TABLE ${t} (id INTEGER NOT NULL PRIMARY KEY, v INTEGER NOT NULL, w INTEGER NULL)`;
  if (db.dialect === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const c = new Database(db.path);
    c.pragma('journal_mode = WAL');
    for (const t of tables) {
      c.exec(ddl(t));
      c.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows}) INSERT INTO ${t} (id, v) SELECT i, i % 1000 FROM n`);
    }
    c.close();
  } else if (db.dialect === 'postgres') {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    for (const t of tables) {
      await c.query(ddl(t));
      await c.query(`INSERT INTO ${t} (id, v) SELECT g, g % 1000 FROM generate_series(1, ${rows}) g`);
      await c.query(`ANALYZE ${t}`);
    }
    await c.end();
  } else {
    const mysql = await import('mysql2/promise');
    const c = await mysql.createConnection(db.url);
    for (const t of tables) {
      await c.query(ddl(t));
      for (let from = 1; from <= rows; from += 10_000) {
        const values = [];
        for (let i = from; i < Math.min(from + 10_000, rows + 1); i++) values.push(`(${i},${i % 1000})`);
        await c.query(`INSERT INTO ${t} (id, v) VALUES ${values.join(',')}`);
      }
      await c.query(`ANALYZE TABLE ${t}`);
    }
    await c.end();
  }
}

/** One method on one table; prints its figures as one JSON line. */
async function child(method, dialect, url, table, rows, size) {
  const marks = []; // [ms since start, rows done]
  let started = 0;
  const mark = (done) => marks.push([performance.now() - started, done]);
  const update = `UPDATE ${table} SET w = v * 2 WHERE id >= ${dialect === 'postgres' ? '$1' : '?'} AND id <= ${dialect === 'postgres' ? '$2' : '?'}`;
  if (method === 'db.batch') {
    const { migrate } = await import('../dist/index.js');
    // Timed from the migration's start: connecting, locking and creating the tracking tables are not the walk.
    await migrate({
      db: url,
      table: 'strata_migrations',
      onEvent: (e) => {
        if (e.type === 'migration-start') started = performance.now();
        if (e.type === 'batch-progress') mark(e.done);
      },
      migrations: [{
        id: '001_backfill',
        transaction: false,
        up: (db) => db.batch({ table, size, columns: ['id'] }, async (batch) => {
          await db.run(update, [batch[0].id, batch[batch.length - 1].id]);
        }),
      }],
    });
  } else {
    const c = await connect(dialect, url);
    started = performance.now();
    for (let offset = 0; ; offset += size) {
      const batch = await c.query(`SELECT id FROM ${table} ORDER BY id LIMIT ${size} OFFSET ${offset}`);
      if (batch.length === 0) break;
      await c.run(update, [batch[0].id, batch[batch.length - 1].id]);
      mark(offset + batch.length);
      if (batch.length < size) break;
    }
    await c.end();
  }
  const total = marks.at(-1);
  if (!total || total[1] !== rows) throw new Error(`walked ${total?.[1]} rows of ${rows}`);
  const fifth = rows * 0.05;
  const head = marks.find(([, done]) => done >= fifth);
  const tailStart = marks.findLast(([, done]) => done <= rows - fifth);
  console.log(JSON.stringify({
    rows,
    seconds: total[0] / 1000,
    startRps: Math.round(head[1] / (head[0] / 1000)),
    endRps: Math.round((rows - tailStart[1]) / ((total[0] - tailStart[0]) / 1000)),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }));
}

/** The raw driver, autocommit: what the seeds' loops used. */
async function connect(dialect, url) {
  if (dialect === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const c = new Database(url.replace(/^sqlite:/, ''));
    return { query: async (sql) => c.prepare(sql).all(), run: async (sql, p) => c.prepare(sql).run(...p), end: async () => c.close() };
  }
  if (dialect === 'postgres') {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return { query: async (sql) => (await c.query(sql)).rows, run: (sql, p) => c.query(sql, p), end: () => c.end() };
  }
  const mysql = await import('mysql2/promise');
  const c = await mysql.createConnection(url);
  return { query: async (sql) => (await c.query(sql))[0], run: (sql, p) => c.execute(sql, p), end: () => c.end() };
}
