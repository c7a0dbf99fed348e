/**
 * The lease (SPEC §6), through the Driver interface, on every dialect STRATA_TEST_DIALECTS
 * lists (SQLite always uses it; PostgreSQL and MySQL with `lock: 'lease'`). Each test gets a
 * fresh database. Another run's lease is planted straight into `<table>_lock`, with times
 * by the database's clock.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { LockTimeoutError } from '../../src/core/errors.js';
import type { Driver, DriverOptions, LockHolder } from '../../src/drivers/driver.js';
import { openDriver } from '../../src/drivers/load-driver.js';
import { sessionLockName } from '../../src/drivers/mysql/lock.js';
import { type DialectName, dialects } from '../support/dialects.js';
import { applied, driverOptions, logEntry } from '../support/driver-fixtures.js';
import { rejectsWith } from '../support/assertions.js';

/** What a test does to the database behind the drivers' backs. */
interface Raw {
  /** Puts another run's lease in the row, expiring `expiresInMs` from now (negative: expired). */
  plant(runId: string, owner: string, expiresInMs: number): Promise<void>;
  /** The tables of the database (of its default schema), sorted. */
  tables(): Promise<string[]>;
  /** A session lock (advisory lock, GET_LOCK) is held on strata's key. */
  sessionLockHeld(): Promise<boolean>;
  close(): Promise<void>;
}

const LEASE_COLUMNS = ['owner', 'host', 'pid', 'run_id', 'acquired_at', 'expires_at'];
/** How an upsert overwrites the row: the clause, and how it names a column's new value. */
type Upsert = readonly [clause: string, value: (column: string) => string];
const EXCLUDED: Upsert = ['ON CONFLICT (id) DO UPDATE SET', (column) => `excluded.${column}`];
const DUPLICATE_KEY: Upsert = ['ON DUPLICATE KEY UPDATE', (column) => `VALUES(${column})`];

/** The upsert of the lease row (id 1); `values` gives the LEASE_COLUMNS in the dialect's SQL. */
function plantSql(values: string, [clause, value]: Upsert): string {
  return `INSERT INTO strata_migrations_lock (id, ${LEASE_COLUMNS.join(', ')}) VALUES (1, ${values})
    ${clause} ${LEASE_COLUMNS.map((column) => `${column} = ${value(column)}`).join(', ')}`;
}

interface Fresh {
  readonly url: string;
  raw(): Promise<Raw>;
  drop(): Promise<void>;
}

/** A fresh server database; `raw` wraps a connection of its own to it. */
function serverFresh<C>(fresh: { url: string; database: string; drop(): Promise<void> }, connect: (database: string) => Promise<C>, raw: (connection: C) => Raw): Fresh {
  return { url: fresh.url, raw: async () => raw(await connect(fresh.database)), drop: () => fresh.drop() };
}

const FRESH: Record<DialectName, () => Promise<Fresh>> = {
  async sqlite() {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'strata-lease-'));
    const file = join(dir, 'test.db');
    return {
      url: `sqlite:${file}`,
      async raw() {
        const db = new Database(file);
        db.pragma('busy_timeout = 5000');
        return {
          async plant(runId, owner, ms) {
            db.prepare(
              plantSql("?, 'ghost', 1, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now', ?)", EXCLUDED),
            ).run(owner, runId, `${ms / 1000} seconds`);
          },
          async tables() {
            return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
          },
          async sessionLockHeld() {
            return false;
          },
          async close() {
            db.close();
          },
        };
      },
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },

  async postgres() {
    const { freshPostgres, pgClient } = await import('../support/postgres.js');
    return serverFresh(await freshPostgres(), pgClient, (client: pg.Client) => ({
      async plant(runId, owner, ms) {
        await client.query(
          plantSql("$1, 'ghost', 1, $2, statement_timestamp(), statement_timestamp() + $3::float8 * interval '1 millisecond'", EXCLUDED),
          [owner, runId, ms],
        );
      },
      async tables() {
        const { rows } = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
        return rows.map((r: { tablename: string }) => r.tablename);
      },
      async sessionLockHeld() {
        const { rows } = await client.query(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        return rows[0].n > 0;
      },
      close: () => client.end(),
    }));
  },

  async mysql() {
    const { freshMysql, mysqlConnection } = await import('../support/mysql.js');
    const fresh = await freshMysql();
    return serverFresh(fresh, mysqlConnection, (connection: mysql.Connection) => ({
      async plant(runId, owner, ms) {
        await connection.query(
          plantSql("?, 'ghost', 1, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND", DUPLICATE_KEY),
          [owner, runId, ms * 1000],
        );
      },
      async tables() {
        const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1');
        return rows.map((r) => String(r.name));
      },
      async sessionLockHeld() {
        const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS id', [sessionLockName(fresh.database, 'strata_migrations')]);
        return rows[0]!.id !== null;
      },
      async close() {
        connection.destroy();
      },
    }));
  },
};

interface Scenario {
  /** A lease-mode driver on the test's database (closed after the test). */
  open(overrides?: Partial<DriverOptions>): Promise<Driver>;
  /** The test's own connection to the database (closed after the test). */
  raw: Raw;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isLockLost = (e: unknown) => e instanceof LockTimeoutError && e.code === 'lock-lost';

for (const dialect of dialects()) {
  /** Runs `fn` on a fresh database; closes every driver and connection it opened, then drops it. */
  const leaseTest = (name: string, fn: (s: Scenario) => Promise<void>, options: { skip?: string } = {}): void => {
    test(name, { skip: options.skip }, async () => {
      const fresh = await FRESH[dialect.name]();
      const drivers: Driver[] = [];
      let raw: Raw | null = null;
      try {
        raw = await fresh.raw();
        await fn({
          async open(overrides = {}) {
            const driver = await openDriver(fresh.url, driverOptions({ lock: 'lease', ...overrides }));
            drivers.push(driver);
            return driver;
          },
          raw,
        });
      } finally {
        for (const driver of drivers) await driver.close();
        await raw?.close();
        await fresh.drop();
      }
    });
  };

  describe(`the lease on ${dialect.name}`, () => {
    leaseTest('a second run waits, times out naming the holder and since when, then takes it once released', async ({ open, raw }) => {
      const first = await open({ runId: 'run-first' });
      const second = await open({ runId: 'run-second' });
      assert.equal((await first.describe()).lock, 'lease');
      await first.acquireLock({ timeoutMs: 1000 });
      const error = await rejectsWith(second.acquireLock({ timeoutMs: 300 }), LockTimeoutError, 'lock-timeout');
      assert.match(error.message, /held by strata \S+ \S+:\d+ run-first since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/);
      const holder = await second.probeLock();
      assert.match(holder?.owner ?? '', /run-first/);
      assert.match(holder?.since ?? '', /Z$/);

      await first.releaseLock();
      assert.equal(await second.probeLock(), null);
      await second.acquireLock({ timeoutMs: 1000 });
      assert.match((await first.probeLock())?.owner ?? '', /run-second/);
      // The lease lives in <table>_lock; acquiring it created nothing else, and took no session lock.
      assert.deepEqual(await raw.tables(), ['strata_migrations_lock']);
      assert.equal(await raw.sessionLockHeld(), false);
    });

    leaseTest('an expired lease (its holder crashed) is taken over once it expires, by the database clock', async ({ open, raw }) => {
      const setup = await open();
      await setup.acquireLock({ timeoutMs: 1000 });
      await setup.releaseLock();
      await raw.plant('run-ghost', 'strata ghost:1 run-ghost', 1000);
      const taker = await open({ runId: 'run-taker' });
      let announced: LockHolder | null = null;
      const started = Date.now();
      await taker.acquireLock({ timeoutMs: 5000, onWait: (h) => (announced = h) });
      const waited = Date.now() - started;
      assert.ok(waited >= 600 && waited < 4000, `waited ${waited} ms`);
      assert.match((announced as LockHolder | null)?.owner ?? '', /run-ghost/);
      assert.match((await setup.probeLock())?.owner ?? '', /run-taker/);
    });

    leaseTest('renewals keep a short TTL alive; a holder that stops renewing is taken over after it', async ({ open, raw }) => {
      const holder = await open({ leaseTtlMs: 600, runId: 'run-holder' });
      const other = await open({ runId: 'run-other' });
      await holder.acquireLock({ timeoutMs: 1000 });
      await sleep(1500);
      holder.assertLockHeld();
      assert.match((await other.probeLock())?.owner ?? '', /run-holder/);
      await rejectsWith(other.acquireLock({ timeoutMs: 200 }), LockTimeoutError, 'lock-timeout');
      // A holder that stops renewing (its process froze) is taken over after the TTL.
      await raw.plant('run-frozen', 'frozen', 600);
      const started = Date.now();
      await other.acquireLock({ timeoutMs: 3000 });
      assert.ok(Date.now() - started < 2500);
      assert.match((await holder.probeLock())?.owner ?? '', /run-other/);
    });

    leaseTest('a run whose lease was taken over is stopped at its next tracking write and by assertLockHeld', async ({ open, raw }) => {
      const victim = await open({ runId: 'run-victim' });
      await victim.acquireLock({ timeoutMs: 1000 });
      await victim.ensureTracking();
      await victim.writeApplied(applied('001'));
      await raw.plant('run-thief', 'thief', 60_000);

      // The write checks ownership in its own transaction, and writes nothing.
      await rejectsWith(victim.writeApplied(applied('002')), LockTimeoutError, 'lock-lost');
      assert.deepEqual((await victim.readApplied())?.map((r) => r.version), ['001']);
      // From then on, without a round trip; and no later tracking write goes through.
      assert.throws(() => victim.assertLockHeld(), isLockLost);
      await rejectsWith(victim.appendLog(logEntry()), LockTimeoutError, 'lock-lost');

      // Inside the caller's transaction too: the write (or, on SQLite, its commit) and the
      // transaction fail together.
      await raw.plant('run-thief', 'thief', -1000);
      const other = await open({ runId: 'run-other' });
      await other.acquireLock({ timeoutMs: 1000 });
      await other.execute('CREATE TABLE t (id int)');
      await other.begin();
      await other.execute('INSERT INTO t (id) VALUES (3)');
      await other.writeApplied(applied('003'));
      await other.appendLog(logEntry({ version: '003' }));
      await other.commit();
      assert.deepEqual((await other.readApplied())?.map((r) => r.version).sort(), ['001', '003']);
      await raw.plant('run-thief', 'thief', 60_000);
      await other.begin();
      await other.execute('INSERT INTO t (id) VALUES (4)');
      const writeAndCommit = async () => {
        await other.writeApplied(applied('004'));
        await other.commit();
      };
      await rejectsWith(writeAndCommit(), LockTimeoutError, 'lock-lost');
      await other.rollback();
      assert.deepEqual((await other.readApplied())?.map((r) => r.version).sort(), ['001', '003']);
      assert.deepEqual(await other.query('SELECT id FROM t ORDER BY id'), [{ id: 3 }]);
    });

    leaseTest(
      "a waiter never queues behind the holder's open transaction, which keeps the lease past its TTL",
      async ({ open }) => {
        const holder = await open({ leaseTtlMs: 600, runId: 'run-holder' });
        const waiter = await open({ runId: 'run-waiter' });
        await holder.acquireLock({ timeoutMs: 1000 });
        await holder.ensureTracking();
        // An --atomic run: its first tracking write holds the lease row until the final commit.
        await holder.begin();
        await holder.execute('CREATE TABLE t1 (id int)');
        await holder.writeApplied(applied('001'));
        for (let i = 0; i < 3; i++) {
          const started = Date.now();
          const error = await rejectsWith(waiter.acquireLock({ timeoutMs: 300 }), LockTimeoutError, 'lock-timeout');
          assert.ok(Date.now() - started < 1500, 'the waiter gave up on time, not stuck behind the row lock');
          assert.match(error.message, /run-holder/);
        }
        holder.assertLockHeld(); // > 1 s after the write, twice the TTL: the open transaction still holds it
        await holder.execute('CREATE TABLE t2 (id int)');
        await holder.writeApplied(applied('002'));
        await holder.commit();
        holder.assertLockHeld();
        assert.deepEqual((await holder.readApplied())?.map((r) => r.version).sort(), ['001', '002']);
        await holder.releaseLock();
        await waiter.acquireLock({ timeoutMs: 1000 });
      },
      // MySQL's DDL ends the transaction, and its --atomic is refused: no transaction there holds the row for long.
      { skip: dialect.name === 'mysql' ? 'no long transaction holds the lease row on MySQL (DDL commits; --atomic is refused)' : undefined },
    );

    leaseTest('the renewal notices a takeover, and assertLockHeld reports it', async ({ open, raw }) => {
      const victim = await open({ leaseTtlMs: 600, runId: 'run-victim' });
      await victim.acquireLock({ timeoutMs: 1000 });
      victim.assertLockHeld();
      await raw.plant('run-thief', 'thief', 60_000);
      await sleep(500); // more than one renewal interval (TTL/3)
      assert.throws(() => victim.assertLockHeld(), isLockLost);
    });
  });
}
