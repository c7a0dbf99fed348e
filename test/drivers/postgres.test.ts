/**
 * The PostgreSQL driver against the machine's PostgreSQL, through the Driver interface. Each
 * test gets its own fresh database, dropped afterwards; an unreachable server fails the tests.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import pg from 'pg';
import { ConfigError, ConnectionError, LockTimeoutError, ValidationError } from '../../src/core/errors.js';
import type { Driver, DriverOptions, LockHolder } from '../../src/drivers/driver.js';
import { openDriver } from '../../src/drivers/load-driver.js';
import { applicationName } from '../../src/drivers/postgres/driver.js';
import { capabilitiesOf, chooseLock, detectEngine, serverVersionOf } from '../../src/drivers/postgres/engine.js';
import { advisoryKeys, int4Hash } from '../../src/drivers/postgres/lock.js';
import { inlineParams, pgLiteral } from '../../src/drivers/postgres/tracking.js';
import { migrate } from '../../src/index.js';
import { project } from '../support/project.js';
import { type FreshPostgres, freshPostgres, pgClient, postgresUrl } from '../support/postgres.js';
import { applied, driverOptions, logEntry } from '../support/driver-fixtures.js';
import { rejectsWith } from '../support/assertions.js';
import { serverTests } from '../support/dialects.js';

// Every test is skipped, with the reason, when STRATA_TEST_DIALECTS does not list the server.
const { test } = serverTests('postgres');

interface Scenario {
  readonly db: FreshPostgres;
  /** A driver on the test's database, or on `input` (a URL, pg.Pool or pg.Client); closed after the test. */
  open(overrides?: Partial<DriverOptions>, input?: unknown): Promise<Driver>;
  /** A raw pg Client on the test's database (ended after the test). */
  raw(applicationName?: string): Promise<pg.Client>;
}

/** Runs `fn` in a fresh database; closes every driver and connection it opened, then drops it. */
function dbTest(name: string, fn: (s: Scenario) => Promise<void>): void {
  test(name, async () => {
    const db = await freshPostgres();
    const drivers: Driver[] = [];
    const raws: pg.Client[] = [];
    const scenario: Scenario = {
      db,
      async open(overrides = {}, input: unknown = db.url) {
        const driver = await openDriver(input as string, driverOptions(overrides));
        drivers.push(driver);
        return driver;
      },
      async raw(name) {
        const client = await pgClient(db.database, name);
        raws.push(client);
        return client;
      },
    };
    try {
      await fn(scenario);
    } finally {
      for (const driver of drivers) await driver.close();
      for (const client of raws) await client.end().catch(() => undefined);
      await db.drop();
    }
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every table, view and materialized view outside the system schemas, as `schema.name`. */
async function relations(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY 1`,
  );
  return rows.map((r: { name: string }) => r.name);
}

async function schemaExists(client: pg.Client, schema: string): Promise<boolean> {
  const { rows } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return rows.length === 1;
}

/** The backend holding strata's advisory lock in this database, if any. */
async function advisoryHolder(client: pg.Client): Promise<{ pid: number; application_name: string } | null> {
  const { rows } = await client.query(
    `SELECT l.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return (rows[0] as { pid: number; application_name: string } | undefined) ?? null;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected the statement to fail');
}

const isLockLost = (e: unknown) => e instanceof LockTimeoutError && e.code === 'lock-lost';

// ---- tracking tables ----

dbTest('readApplied is null on a fresh database, and no read creates anything', async ({ open, raw }) => {
  const driver = await open();
  assert.equal(await driver.readApplied(), null);
  assert.deepEqual(await driver.readLog(10), []);
  assert.equal(await driver.readProtected(), false);
  assert.equal(await driver.probeLock(), null);
  assert.equal(await driver.tableExists('strata_migrations'), false);
  assert.deepEqual(await driver.listObjects(), []);

  const tenant = await open({ schema: 'tenant_x' });
  assert.equal(await tenant.readApplied(), null);
  assert.deepEqual(await tenant.readLog(10), []);
  assert.equal(await tenant.probeLock(), null);
  const leased = await open({ schema: 'tenant_y', lock: 'lease' });
  assert.equal(await leased.readApplied(), null);
  assert.equal(await leased.probeLock(), null);

  const client = await raw();
  assert.deepEqual(await relations(client), []);
  assert.equal(await schemaExists(client, 'tenant_x'), false);
  assert.equal(await schemaExists(client, 'tenant_y'), false);
});

dbTest('readApplied is one round trip, whether or not the table exists', async ({ open, db }) => {
  const client = await pgClient(db.database);
  let queries = 0;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    queries++;
    return query(...args);
  };
  try {
    const driver = await open({}, client);
    queries = 0;
    assert.equal(await driver.readApplied(), null);
    assert.equal(queries, 1);
    await driver.acquireLock({ timeoutMs: 1000 });
    await driver.ensureTracking();
    await driver.writeApplied(applied('001'));
    await driver.writeApplied(applied('002'));
    queries = 0;
    assert.equal((await driver.readApplied())?.length, 2);
    assert.equal(queries, 1);
    await driver.releaseLock();
    await driver.close();
  } finally {
    await client.end();
  }
});

test('a database that does not exist reads as nothing applied, and a change fails with connection-failed', async () => {
  const url = postgresUrl(`strata_missing_${randomUUID().slice(0, 8)}`);
  const driver = await openDriver(url, driverOptions());
  try {
    assert.equal(await driver.readApplied(), null);
    assert.deepEqual(await driver.readLog(5), []);
    assert.equal(await driver.probeLock(), null);
    const error = await rejectsWith(driver.acquireLock({ timeoutMs: 100 }), ConnectionError, 'connection-failed');
    assert.match(error.message, /does not exist/);
    assert.match(error.hint ?? '', /create the database/);
    await rejectsWith(driver.ensureTracking(), ConnectionError, 'connection-failed');
  } finally {
    await driver.close();
  }
});

dbTest('tracking columns: version text primary key, timestamptz times, jsonb depends and detail', async ({ open, raw }) => {
  const driver = await open();
  await driver.acquireLock({ timeoutMs: 1000 });
  await driver.ensureTracking();
  const { rows } = await (await raw()).query(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'public' AND column_name IN ('version', 'applied_at', 'started_at', 'depends', 'detail', 'id')
      ORDER BY table_name, column_name`,
  );
  assert.deepEqual(rows.map((r: Record<string, string>) => [r.table_name, r.column_name, r.data_type]), [
    ['strata_migrations', 'applied_at', 'timestamp with time zone'],
    ['strata_migrations', 'depends', 'jsonb'],
    ['strata_migrations', 'version', 'text'],
    ['strata_migrations_log', 'detail', 'jsonb'],
    ['strata_migrations_log', 'id', 'bigint'],
    ['strata_migrations_log', 'started_at', 'timestamp with time zone'],
    ['strata_migrations_log', 'version', 'text'],
  ]);
});

dbTest('ensureTracking adds the columns an older table lacks and never drops one', async ({ open, raw }) => {
  const client = await raw();
  await client.query(`CREATE TABLE strata_migrations (
    version text PRIMARY KEY, name text NOT NULL, checksum text, kind text NOT NULL, depends text NOT NULL,
    applied_at timestamptz NOT NULL, state text NOT NULL, legacy_note text)`);
  await client.query(`INSERT INTO strata_migrations VALUES ('001', 'init', NULL, 'sql', '["000"]', '2025-12-31T23:59:59.999Z', 'applied', 'kept')`);
  const driver = await open();

  // Before the upgrade, missing columns read as null (nothing created).
  const before = await driver.readApplied();
  assert.deepEqual(before?.map((r) => [r.version, r.appliedAt, r.depends, r.description, r.error]), [['001', '2025-12-31T23:59:59.999Z', ['000'], null, null]]);

  await driver.acquireLock({ timeoutMs: 1000 });
  await driver.ensureTracking();
  const { rows } = await client.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'strata_migrations'`);
  const names = new Set(rows.map((r: { column_name: string }) => r.column_name));
  for (const expected of ['description', 'duration_ms', 'applied_by', 'dirty_operation', 'statements_done', 'error', 'legacy_note']) {
    assert.ok(names.has(expected), `missing ${expected}`);
  }
  assert.deepEqual((await driver.readApplied())?.map((r) => [r.version, r.state, r.depends]), [['001', 'applied', ['000']]]);
});

dbTest("a same-named table that is not strata's is refused", async ({ open, raw }) => {
  await (await raw()).query('CREATE TABLE strata_migrations (id int PRIMARY KEY, payload text)');
  const driver = await open();
  await rejectsWith(driver.readApplied(), ValidationError, 'foreign-table');
  await rejectsWith(driver.ensureTracking(), ValidationError, 'foreign-table');
});

// ---- the session advisory lock ----

dbTest('a second run waits for the advisory lock, times out naming the holder, then gets it once released', async ({ open, raw }) => {
  const firstRun = randomUUID();
  const first = await open({ runId: firstRun });
  const second = await open();
  assert.deepEqual(await first.describe(), { engine: 'postgresql', lock: 'session', serverVersion: (await first.describe()).serverVersion });
  await first.acquireLock({ timeoutMs: 1000 });
  const client = await raw();
  const holder = await advisoryHolder(client);
  assert.ok(holder, 'the lock shows in pg_locks');
  assert.equal(holder.application_name, applicationName(firstRun));
  assert.match(holder.application_name, new RegExp(`^strata \\d+\\.\\d+\\.\\d+\\S* \\S+:${process.pid} ${firstRun.slice(0, 8)}$`));

  let announced: LockHolder | null | undefined;
  const started = Date.now();
  const error = await rejectsWith(second.acquireLock({ timeoutMs: 400, onWait: (h) => (announced = h) }), LockTimeoutError, 'lock-timeout');
  assert.ok(Date.now() - started >= 350, 'waited for the timeout');
  assert.ok(error.message.includes(`held by ${holder.application_name}`), error.message);
  assert.match(error.message, /since \d{4}-\d\d-\d\dT[\d:.]+Z/);
  assert.ok(announced?.owner.includes(holder.application_name));
  assert.ok((await second.probeLock())?.owner.includes(`backend pid ${holder.pid}`));

  await first.releaseLock();
  assert.equal(await advisoryHolder(client), null);
  assert.equal(await second.probeLock(), null);
  await second.acquireLock({ timeoutMs: 1000 });
  assert.notEqual((await advisoryHolder(client))?.pid, holder.pid);
  await second.releaseLock();
  await second.releaseLock(); // an unheld lock: no error
});

dbTest('a terminated holder connection frees the lock, and the terminated run learns it lost it', async ({ open, raw }) => {
  const first = await open();
  const second = await open();
  await first.acquireLock({ timeoutMs: 1000 });
  const client = await raw();
  const holder = (await advisoryHolder(client))!;
  const waiting = second.acquireLock({ timeoutMs: 5000 });
  await sleep(150);
  await client.query('SELECT pg_terminate_backend($1)', [holder.pid]);
  await waiting;
  assert.notEqual((await advisoryHolder(client))?.pid, holder.pid);
  for (let i = 0; i < 50; i++) {
    try {
      first.assertLockHeld();
    } catch {
      break;
    }
    await sleep(20);
  }
  assert.throws(() => first.assertLockHeld(), isLockLost);
});

dbTest('schemas are tenants: independent tracking tables, locks and migrations', async ({ open, raw }) => {
  const a = await open({ schema: 'tenant_a' });
  const b = await open({ schema: 'tenant_b' });
  // Both hold their lock at once.
  await a.acquireLock({ timeoutMs: 500 });
  await b.acquireLock({ timeoutMs: 500 });
  for (const [driver, version] of [[a, '001'], [b, '002']] as const) {
    await driver.ensureTracking();
    await driver.begin();
    await driver.execute('CREATE TABLE users (id int PRIMARY KEY)');
    await driver.execute(`CREATE INDEX users_id_${version} ON users (id)`);
    await driver.writeApplied(applied(version));
    await driver.commit();
  }
  assert.deepEqual((await a.readApplied())?.map((r) => r.version), ['001']);
  assert.deepEqual((await b.readApplied())?.map((r) => r.version), ['002']);
  assert.equal(await a.indexExists('users_id_001'), true);
  assert.equal(await a.indexExists('users_id_002'), false);
  assert.equal(await b.columnExists('users', 'id'), true);
  assert.deepEqual(await relations(await raw()), [
    'tenant_a.strata_migrations', 'tenant_a.strata_migrations_log', 'tenant_a.users',
    'tenant_b.strata_migrations', 'tenant_b.strata_migrations_log', 'tenant_b.users',
  ]);
  // The same schema and table is one lock.
  const c = await open({ schema: 'tenant_a' });
  await rejectsWith(c.acquireLock({ timeoutMs: 200 }), LockTimeoutError, 'lock-timeout');
  // Lease tenants are independent too.
  const leaseA = await open({ schema: 'lease_a', lock: 'lease' });
  const leaseB = await open({ schema: 'lease_b', lock: 'lease' });
  await leaseA.acquireLock({ timeoutMs: 500 });
  await leaseB.acquireLock({ timeoutMs: 500 });
});

dbTest('racing runs hold the lock one at a time (session and lease, the lease table created in the race)', async ({ open }) => {
  for (const lock of ['session', 'lease'] as const) {
    const drivers = await Promise.all(Array.from({ length: 6 }, () => open({ lock, schema: `race_${lock}` })));
    let inside = 0;
    let most = 0;
    let turns = 0;
    await Promise.all(
      drivers.map(async (driver) => {
        await driver.acquireLock({ timeoutMs: 10_000 });
        inside++;
        most = Math.max(most, inside);
        await driver.ensureTracking();
        const before = (await driver.readApplied())!.length;
        await sleep(30);
        await driver.writeApplied(applied(String(before + 1).padStart(3, '0')));
        turns++;
        inside--;
        await driver.releaseLock();
      }),
    );
    assert.equal(most, 1, `${lock}: one holder at a time`);
    assert.equal(turns, 6);
    assert.deepEqual((await drivers[0]!.readApplied())!.map((r) => r.version).sort(), ['001', '002', '003', '004', '005', '006']);
  }
});

test('advisory keys: (int4 hash of "strata", int4 hash of schema.table), stable across versions', () => {
  const [k1, k2] = advisoryKeys('public', 'strata_migrations');
  assert.equal(k1, int4Hash('strata'));
  assert.equal(k1, -2101707233);
  assert.equal(k2, int4Hash('public.strata_migrations'));
  for (const key of [k1, k2]) assert.ok(Number.isInteger(key) && key >= -(2 ** 31) && key < 2 ** 31);
  assert.notEqual(advisoryKeys('tenant_a', 'strata_migrations')[1], k2);
  assert.notEqual(advisoryKeys('public', 'other_table')[1], k2);
});

test('engine detection, capabilities and the lock choice: CockroachDB and YugabyteDB take the lease', () => {
  const postgres = 'PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit';
  const cockroach = 'CockroachDB CCL v23.2.4 (x86_64-pc-linux-gnu, built 2024/04/08 17:50:13, go1.21.5 X:nocoverageredesign)';
  const yugabyte = 'PostgreSQL 11.2-YB-2.20.1.0-b0 on x86_64-pc-linux-gnu, compiled by clang version 16.0.6, 64-bit';
  assert.equal(detectEngine(postgres), 'postgresql');
  assert.equal(detectEngine(cockroach), 'cockroachdb');
  assert.equal(detectEngine(yugabyte), 'yugabytedb');
  assert.equal(serverVersionOf('postgresql', postgres), '15.20');
  assert.equal(serverVersionOf('cockroachdb', cockroach), '23.2.4');
  assert.equal(serverVersionOf('yugabytedb', yugabyte), '11.2-YB-2.20.1.0-b0');

  assert.deepEqual(capabilitiesOf('postgresql'), { transactionalDdl: true, groupCommit: false, atomic: true, ddlLockTimeout: true });
  assert.deepEqual(capabilitiesOf('cockroachdb'), { transactionalDdl: false, groupCommit: false, atomic: false, ddlLockTimeout: false });
  assert.deepEqual(capabilitiesOf('yugabytedb'), capabilitiesOf('cockroachdb'));

  assert.equal(chooseLock('postgresql', 'auto'), 'session');
  assert.equal(chooseLock('postgresql', 'session'), 'session');
  assert.equal(chooseLock('postgresql', 'lease'), 'lease');
  assert.equal(chooseLock('cockroachdb', 'auto'), 'lease');
  assert.equal(chooseLock('yugabytedb', 'auto'), 'lease');
  for (const engine of ['cockroachdb', 'yugabytedb'] as const) {
    assert.throws(() => chooseLock(engine, 'session'), (e: unknown) => e instanceof ConfigError && e.code === 'config' && /--lock session/.test(e.message));
  }
});

// ---- the lease ---- (the protocol itself: test/drivers/lease.test.ts, on every dialect)

dbTest('lease mode leaves no session state on the connection: SET LOCAL only, BEGIN … COMMIT around lone statements', async ({ open, db }) => {
  const client = await pgClient(db.database, 'the-application');
  try {
    const before = (await client.query(`SELECT current_setting('search_path') AS sp, current_setting('lock_timeout') AS lt, current_setting('statement_timeout') AS st`)).rows[0];
    const driver = await open({ lock: 'lease', schema: 'tenant', ddlLockTimeoutMs: 1500, statementTimeoutMs: 20_000 }, client);
    await driver.acquireLock({ timeoutMs: 1000 });
    await driver.ensureTracking();
    // Outside a transaction: wrapped, so the settings apply to the statement alone.
    assert.deepEqual(await driver.query(`SELECT current_setting('lock_timeout') AS lt, current_setting('statement_timeout') AS st, current_schema() AS s`), [
      { lt: '1500ms', st: '20s', s: 'tenant' },
    ]);
    assert.deepEqual(await driver.query(`SELECT current_schema() AS s, $1::int AS n`, [7]), [{ s: 'tenant', n: 7 }]);
    await driver.execute('CREATE TABLE users (id int PRIMARY KEY, email text)');
    // Inside a transaction: SET LOCAL.
    await driver.begin();
    await driver.execute('ALTER TABLE users ADD COLUMN name text');
    assert.deepEqual(await driver.query(`SELECT current_setting('lock_timeout') AS lt`), [{ lt: '1500ms' }]);
    await driver.writeApplied(applied('001'));
    await driver.commit();
    // A `transaction: off` migration's own BEGIN … COMMIT stays one transaction, with the settings.
    await driver.execute('BEGIN');
    await driver.execute('CREATE TABLE audit (id int)');
    await driver.writeProgress('001', 2, null);
    await driver.execute('INSERT INTO audit VALUES (1)');
    await driver.execute('COMMIT');
    // What cannot run in a transaction block runs bare, and must name the schema.
    const refused = await failure(driver.execute('CREATE INDEX CONCURRENTLY users_email ON users (email)'));
    assert.match(String((refused as Error).message), /write the schema into its names/);
    assert.deepEqual(driver.errorFacts(refused), { lockTimeout: false, noEffect: true, cancelled: false });
    await driver.execute('CREATE INDEX CONCURRENTLY users_email ON tenant.users (email)');
    await driver.execute('VACUUM tenant.users');
    assert.equal(await driver.indexExists('users_email'), true);
    assert.equal(await driver.tableExists('audit'), true);
    assert.equal(await driver.columnExists('users', 'name'), true);
    await driver.releaseLock();
    await driver.close();

    const after = (await client.query(`SELECT current_setting('search_path') AS sp, current_setting('lock_timeout') AS lt, current_setting('statement_timeout') AS st, current_setting('application_name') AS app`)).rows[0];
    assert.deepEqual(after, { ...before, app: 'the-application' });
    assert.equal(client.getTransactionStatus(), 'I');
    assert.deepEqual((await client.query(`SELECT count(*)::int AS n FROM pg_prepared_statements`)).rows, [{ n: 0 }]);
    assert.deepEqual(
      (await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'tenant' ORDER BY 1`)).rows.map((r: { table_name: string }) => r.table_name),
      ['audit', 'strata_migrations', 'strata_migrations_lock', 'strata_migrations_log', 'users'],
    );
  } finally {
    await client.end();
  }
});

// ---- waiting on the application's locks; cancelling; transactions ----

dbTest('DDL inside begin() waiting on an application lock fails after ddlLockTimeout as a no-effect lock timeout', async ({ open, raw }) => {
  const app = await raw('the-application');
  await app.query('CREATE TABLE t (id int PRIMARY KEY)');
  await app.query('BEGIN');
  await app.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
  for (const lock of ['session', 'lease'] as const) {
    const driver = await open({ ddlLockTimeoutMs: 300, lock });
    await driver.begin();
    const started = Date.now();
    const error = await failure(driver.execute('ALTER TABLE t ADD COLUMN x int'));
    const waited = Date.now() - started;
    assert.ok(waited >= 250 && waited < 2000, `waited ${waited} ms`);
    assert.equal((error as { code?: string }).code, '55P03');
    assert.deepEqual(driver.errorFacts(error), { lockTimeout: true, noEffect: true, cancelled: false });
    assert.equal(driver.inTransaction, true);
    await driver.rollback();
    assert.equal(driver.inTransaction, false);

    // Outside a transaction (a `transaction: off` migration) the timeout applies too …
    const outside = await failure(driver.execute('ALTER TABLE t ADD COLUMN y int'));
    assert.deepEqual(driver.errorFacts(outside), { lockTimeout: true, noEffect: true, cancelled: false });
    // … but not to CONCURRENTLY, which waits for the application by design.
    const concurrently = driver.execute('CREATE INDEX CONCURRENTLY t_id ON public.t (id)');
    await sleep(800);
    await app.query('COMMIT');
    await concurrently;
    assert.equal(await driver.indexExists('t_id'), true);
    await driver.execute('DROP INDEX t_id');
    assert.equal(driver.inTransaction, false);
    await app.query('BEGIN');
    await app.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
  }
  await app.query('ROLLBACK');
});

dbTest('cancel() interrupts a running SELECT pg_sleep(10) and the connection stays usable (session and lease mode)', async ({ open }) => {
  for (const lock of ['session', 'lease'] as const) {
    const driver = await open({ lock });
    await driver.cancel(); // nothing running: nothing to do
    assert.deepEqual(await driver.query('SELECT 1 AS one'), [{ one: 1 }]);
    const started = Date.now();
    const running = failure(driver.query('SELECT pg_sleep(10)'));
    await sleep(300);
    await driver.cancel();
    const error = await running;
    assert.ok(Date.now() - started < 3000, 'returned early');
    assert.equal((error as { code?: string }).code, '57014');
    assert.equal(driver.errorFacts(error).cancelled, true);
    assert.deepEqual(await driver.query('SELECT 1 AS one'), [{ one: 1 }]);
  }
});

dbTest('statementTimeout bounds a statement only when set, and is not "cancelled"', async ({ open }) => {
  const bounded = await open({ statementTimeoutMs: 300 });
  const started = Date.now();
  const error = await failure(bounded.query('SELECT pg_sleep(3)'));
  assert.ok(Date.now() - started < 2000);
  assert.equal(bounded.errorFacts(error).cancelled, false);
  await bounded.begin();
  await failure(bounded.execute('SELECT pg_sleep(3)'));
  await bounded.rollback();
  const unbounded = await open();
  assert.deepEqual(await unbounded.query(`SELECT current_setting('statement_timeout') AS st`), [{ st: '0' }]);
});

dbTest('DDL is transactional: rollback undoes it; commit of a failed transaction throws instead of rolling back quietly', async ({ open }) => {
  const driver = await open();
  assert.deepEqual(driver.capabilities, { transactionalDdl: true, groupCommit: false, atomic: true, ddlLockTimeout: true });
  await driver.begin();
  assert.equal(driver.inTransaction, true);
  await driver.execute('CREATE TABLE gone (id int)');
  await driver.rollback();
  assert.equal(await driver.tableExists('gone'), false);

  await driver.begin();
  await driver.execute('CREATE TABLE kept (id int)');
  await driver.savepoint('strata_1');
  await driver.execute('CREATE TABLE undone (id int)');
  await driver.rollbackToSavepoint('strata_1');
  await driver.releaseSavepoint('strata_1');
  await driver.commit();
  assert.equal(await driver.tableExists('kept'), true);
  assert.equal(await driver.tableExists('undone'), false);

  // A code migration that swallowed a database error: COMMIT answers ROLLBACK.
  await driver.begin();
  await driver.execute('CREATE TABLE lost (id int)');
  await failure(driver.execute('SELECT 1/0'));
  const error = await failure(driver.commit());
  assert.match(String((error as Error).message), /rolled back/);
  assert.equal(driver.inTransaction, false);
  assert.equal(await driver.tableExists('lost'), false);

  // begin() then commit() with nothing in between costs nothing and leaves no transaction.
  await driver.begin();
  await driver.commit();
  assert.equal(driver.inTransaction, false);
});

dbTest('query binds $n parameters; run reports affected rows', async ({ open }) => {
  const driver = await open();
  assert.deepEqual(await driver.query(`SELECT $1::int AS a, '$1' AS b`, [5]), [{ a: 5, b: '$1' }]);
  await driver.execute(`CREATE TABLE items (id int PRIMARY KEY, label text)`);
  assert.deepEqual(await driver.run('INSERT INTO items VALUES ($1, $2), ($3, $4)', [1, 'a', 2, 'b']), { changes: 2 });
  assert.deepEqual(await driver.run(`UPDATE items SET label = 'z'`), { changes: 2 });
  assert.deepEqual(await driver.query('SELECT label FROM items WHERE id = $1', [2]), [{ label: 'z' }]);
});

dbTest('errorFacts: a failed statement that ran atomically had no effect; CONCURRENTLY and DO blocks only before execution', async ({ open }) => {
  const driver = await open();
  const facts = (error: unknown) => driver.errorFacts(error);
  assert.deepEqual(facts(await failure(driver.execute('CREATE TABLE ('))), { lockTimeout: false, noEffect: true, cancelled: false });
  await driver.execute('CREATE TABLE dup (id int)');
  await driver.execute('INSERT INTO dup VALUES (1), (1)');
  // Alone in autocommit, a failing statement is rolled back whole.
  assert.equal(facts(await failure(driver.execute('ALTER TABLE dup ADD PRIMARY KEY (id)'))).noEffect, true);
  // A failed CREATE UNIQUE INDEX CONCURRENTLY leaves an INVALID index behind.
  const concurrent = await failure(driver.execute('CREATE UNIQUE INDEX CONCURRENTLY dup_id ON dup (id)'));
  assert.equal(facts(concurrent).noEffect, false);
  assert.equal(await driver.indexExists('dup_id'), true);
  assert.equal(facts(await failure(driver.execute('CREATE INDEX CONCURRENTLY dup_id ON dup (id)'))).noEffect, true);
  // A DO block outside a transaction may have committed part of its work.
  const block = await failure(driver.execute(`DO $$ BEGIN CREATE TABLE part (id int); COMMIT; RAISE EXCEPTION 'late'; END $$`));
  assert.equal(facts(block).noEffect, false);
  assert.equal(await driver.tableExists('part'), true);
  assert.deepEqual(facts(new Error('not a server error')), { lockTimeout: false, noEffect: false, cancelled: false });
});

// ---- introspection, info, reset ----

dbTest('tableExists, columnExists and indexExists look in the migration schema', async ({ open, raw }) => {
  const client = await raw();
  await client.query('CREATE SCHEMA other');
  await client.query('CREATE TABLE other.elsewhere (id int)');
  const driver = await open();
  await driver.execute('CREATE TABLE users (id int PRIMARY KEY, email text)');
  await driver.execute('CREATE INDEX users_email ON users (email)');
  await driver.execute('CREATE VIEW active_users AS SELECT id FROM users');
  assert.equal(await driver.tableExists('users'), true);
  assert.equal(await driver.tableExists('active_users'), true);
  assert.equal(await driver.tableExists('nope'), false);
  assert.equal(await driver.tableExists('elsewhere'), false);
  assert.equal(await driver.columnExists('users', 'email'), true);
  assert.equal(await driver.columnExists('users', 'name'), false);
  assert.equal(await driver.indexExists('users_email'), true);
  assert.equal(await driver.indexExists('users'), false);
  const other = await open({ schema: 'other' });
  assert.equal(await other.tableExists('elsewhere'), true);
  assert.equal(await other.tableExists('users'), false);
});

dbTest('info reports engine, server version, database size and estimated row counts', async ({ open }) => {
  const driver = await open();
  await driver.execute('CREATE TABLE a (id int PRIMARY KEY)');
  await driver.execute('CREATE VIEW v AS SELECT id FROM a');
  await driver.execute('INSERT INTO a SELECT generate_series(1, 500)');
  await driver.execute('ANALYZE a');
  await driver.execute('CREATE TABLE never_analyzed (id int)');
  const info = await driver.info();
  assert.equal(info.engine, 'postgresql');
  assert.match(info.serverVersion, /^\d+(\.\d+)?/);
  assert.ok((info.sizeBytes ?? 0) > 0);
  assert.deepEqual(info.tables, [
    { name: 'a', rows: 500, estimated: true },
    { name: 'never_analyzed', rows: 0, estimated: true },
  ]);
});

dbTest('listObjects finds everything in the schema but the tracking tables; dropObjects drops it in one transaction', async ({ open, raw }) => {
  const driver = await open();
  await driver.acquireLock({ timeoutMs: 1000 });
  await driver.ensureTracking();
  const client = await raw();
  await client.query('CREATE SCHEMA other');
  await client.query('CREATE TABLE other.keep_me (id int)');
  for (const sql of [
    `CREATE TYPE mood AS ENUM ('ok', 'meh')`,
    `CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%')`,
    'CREATE TABLE parent (id serial PRIMARY KEY, m mood, e email)',
    'CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id))',
    'CREATE VIEW child_ids AS SELECT id FROM child',
    'CREATE MATERIALIZED VIEW parent_count AS SELECT count(*) FROM parent',
    'CREATE SEQUENCE invoice_numbers',
    'CREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$',
    'CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS $$ SELECT a + b $$',
    'CREATE PROCEDURE noop() LANGUAGE sql AS $$ SELECT 1 $$',
  ]) {
    await client.query(sql);
  }
  const objects = await driver.listObjects();
  assert.deepEqual(objects, [
    { type: 'view', name: 'child_ids' },
    { type: 'materialized view', name: 'parent_count' },
    { type: 'table', name: 'child' },
    { type: 'table', name: 'parent' },
    { type: 'sequence', name: 'invoice_numbers' },
    { type: 'procedure', name: 'noop()' },
    { type: 'function', name: 'add(a integer, b integer)' },
    { type: 'function', name: 'one()' },
    { type: 'domain', name: 'email' },
    { type: 'type', name: 'mood' },
  ]);
  // Any order: CASCADE and IF EXISTS.
  await driver.dropObjects([...objects].reverse());
  assert.deepEqual(await driver.listObjects(), []);
  assert.deepEqual(await relations(client), ['other.keep_me', 'public.strata_migrations', 'public.strata_migrations_log']);
  const { rows: sequences } = await client.query(`SELECT relname FROM pg_class WHERE relkind = 'S' ORDER BY 1`);
  assert.deepEqual(sequences.map((r: { relname: string }) => r.relname), ['strata_migrations_log_id_seq']);
  assert.equal(driver.inTransaction, false);
});

// ---- URLs, pools, clients, connection errors ----

test('a connection error never shows the password', async () => {
  const secret = 'S3cr3t-Pa55word';
  for (const url of [
    `postgres://postgres:${secret}@127.0.0.1:1/test`, // nothing listens there
    `postgres://no_such_role_xyz:${secret}@127.0.0.1:5432/test`, // the server refuses the role
  ]) {
    const error = await rejectsWith(openDriver(url, driverOptions()), ConnectionError, 'connection-failed');
    assert.ok(!inspect(error, { depth: 8 }).includes(secret), inspect(error));
    assert.ok(!JSON.stringify({ message: error.message, hint: error.hint }).includes(secret));
    assert.match(error.message, /^cannot connect to postgres:\/\/\S+:\*\*\*@127\.0\.0\.1:/);
    assert.ok(error.hint);
  }
});

dbTest('a pg.Pool: one connection checked out, search_path and timeouts put back, returned at close', async ({ open, db }) => {
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  try {
    const before = (await pool.query(`SELECT current_setting('search_path') AS sp, current_setting('lock_timeout') AS lt, current_setting('application_name') AS app`)).rows[0];
    const driver = await open({ schema: 'tenant', ddlLockTimeoutMs: 2000 }, pool);
    assert.equal(pool.totalCount, 1);
    await driver.acquireLock({ timeoutMs: 1000 });
    await driver.ensureTracking();
    await driver.execute('CREATE TABLE users (id int)');
    assert.deepEqual(await driver.query(`SELECT current_schema() AS s, current_setting('lock_timeout') AS lt`), [{ s: 'tenant', lt: '2s' }]);
    await driver.releaseLock();
    await driver.close();
    assert.equal(pool.idleCount, 1);
    const after = (await pool.query(`SELECT current_setting('search_path') AS sp, current_setting('lock_timeout') AS lt, current_setting('application_name') AS app`)).rows[0];
    assert.deepEqual(after, before);
  } finally {
    await pool.end();
  }
});

dbTest('a pooled connection whose lock could not be released is destroyed, not returned', async ({ open, raw, db }) => {
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => undefined);
  try {
    const driver = await open({}, pool);
    await driver.acquireLock({ timeoutMs: 1000 });
    const holder = (await advisoryHolder(await raw()))!;
    await (await raw()).query('SELECT pg_terminate_backend($1)', [holder.pid]);
    await sleep(100);
    await driver.close();
    assert.equal(pool.totalCount, 0);
    assert.deepEqual((await pool.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  } finally {
    await pool.end();
  }
});

dbTest('a pg.Client the application passed is used, never closed; one inside a transaction is refused', async ({ open, db }) => {
  const client = await pgClient(db.database);
  try {
    const driver = await open({}, client);
    await driver.acquireLock({ timeoutMs: 1000 });
    await driver.close();
    assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    assert.equal(await advisoryHolder(client), null, 'close released the lock');
    await client.query('BEGIN');
    const error = await rejectsWith(openDriver(client as never, driverOptions()), ConfigError, 'config');
    assert.match(error.message, /inside a transaction/);
    await client.query('ROLLBACK');
  } finally {
    await client.end();
  }
});

for (const lock of ['lease', 'session'] as const) {
  dbTest(`tracking values survive quotes, backslashes and dollar signs, bound or inlined with the COMMIT (${lock})`, async ({ open }) => {
    const driver = await open({ lock });
    await driver.acquireLock({ timeoutMs: 1000 });
    await driver.ensureTracking();
    const error = `near 'it''s' at C:\\temp\\x "quoted" $$ $1 \\' ; DROP TABLE strata_migrations; --`;
    await driver.writeApplied(applied('001', { state: 'dirty', dirtyOperation: 'up', statementsDone: 0 }));
    await driver.writeProgress('001', 1, error);
    await driver.appendLog(logEntry({ status: 'failed', error, detail: { error } }));
    assert.equal((await driver.readApplied())?.[0]?.error, error);
    assert.deepEqual((await driver.readLog(1))[0]?.detail, { error });
    // Inside strata's own transaction (session lock: the writes go out with the COMMIT).
    await driver.begin();
    await driver.writeApplied(applied('002', { error, description: error }));
    await driver.appendLog(logEntry({ version: '002', status: 'failed', error, detail: { error } }));
    await driver.commit();
    const row = (await driver.readApplied())?.find((r) => r.version === '002');
    assert.deepEqual([row?.error, row?.description], [error, error]);
    assert.deepEqual((await driver.readLog(1))[0]?.detail, { error });
  });
}

test('tracking values inlined as literals keep quotes, backslashes, nulls and numbers, and skip quoted identifiers', () => {
  assert.equal(pgLiteral(null), 'NULL');
  assert.equal(pgLiteral(undefined), 'NULL');
  assert.equal(pgLiteral(-5), '(-5)');
  assert.equal(pgLiteral("it's"), "'it''s'");
  assert.equal(pgLiteral('C:\\tmp\\x'), " E'C:\\\\tmp\\\\x'");
  assert.throws(() => pgLiteral(Number.NaN), /cannot write NaN/);
  assert.equal(
    inlineParams('INSERT INTO "a$1b".t (x, y, z) SELECT $1::text, $2::integer, $10::text', ['v', 7, null, 0, 0, 0, 0, 0, 0, "o'k"]),
    `INSERT INTO "a$1b".t (x, y, z) SELECT 'v'::text, (7)::integer, 'o''k'::text`,
  );
});

dbTest('tracking writes travel with the COMMIT: one that fails rolls its migration back with it', async ({ db, raw }) => {
  const p = project({
    '001_guard.sql': `CREATE FUNCTION refuse_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.version = '002' THEN RAISE EXCEPTION 'log refused for %', NEW.version; END IF; RETURN NEW; END $$;\n`,
    '002_b.sql': `CREATE TABLE b (id integer);\nINSERT INTO b VALUES (1);\n`,
  });
  try {
    // 001 applies; then a trigger on the log (created outside strata) makes 002's log row fail.
    await migrate({ db: db.url, dir: p.migrations, target: '001' });
    const client = await raw();
    await client.query(`CREATE TRIGGER refuse BEFORE INSERT ON strata_migrations_log FOR EACH ROW EXECUTE FUNCTION refuse_log()`);
    await assert.rejects(migrate({ db: db.url, dir: p.migrations }), /log refused for 002/);
    const tables = await client.query(`SELECT to_regclass('public.b') AS b`);
    assert.equal(tables.rows[0].b, null, "002's table rolled back with its failed tracking write");
    const rows = await client.query(`SELECT version, state FROM strata_migrations ORDER BY version`);
    assert.deepEqual(rows.rows, [{ version: '001', state: 'applied' }]);
  } finally {
    p.cleanup();
  }
});
