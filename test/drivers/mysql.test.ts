/**
 * The MySQL/MariaDB driver against the machine's MariaDB, through the Driver interface. Each
 * test gets its own fresh database, dropped afterwards.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import mysql from 'mysql2/promise';
import mysqlCallback from 'mysql2';
import { ConfigError, ConnectionError, LockTimeoutError, ValidationError } from '../../src/core/errors.js';
import type { Driver, DriverOptions, LockHolder } from '../../src/drivers/driver.js';
import { openDriver } from '../../src/drivers/load-driver.js';
import { chooseLock, detectEngine } from '../../src/drivers/mysql/engine.js';
import { sessionLockName } from '../../src/drivers/mysql/lock.js';
import { type FreshMysql, freshMysql, mysqlConnection } from '../support/mysql.js';
import { applied, driverOptions, logEntry } from '../support/driver-fixtures.js';
import { rejectsWith } from '../support/assertions.js';
import { serverTests } from '../support/dialects.js';

// Every test is skipped, with the reason, when STRATA_TEST_DIALECTS does not list the server.
const { test } = serverTests('mysql');

interface Scenario {
  readonly db: FreshMysql;
  /** A driver on the test's database (closed after the test). */
  open(overrides?: Partial<DriverOptions>, db?: unknown): Promise<Driver>;
  /** A raw connection to the test's database (destroyed after the test). */
  raw(): Promise<mysql.Connection>;
}

/** Runs `fn` in a fresh database; closes every driver and connection it opened, then drops it. */
function dbTest(name: string, fn: (s: Scenario) => Promise<void>): void {
  test(name, async () => {
    const db = await freshMysql();
    const drivers: Driver[] = [];
    const raws: mysql.Connection[] = [];
    const scenario: Scenario = {
      db,
      async open(overrides = {}, input: unknown = db.url) {
        const driver = await openDriver(input as string, driverOptions(overrides));
        drivers.push(driver);
        return driver;
      },
      async raw() {
        const connection = await mysqlConnection(db.database);
        raws.push(connection);
        return connection;
      },
    };
    try {
      await fn(scenario);
    } finally {
      for (const driver of drivers) await driver.close();
      for (const connection of raws) connection.destroy();
      await db.drop();
    }
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function tablesIn(raw: mysql.Connection): Promise<string[]> {
  const [rows] = await raw.query<mysql.RowDataPacket[]>('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME');
  return rows.map((r) => String(r.name));
}

async function lockHolderId(raw: mysql.Connection, database: string): Promise<number | null> {
  const [rows] = await raw.query<mysql.RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS id', [sessionLockName(database, 'strata_migrations')]);
  return rows[0]!.id === null ? null : Number(rows[0]!.id);
}

// ---- tracking tables ----

dbTest('readApplied is null on a fresh database, and no read creates anything', async ({ open, raw }) => {
  const driver = await open();
  assert.equal(await driver.readApplied(), null);
  assert.deepEqual(await driver.readLog(10), []);
  assert.equal(await driver.readProtected(), false);
  assert.equal(await driver.probeLock(), null);
  assert.equal(await driver.tableExists('strata_migrations'), false);
  assert.deepEqual(await tablesIn(await raw()), []);
});

test('a database that does not exist reads as nothing applied, and a change fails with connection-failed', async () => {
  const url = `mysql://root@127.0.0.1:3306/strata_missing_${randomUUID().slice(0, 8).replace(/-/g, '')}`;
  const driver = await openDriver(url, driverOptions());
  try {
    assert.equal(await driver.readApplied(), null);
    assert.deepEqual(await driver.readLog(5), []);
    assert.equal(await driver.probeLock(), null);
    const error = await rejectsWith(driver.ensureTracking(), ConnectionError, 'connection-failed');
    assert.match(error.message, /Unknown database/);
    assert.match(error.hint ?? '', /CREATE DATABASE/);
  } finally {
    await driver.close();
  }
});

dbTest('tracking tables are InnoDB utf8mb4, version VARCHAR(255) primary key, in the connection\'s database', async ({ open, raw, db }) => {
  const driver = await open();
  await driver.ensureTracking();
  const connection = await raw();
  const [tables] = await connection.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_NAME AS name, ENGINE AS engine, TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [db.database],
  );
  assert.deepEqual(tables.map((t) => [t.name, t.engine, String(t.collation).startsWith('utf8mb4')]), [
    ['strata_migrations', 'InnoDB', true],
    ['strata_migrations_log', 'InnoDB', true],
  ]);
  const [version] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT COLUMN_TYPE AS type, COLUMN_KEY AS k FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'strata_migrations' AND COLUMN_NAME = 'version'`,
    [db.database],
  );
  assert.deepEqual([version[0]!.type, version[0]!.k], ['varchar(255)', 'PRI']);
});

dbTest('ensureTracking adds the columns an older table lacks and never drops one', async ({ open, raw }) => {
  const connection = await raw();
  await connection.query(`CREATE TABLE strata_migrations (
    version VARCHAR(255) NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, checksum VARCHAR(64), kind VARCHAR(8) NOT NULL,
    depends TEXT NOT NULL, applied_at DATETIME(3) NOT NULL, state VARCHAR(16) NOT NULL, legacy_note TEXT) ENGINE=InnoDB`);
  await connection.query(`INSERT INTO strata_migrations VALUES ('001', 'init', NULL, 'sql', '[]', '2025-12-31 23:59:59.999', 'applied', 'kept')`);
  const driver = await open();

  // Before the upgrade, missing columns read as null (one extra query, nothing created).
  const before = await driver.readApplied();
  assert.deepEqual(before?.map((r) => [r.version, r.appliedAt, r.description, r.error]), [['001', '2025-12-31T23:59:59.999Z', null, null]]);

  await driver.ensureTracking();
  const [columns] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'strata_migrations'`,
  );
  const names = new Set(columns.map((c) => String(c.c)));
  for (const expected of ['description', 'duration_ms', 'applied_by', 'dirty_operation', 'statements_done', 'error', 'legacy_note']) {
    assert.ok(names.has(expected), `missing ${expected}`);
  }
  assert.deepEqual((await driver.readApplied())?.map((r) => [r.version, r.state]), [['001', 'applied']]);
});

dbTest("a same-named table that is not strata's is refused", async ({ open, raw }) => {
  await (await raw()).query('CREATE TABLE strata_migrations (id INT PRIMARY KEY, payload TEXT)');
  const driver = await open();
  await rejectsWith(driver.readApplied(), ValidationError, 'foreign-table');
  await rejectsWith(driver.ensureTracking(), ValidationError, 'foreign-table');
});

// ---- the session lock (GET_LOCK) ----

dbTest('a second run waits for GET_LOCK, times out naming the holder, then gets it once released', async ({ open, raw, db }) => {
  const first = await open();
  const second = await open();
  assert.deepEqual(await first.describe().then((d) => [d.engine, d.lock]), ['mariadb', 'session']);
  await first.acquireLock({ timeoutMs: 1000 });
  const connection = await raw();
  const holderId = await lockHolderId(connection, db.database);
  assert.ok(holderId !== null);

  let announced: LockHolder | null | undefined;
  const started = Date.now();
  const error = await rejectsWith(second.acquireLock({ timeoutMs: 400, onWait: (h) => (announced = h) }), LockTimeoutError, 'lock-timeout');
  assert.ok(Date.now() - started >= 350, 'waited for the timeout');
  // What the server can tell: the holder's connection id and account.
  assert.match(error.message, new RegExp(`held by .*connection ${holderId}, root@`));
  assert.match(announced?.owner ?? '', new RegExp(`connection ${holderId}`));
  assert.match((await second.probeLock())?.owner ?? '', new RegExp(`connection ${holderId}`));

  await first.releaseLock();
  assert.equal(await lockHolderId(connection, db.database), null);
  await second.acquireLock({ timeoutMs: 1000 });
  assert.notEqual(await lockHolderId(connection, db.database), holderId);
  await second.releaseLock();
  await second.releaseLock(); // an unheld lock: no error
});

dbTest('a killed holder connection frees GET_LOCK, and the killed run learns it lost the lock', async ({ open, raw, db }) => {
  const first = await open();
  const second = await open();
  await first.acquireLock({ timeoutMs: 1000 });
  const connection = await raw();
  const holderId = await lockHolderId(connection, db.database);
  await connection.query(`KILL ${holderId}`);
  await second.acquireLock({ timeoutMs: 3000 });
  assert.notEqual(await lockHolderId(connection, db.database), holderId);
  for (let i = 0; i < 50; i++) {
    try {
      first.assertLockHeld();
    } catch {
      break;
    }
    await sleep(20);
  }
  assert.throws(() => first.assertLockHeld(), (e: unknown) => e instanceof LockTimeoutError && e.code === 'lock-lost');
});

test('the GET_LOCK name is strata_ + sha256(database.table), cut to 64 characters', () => {
  const name = sessionLockName('shop', 'strata_migrations');
  assert.equal(name.length, 64);
  assert.match(name, /^strata_[0-9a-f]{57}$/);
  assert.notEqual(name, sessionLockName('shop', 'other_table'));
  assert.notEqual(name, sessionLockName('shop2', 'strata_migrations'));
});

test('engine detection and the lock choice: Galera and Vitess take the lease, --lock session there is exit 2', () => {
  assert.equal(detectEngine({ version: '10.11.19-MariaDB-0+deb12u1', versionComment: 'Debian 12', wsrepOn: false }), 'mariadb');
  assert.equal(detectEngine({ version: '10.11.19-MariaDB-log', versionComment: 'MariaDB Server', wsrepOn: true }), 'mariadb-galera');
  assert.equal(detectEngine({ version: '8.0.36-28.1', versionComment: 'Percona XtraDB Cluster (GPL)', wsrepOn: true }), 'mysql-galera');
  assert.equal(detectEngine({ version: '8.0.36', versionComment: 'MySQL Community Server - GPL', wsrepOn: null }), 'mysql');
  assert.equal(detectEngine({ version: '8.0.11-TiDB-v7.5.0', versionComment: 'TiDB Server (Apache License 2.0)', wsrepOn: null }), 'tidb');
  assert.equal(detectEngine({ version: '8.0.30-Vitess', versionComment: 'Version: 18.0.0', wsrepOn: null }), 'vitess');
  assert.equal(detectEngine({ version: '8.0.34', versionComment: 'PlanetScale', wsrepOn: null }), 'vitess');

  assert.equal(chooseLock('mariadb', 'auto'), 'session');
  assert.equal(chooseLock('tidb', 'auto'), 'session');
  assert.equal(chooseLock('mariadb-galera', 'auto'), 'lease');
  assert.equal(chooseLock('vitess', 'auto'), 'lease');
  assert.equal(chooseLock('mysql', 'lease'), 'lease');
  for (const engine of ['mariadb-galera', 'mysql-galera', 'vitess'] as const) {
    assert.throws(() => chooseLock(engine, 'session'), (e: unknown) => e instanceof ConfigError && e.code === 'config' && /GET_LOCK/.test(e.message));
  }
});

// ---- waiting on the application's locks; cancelling; transactions ----

dbTest('DDL waiting on a metadata lock fails after ddlLockTimeout (1 s) as a no-effect lock timeout', async ({ open, raw }) => {
  const app = await raw();
  await app.query('CREATE TABLE t (id INT PRIMARY KEY)');
  // An application transaction that read the table holds a shared metadata lock on it.
  await app.query('START TRANSACTION');
  await app.query('SELECT * FROM t');
  const driver = await open({ ddlLockTimeoutMs: 1000 });
  const started = Date.now();
  let failure: unknown;
  try {
    await driver.execute('ALTER TABLE t ADD COLUMN x INT');
  } catch (error) {
    failure = error;
  }
  const waited = Date.now() - started;
  assert.ok(failure, 'the ALTER failed');
  assert.ok(waited >= 900 && waited < 3000, `waited ${waited} ms`);
  assert.deepEqual(driver.errorFacts(failure), { lockTimeout: true, noEffect: true, cancelled: false });
  await app.query('COMMIT');
  assert.equal(await driver.columnExists('t', 'x'), false);
  // Once the application lets go, the same statement goes through.
  await driver.execute('ALTER TABLE t ADD COLUMN x INT');
  assert.equal(await driver.columnExists('t', 'x'), true);
});

dbTest('the session lock-wait timeouts follow ddlLockTimeout; 0 leaves the server default', async ({ open }) => {
  const bounded = await open({ ddlLockTimeoutMs: 2500 });
  assert.deepEqual(await bounded.query('SELECT @@SESSION.lock_wait_timeout AS a, @@SESSION.innodb_lock_wait_timeout AS b'), [{ a: 3, b: 3 }]);
  const unbounded = await open({ ddlLockTimeoutMs: 0 });
  const [row] = await unbounded.query('SELECT @@SESSION.lock_wait_timeout = @@GLOBAL.lock_wait_timeout AS same, @@SESSION.innodb_lock_wait_timeout = @@GLOBAL.innodb_lock_wait_timeout AS same2');
  assert.deepEqual(row, { same: 1, same2: 1 });
});

dbTest('statementTimeout bounds a statement only when set', async ({ open }) => {
  const bounded = await open({ statementTimeoutMs: 300 });
  const started = Date.now();
  let failure: unknown;
  await bounded.query('SELECT SLEEP(3)').catch((error: unknown) => (failure = error));
  assert.ok(failure && Date.now() - started < 2000, 'stopped by max_statement_time');
  const unbounded = await open();
  assert.deepEqual(await unbounded.query('SELECT @@SESSION.max_statement_time = @@GLOBAL.max_statement_time AS same'), [{ same: 1 }]);
});

dbTest('cancel() interrupts a running SELECT SLEEP(10) and the connection stays usable', async ({ open }) => {
  const driver = await open();
  await driver.cancel(); // nothing running: nothing to do
  const started = Date.now();
  const running = driver.query('SELECT SLEEP(10)');
  await sleep(200);
  await driver.cancel();
  let failure: unknown;
  try {
    await running;
  } catch (error) {
    failure = error;
  }
  assert.ok(Date.now() - started < 3000, 'returned early');
  assert.ok(failure, 'the query failed');
  assert.deepEqual(driver.errorFacts(failure), { lockTimeout: false, noEffect: false, cancelled: true });
  assert.deepEqual(await driver.query('SELECT 1 AS one'), [{ one: 1 }]);
});

dbTest('DDL commits implicitly: a CREATE TABLE inside begin() survives rollback, and takes earlier writes with it', async ({ open }) => {
  // The core's assumption behind transactionalDdl: false and the dirty protocol.
  const driver = await open();
  assert.deepEqual(driver.capabilities, { transactionalDdl: false, groupCommit: false, atomic: false, ddlLockTimeout: true });
  await driver.execute('CREATE TABLE kept (id INT PRIMARY KEY)');
  await driver.begin();
  assert.equal(driver.inTransaction, true);
  await driver.run('INSERT INTO kept VALUES (?)', [1]);
  await driver.execute('CREATE TABLE created_in_transaction (id INT)');
  assert.equal(driver.inTransaction, false, 'the implicit commit ended the transaction');
  await driver.rollback();
  assert.equal(await driver.tableExists('created_in_transaction'), true);
  assert.deepEqual(await driver.query('SELECT id FROM kept'), [{ id: 1 }]);

  // Without DDL, rollback is real.
  await driver.begin();
  await driver.run('INSERT INTO kept VALUES (?)', [2]);
  await driver.rollback();
  assert.equal(driver.inTransaction, false);
  assert.deepEqual(await driver.query('SELECT id FROM kept'), [{ id: 1 }]);
  await driver.begin();
  await driver.run('INSERT INTO kept VALUES (?)', [3]);
  await driver.commit();
  assert.deepEqual(await driver.query('SELECT id FROM kept ORDER BY id'), [{ id: 1 }, { id: 3 }]);
});

dbTest('query binds parameters on the server (a quoted ? is left alone); run reports affected rows', async ({ open }) => {
  const driver = await open();
  assert.deepEqual(await driver.query(`SELECT ? AS a, '?' AS b`, [5]), [{ a: 5, b: '?' }]);
  await driver.execute(`CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(20))`);
  assert.deepEqual(await driver.run('INSERT INTO items VALUES (?, ?), (?, ?)', [1, 'a', 2, 'b']), { changes: 2 });
  assert.deepEqual(await driver.run(`UPDATE items SET label = 'z'`), { changes: 2 });
  assert.deepEqual(await driver.query('SELECT label FROM items WHERE id = ?', [2]), [{ label: 'z' }]);
  assert.deepEqual(await driver.query('DELETE FROM items WHERE id = 1'), []);
});

dbTest('errorFacts: parse errors and denied statements had no effect', async ({ open }) => {
  const driver = await open();
  const failure = await driver.execute('CREATE TABLE (').catch((error: unknown) => error);
  assert.deepEqual(driver.errorFacts(failure), { lockTimeout: false, noEffect: true, cancelled: false });
  const missing = await driver.execute('DROP TABLE no_such_table').catch((error: unknown) => error);
  assert.deepEqual(driver.errorFacts(missing), { lockTimeout: false, noEffect: false, cancelled: false });
  assert.deepEqual(driver.errorFacts({ errno: 1142 }), { lockTimeout: false, noEffect: true, cancelled: false });
  assert.deepEqual(driver.errorFacts(new Error('not a server error')), { lockTimeout: false, noEffect: false, cancelled: false });
});

// ---- introspection, info, reset ----

dbTest('tableExists, columnExists and indexExists look in the current database', async ({ open }) => {
  const driver = await open();
  await driver.execute('CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100))');
  await driver.execute('CREATE INDEX users_email ON users (email)');
  assert.equal(await driver.tableExists('users'), true);
  assert.equal(await driver.tableExists('nope'), false);
  assert.equal(await driver.columnExists('users', 'email'), true);
  assert.equal(await driver.columnExists('users', 'name'), false);
  assert.equal(await driver.indexExists('users_email'), true);
  assert.equal(await driver.indexExists('users_name'), false);
});

dbTest('info reports engine, server version, size and estimated row counts', async ({ open }) => {
  const driver = await open();
  await driver.execute('CREATE TABLE a (id INT PRIMARY KEY)');
  await driver.execute('CREATE VIEW v AS SELECT id FROM a');
  await driver.run('INSERT INTO a VALUES (1), (2), (3)');
  const info = await driver.info();
  assert.equal(info.engine, 'mariadb');
  assert.match(info.serverVersion, /MariaDB/);
  assert.ok((info.sizeBytes ?? 0) > 0);
  assert.deepEqual(info.tables.map((t) => [t.name, t.estimated]), [['a', true]]);
});

dbTest('listObjects finds every object but the tracking tables; dropObjects drops them with foreign keys off', async ({ open, raw }) => {
  const driver = await open();
  await driver.acquireLock({ timeoutMs: 1000 });
  await driver.ensureTracking();
  const connection = await raw();
  for (const sql of [
    'CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB',
    'CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, FOREIGN KEY (parent_id) REFERENCES parent (id)) ENGINE=InnoDB',
    'CREATE VIEW child_ids AS SELECT id FROM child',
    'CREATE PROCEDURE noop() BEGIN END',
    'CREATE FUNCTION one() RETURNS INT DETERMINISTIC RETURN 1',
    'CREATE TRIGGER child_bi BEFORE INSERT ON child FOR EACH ROW SET NEW.id = NEW.id',
    'CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DISABLE DO SELECT 1',
    'CREATE SEQUENCE ids',
  ]) {
    await connection.query(sql);
  }
  const objects = await driver.listObjects();
  assert.deepEqual(objects, [
    { type: 'event', name: 'nightly' },
    { type: 'trigger', name: 'child_bi' },
    { type: 'procedure', name: 'noop' },
    { type: 'function', name: 'one' },
    { type: 'view', name: 'child_ids' },
    { type: 'table', name: 'child' },
    { type: 'table', name: 'parent' },
    { type: 'sequence', name: 'ids' },
  ]);
  // Parent before child would fail with foreign keys on.
  await driver.dropObjects([...objects].reverse());
  assert.deepEqual(await driver.listObjects(), []);
  assert.deepEqual(await tablesIn(connection), ['strata_migrations', 'strata_migrations_log']);
  assert.deepEqual(await driver.query('SELECT @@SESSION.foreign_key_checks AS fk'), [{ fk: 1 }]);
});

// ---- URLs, pools, connection errors ----

dbTest('mariadb:// URLs are accepted', async ({ open, db }) => {
  const driver = await open({}, db.url.replace(/^mysql:/, 'mariadb:'));
  assert.equal(await driver.readApplied(), null);
  assert.doesNotMatch(driver.displayName, /:\*\*\*@|password/);
});

dbTest("the driver's multi-statement mode stays off, even when the URL asks for it", async ({ open, db }) => {
  const driver = await open({}, `${db.url}?multipleStatements=true`);
  const failure = await driver.execute('SELECT 1; SELECT 2').catch((error: unknown) => error);
  assert.equal((failure as { errno?: number }).errno, 1064);
});

test('a connection error never shows the password', async () => {
  const secret = 'S3cr3t-Pa55word';
  for (const url of [`mysql://root:${secret}@127.0.0.1:3306/test`, `mysql://root:${secret}@127.0.0.1:1/test`]) {
    const driver = await openDriver(url, driverOptions());
    try {
      assert.ok(!driver.displayName.includes(secret));
      const error = await rejectsWith(driver.readApplied(), ConnectionError, 'connection-failed');
      assert.ok(!inspect(error, { depth: 5 }).includes(secret), inspect(error));
      assert.ok(!JSON.stringify({ message: error.message, hint: error.hint }).includes(secret));
      assert.match(error.message, /^cannot connect to mysql:\/\/root:\*\*\*@127\.0\.0\.1:/);
    } finally {
      await driver.close();
    }
  }
});

dbTest('a mysql2 promise pool: one connection checked out, session settings put back and returned at close', async ({ open, db }) => {
  const pool = mysql.createPool({ uri: db.url, connectionLimit: 1, timezone: '+05:00' });
  try {
    const [[before]] = await pool.query<mysql.RowDataPacket[]>('SELECT @@SESSION.lock_wait_timeout AS a, @@SESSION.innodb_lock_wait_timeout AS b');
    const driver = await open({ ddlLockTimeoutMs: 2000 }, pool);
    assert.match(driver.displayName, /application pool/);
    assert.deepEqual(await driver.query('SELECT @@SESSION.lock_wait_timeout AS a'), [{ a: 2 }]);
    await driver.acquireLock({ timeoutMs: 1000 });
    await driver.ensureTracking();
    // Times are ISO UTC whatever time zone the application's pool uses.
    await driver.writeApplied(applied('001'));
    assert.equal((await driver.readApplied())?.[0]?.appliedAt, '2026-01-28T09:30:00.123Z');
    await driver.releaseLock();
    await driver.close();
    // The same (only) connection is back in the pool, as the application left it.
    const [[after]] = await pool.query<mysql.RowDataPacket[]>('SELECT @@SESSION.lock_wait_timeout AS a, @@SESSION.innodb_lock_wait_timeout AS b');
    assert.deepEqual({ ...after }, { ...before });
  } finally {
    await pool.end();
  }
});

dbTest('a callback pool: a lock left held at close is released; a connection that died is destroyed, not returned', async ({ open, raw, db }) => {
  const pool = mysqlCallback.createPool({ uri: db.url, connectionLimit: 1 });
  const promisePool = pool.promise();
  try {
    const first = await open({}, pool);
    await first.acquireLock({ timeoutMs: 1000 });
    await first.close(); // without releaseLock: close lets it go
    const connection = await raw();
    assert.equal(await lockHolderId(connection, db.database), null);

    const second = await open({}, pool);
    await second.acquireLock({ timeoutMs: 1000 });
    await connection.query(`KILL ${await lockHolderId(connection, db.database)}`);
    await sleep(100);
    await second.releaseLock();
    await second.close();
    // The pool hands out a working connection, not the killed one.
    const [[row]] = await promisePool.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
    assert.equal(row?.one, 1);
  } finally {
    await promisePool.end();
  }
});

dbTest('tracking values are bound, never escaped: quotes and backslashes survive NO_BACKSLASH_ESCAPES', async ({ open, db }) => {
  const pool = mysql.createPool({ uri: db.url, connectionLimit: 1 });
  try {
    await pool.query(`SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')`);
    const driver = await open({}, pool);
    await driver.acquireLock({ timeoutMs: 1000 });
    await driver.ensureTracking();
    const error = `near 'it\'s' at C:\\temp\\x "quoted" \\' ; DROP TABLE strata_migrations; --`;
    await driver.writeApplied(applied('001', { state: 'dirty', dirtyOperation: 'up', statementsDone: 0 }));
    await driver.writeProgress('001', 1, error);
    await driver.appendLog(logEntry({ status: 'failed', error }));
    assert.equal((await driver.readApplied())?.[0]?.error, error);
    assert.equal((await driver.readLog(1))[0]?.error, error);
    // Inside strata's own transaction the rows wait for the COMMIT, still bound.
    await driver.begin();
    await driver.writeApplied(applied('001', { error }));
    await driver.appendLog(logEntry({ version: '001', error }));
    await driver.writeApplied(applied('002', { state: 'dirty', dirtyOperation: 'up', statementsDone: 0, error }));
    await driver.commit();
    const rows = await driver.readApplied();
    assert.deepEqual(rows?.map((r) => [r.version, r.state, r.error]), [['001', 'applied', error], ['002', 'dirty', error]]);
    assert.equal((await driver.readLog(1))[0]?.error, error);
  } finally {
    await pool.end();
  }
});

dbTest('rows waiting for the COMMIT: a ROLLBACK discards them, and a failing one fails the COMMIT with the rows before it undone', async ({ open, raw }) => {
  const driver = await open();
  await driver.acquireLock({ timeoutMs: 1000 });
  await driver.ensureTracking();
  await driver.begin();
  await driver.writeApplied(applied('001'));
  await driver.rollback();
  assert.deepEqual(await driver.readApplied(), [], 'rolled back before it was sent');

  const r = await raw();
  await r.query(`CREATE TRIGGER refuse BEFORE INSERT ON strata_migrations_log FOR EACH ROW BEGIN IF NEW.version = '002' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'log refused'; END IF; END`);
  await r.query('CREATE TABLE t (id integer)');
  await driver.begin();
  await driver.execute('INSERT INTO t VALUES (1)');
  await driver.writeApplied(applied('002'));
  await driver.appendLog(logEntry({ version: '002' }));
  await assert.rejects(driver.commit(), /log refused/);
  await driver.rollback();
  assert.deepEqual(await driver.readApplied(), []);
  const [rows] = await r.query('SELECT count(*) AS n FROM t');
  assert.equal((rows as { n: number }[])[0]!.n, 0, 'the DML of the transaction was rolled back with it');
});

dbTest("a pool of one connection cannot hold a lease (it renews on a second): a configuration error, not a hang", async ({ open, db }) => {
  const pool = mysql.createPool({ uri: db.url, connectionLimit: 1 });
  try {
    const driver = await open({ lock: 'lease' }, pool);
    const error = await rejectsWith(driver.acquireLock({ timeoutMs: 1000 }), ConfigError, 'config');
    assert.match(error.message, /connectionLimit is 1/);
    await driver.close();
    // A session lock needs one connection only.
    const session = await open({}, pool);
    await session.acquireLock({ timeoutMs: 1000 });
    assert.match((await (await open({ lock: 'lease' })).probeLock())?.owner ?? '', /connection \d+/);
    await session.close();
  } finally {
    await pool.end();
  }
});

// MariaDB Galera: test/distributed/galera.test.ts starts a real two-node cluster and owns it
// (one test file per extra server, so no file stops the cluster under another).
