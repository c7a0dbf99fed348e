/**
 * Waiting on the application's locks (SPEC §6), on the machine's PostgreSQL and MariaDB. DDL
 * that waits for a table lock blocks every query queued behind it; strata bounds the wait
 * with `--ddl-lock-timeout`, retries `ddlRetries` times, then fails naming the file, line and
 * table. Here a second session holds a lock on `t` in an open transaction (the application),
 * strata's `ALTER TABLE t ADD COLUMN` waits for it, and a third session's plain SELECT on `t`
 * — queued behind strata's ALTER — is timed: it is never blocked longer than the timeout.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type mysqlTypes from 'mysql2/promise';
import type pg from 'pg';
import { freshMysql, mysqlConnection } from '../support/mysql.js';
import { freshPostgres, pgClient } from '../support/postgres.js';
import { type CliResult, type Project, project, strata } from '../support/project.js';
import { since } from '../support/servers.js';
import { notListed, type DialectName } from '../support/dialects.js';

const TIMEOUT_S = 1;
/** What the third session's query may take beyond the timeout: scheduling, round trips, a loaded CI machine. */
const MARGIN_MS = 1_000;

/** One dialect's way of playing the application: holding a lock, seeing strata wait, querying t. */
interface Server {
  readonly url: string;
  /** Migration 002's statement. */
  readonly addColumn: string;
  /** Session 2: an open transaction holding a lock on t (until `release`). */
  holdLock(): Promise<{ release(): Promise<void> }>;
  /** Whether strata's ALTER TABLE t is waiting for a lock right now. */
  alterWaiting(): Promise<boolean>;
  /** Session 3: a plain SELECT on t, and how long it took (ms). */
  selectLatency(): Promise<number>;
  columnExists(): Promise<boolean>;
  /** `version:status` of every log row. */
  log(): Promise<string[]>;
  close(): Promise<void>;
}

async function postgresServer(): Promise<Server> {
  const db = await freshPostgres();
  const watcher = await pgClient(db.database);
  const third = await pgClient(db.database);
  const holders: pg.Client[] = [];
  return {
    url: db.url,
    addColumn: 'ALTER TABLE t ADD COLUMN note text',
    async holdLock() {
      const holder = await pgClient(db.database);
      holders.push(holder);
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE t IN ACCESS SHARE MODE');
      return { release: async () => void (await holder.query('COMMIT')) };
    },
    async alterWaiting() {
      const { rows } = await watcher.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'strata %'
           AND wait_event_type = 'Lock' AND query LIKE '%ALTER TABLE t ADD COLUMN note%'`,
      );
      return rows.length > 0;
    },
    async selectLatency() {
      const started = performance.now();
      await third.query('SELECT count(*) FROM t');
      return since(started);
    },
    async columnExists() {
      const { rows } = await watcher.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'note'`);
      return rows.length === 1;
    },
    async log() {
      const { rows } = await watcher.query('SELECT version, status FROM strata_migrations_log ORDER BY id');
      return rows.map((r) => `${r.version}:${r.status}`);
    },
    async close() {
      for (const client of [watcher, third, ...holders]) await client.end().catch(() => undefined);
      await db.drop();
    },
  };
}

async function mysqlServer(): Promise<Server> {
  const db = await freshMysql();
  const watcher = await mysqlConnection(db.database);
  const third = await mysqlConnection(db.database);
  const holders: mysqlTypes.Connection[] = [];
  const rows = async (sql: string, params: unknown[] = []) => (await watcher.query<mysqlTypes.RowDataPacket[]>(sql, params))[0];
  return {
    url: db.url,
    addColumn: 'ALTER TABLE t ADD COLUMN note VARCHAR(20)',
    async holdLock() {
      const holder = await mysqlConnection(db.database);
      holders.push(holder);
      // A read in an open transaction holds t's metadata lock until the transaction ends.
      await holder.query('START TRANSACTION');
      await holder.query('SELECT COUNT(*) FROM t');
      return { release: async () => void (await holder.query('COMMIT')) };
    },
    async alterWaiting() {
      const found = await rows(
        `SELECT 1 FROM information_schema.PROCESSLIST WHERE DB = ? AND STATE = 'Waiting for table metadata lock' AND INFO LIKE 'ALTER TABLE t ADD COLUMN note%'`,
        [db.database],
      );
      return found.length > 0;
    },
    async selectLatency() {
      const started = performance.now();
      await third.query('SELECT COUNT(*) FROM t');
      return since(started);
    },
    async columnExists() {
      return (await rows(`SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't' AND COLUMN_NAME = 'note'`, [db.database])).length === 1;
    },
    async log() {
      return (await rows('SELECT version, status FROM strata_migrations_log ORDER BY id')).map((r) => `${r.version}:${r.status}`);
    },
    async close() {
      for (const connection of [watcher, third, ...holders]) connection.destroy();
      await db.drop();
    },
  };
}

const SERVERS = { postgres: postgresServer, mysql: mysqlServer } as const;

/**
 * Runs `strata up` and, each time its ALTER starts waiting for the lock, times a SELECT on t
 * from the third session (issued while the ALTER waits). `onFirstWait` runs at the first wait.
 */
async function upWhileProbing(server: Server, p: Project, onFirstWait: () => void = () => undefined) {
  const started = performance.now();
  const run = strata(['up', '--json', '--ddl-lock-timeout', String(TIMEOUT_S), '--db', server.url], { cwd: p.dir, timeoutMs: 60_000 });
  let finished = false;
  const result = run.finally(() => {
    finished = true;
  });
  const latencies: Promise<number>[] = [];
  let waiting = false;
  while (!finished) {
    const now = await server.alterWaiting();
    if (now && !waiting) {
      // A new attempt is waiting: the application's query now queues behind it.
      if (latencies.length === 0) onFirstWait();
      latencies.push(server.selectLatency());
    }
    waiting = now;
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  const cli: CliResult = await result;
  return { cli, latencies: await Promise.all(latencies), wallMs: since(started) };
}

function files(addColumn: string): Record<string, string> {
  return {
    '001_create_t.sql': '-- Create t\nCREATE TABLE t (id INT PRIMARY KEY);\nINSERT INTO t (id) VALUES (1), (2), (3);\n',
    '002_add_note.sql': `-- Add a note to t\n${addColumn};\n`,
  };
}

for (const [dialect, open] of Object.entries(SERVERS)) {
  test(`${dialect}: an ALTER waiting on the application's lock retries ddlRetries times, then fails ddl-lock-timeout naming file, line and table; the application's queries wait at most the timeout`, { timeout: 90_000, skip: notListed(dialect as DialectName) }, async (t) => {
    const server = await open();
    const p = project(files(server.addColumn));
    try {
      p.write('strata.config.json', JSON.stringify({ ddlRetries: 2 }));
      const first = await strata(['up', '--target', '001', '--db', server.url], { cwd: p.dir });
      assert.equal(first.code, 0, first.stderr);
      const holder = await server.holdLock();

      const { cli, latencies, wallMs } = await upWhileProbing(server, p);
      await holder.release();

      assert.equal(cli.code, 1, cli.stderr);
      const error = cli.json().error;
      assert.equal(error.code, 'ddl-lock-timeout');
      assert.equal(error.file, 'migrations/002_add_note.sql');
      assert.equal(error.line, 2);
      assert.equal(error.migration, '002_add_note');
      assert.match(error.message, /^migrations\/002_add_note\.sql failed at line 2: waited too long for a lock on table t \(2 retries\)/);
      assert.match(error.hint, /another session holds a lock on t/);
      assert.match(cli.stderr, /strata: 002 waited too long for a lock on t; retrying \(1\)/);
      assert.match(cli.stderr, /strata: 002 waited too long for a lock on t; retrying \(2\)/);
      assert.doesNotMatch(cli.stderr, /retrying \(3\)/);
      assert.equal(await server.columnExists(), false);
      // Nothing of 002 is recorded but its failure: no dirty row to repair.
      assert.deepEqual(await server.log(), ['001:success', '002:failed']);
      const status = await strata(['status', '--json', '--db', server.url], { cwd: p.dir });
      assert.deepEqual(status.json().migrations.map((m: { version: string; state: string }) => `${m.version}:${m.state}`), ['001:applied', '002:failed']);

      // Three attempts, each waited on; the application's SELECT queued behind each and got
      // through as soon as strata gave up — within the timeout.
      assert.ok(latencies.length >= 2, `the waiting ALTER was seen in ${latencies.length} attempts`);
      for (const ms of latencies) assert.ok(ms < TIMEOUT_S * 1000 + MARGIN_MS, `a SELECT on t took ${ms} ms behind strata's ALTER (timeout ${TIMEOUT_S} s)`);
      // Three waits of the timeout, plus backoff: strata gave up promptly.
      assert.ok(wallMs >= 3 * TIMEOUT_S * 1000, `strata failed after ${wallMs} ms`);
      t.diagnostic(`${dialect} ddl-lock-timeout ${TIMEOUT_S} s, ddlRetries 2: failed (exit 1) after ${wallMs} ms; application SELECT latencies behind the waiting ALTER: ${latencies.join(', ')} ms`);
    } finally {
      p.cleanup();
      await server.close();
    }
  });

  test(`${dialect}: when the application releases its lock in time, the ALTER succeeds on a retry (exit 0, column added, one success)`, { timeout: 90_000, skip: notListed(dialect as DialectName) }, async (t) => {
    const server = await open();
    const p = project(files(server.addColumn));
    try {
      p.write('strata.config.json', JSON.stringify({ ddlRetries: 3 }));
      const first = await strata(['up', '--target', '001', '--db', server.url], { cwd: p.dir });
      assert.equal(first.code, 0, first.stderr);
      const holder = await server.holdLock();
      let released: Promise<void> | null = null;
      // The application commits 1.5 s after strata's ALTER started waiting: after the first
      // attempt gave up (1 s), during a retry.
      const { cli, latencies, wallMs } = await upWhileProbing(server, p, () => {
        released = new Promise((resolve) => setTimeout(resolve, 1_500)).then(() => holder.release());
      });
      await released;

      assert.equal(cli.code, 0, cli.stderr);
      assert.deepEqual(cli.json().applied, ['002']);
      assert.match(cli.stderr, /strata: 002 waited too long for a lock on t; retrying \(1\)/);
      assert.equal(await server.columnExists(), true);
      assert.deepEqual(await server.log(), ['001:success', '002:success'], 'one success, no failure logged for the retried attempts');
      for (const ms of latencies) assert.ok(ms < TIMEOUT_S * 1000 + MARGIN_MS, `a SELECT on t took ${ms} ms behind strata's ALTER`);
      t.diagnostic(`${dialect} lock released after 1.5 s (timeout ${TIMEOUT_S} s, ddlRetries 3): applied on retry after ${wallMs} ms; application SELECT latencies: ${latencies.join(', ')} ms`);
    } finally {
      p.cleanup();
      await server.close();
    }
  });
}

test('mysql: a code migration whose second statement waits too long for the lock stays dirty, 1 statement done (its first statement took effect)', { timeout: 60_000, skip: notListed('mysql') }, async () => {
  const server = await mysqlServer();
  const p = project({
    '001_create_t.sql': '-- Create t\nCREATE TABLE t (id INT PRIMARY KEY);\n',
    '002_side_and_note.mjs': `export async function up(db) {
  await db.exec('CREATE TABLE side (id INT PRIMARY KEY)');
  await db.exec('ALTER TABLE t ADD COLUMN note VARCHAR(20)');
}
`,
  });
  try {
    const first = await strata(['up', '--target', '001', '--db', server.url], { cwd: p.dir });
    assert.equal(first.code, 0, first.stderr);
    const holder = await server.holdLock();
    const failed = await strata(['up', '--json', '--ddl-lock-timeout', String(TIMEOUT_S), '--db', server.url], { cwd: p.dir, timeoutMs: 30_000 });
    await holder.release();
    assert.equal(failed.code, 1, failed.stderr);
    assert.equal(failed.json().error.code, 'ddl-lock-timeout');
    assert.equal(failed.json().error.line, 3);
    // CREATE TABLE side committed before the ALTER timed out: the row must stay dirty, not be
    // withdrawn as if nothing had happened (a later `up` would then fail on "side exists").
    const status = await strata(['status', '--json', '--db', server.url], { cwd: p.dir });
    assert.deepEqual(status.json().migrations.map((m: { version: string; state: string }) => `${m.version}:${m.state}`), ['001:applied', '002:dirty']);
    const again = await strata(['up', '--json', '--db', server.url], { cwd: p.dir });
    assert.equal(again.code, 3, again.stderr);
    assert.equal(again.json().error.code, 'dirty');
    assert.match(again.json().error.message, /1 statement/);
  } finally {
    p.cleanup();
    await server.close();
  }
});
