/**
 * One conformance suite for every driver, through the Driver interface only: each documented
 * guarantee of src/drivers/driver.ts, checked the same way for every dialect × lock strategy
 * (SQLite: the lease; PostgreSQL and MySQL/MariaDB: the session lock and the lease). Every test
 * runs on its own fresh database and depends on no other. A dialect not listed in
 * STRATA_TEST_DIALECTS is skipped with the reason shown; a listed one that cannot be reached
 * fails.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AbortError, LockNotNeeded, LockTimeoutError } from '../../src/core/errors.js';
import type { AppliedMigration, LogEntry } from '../../src/core/model.js';
import type { Driver, DriverOptions, LockStrategy } from '../../src/drivers/driver.js';
import { openDriver } from '../../src/drivers/load-driver.js';
import { allDialects, notListed, type DialectName, type FreshDatabase } from '../support/dialects.js';
import { driverOptions } from '../support/driver-fixtures.js';
import { nativeConnection, passedInConnection, type NativeConnection, type PassedIn } from '../support/native.js';

/** The lock strategies each dialect's driver accepts (SQLite's driver always takes its lease). */
const LOCKS: Record<DialectName, readonly LockStrategy[]> = { sqlite: ['lease'], postgres: ['session', 'lease'], mysql: ['session', 'lease'] };

const row = (version: string, overrides: Partial<AppliedMigration> = {}): AppliedMigration => ({
  version, name: `m${version}`, description: 'a description', checksum: 'c'.repeat(64), kind: 'sql', depends: ['001'],
  appliedAt: '2026-11-25T03:04:05.678Z', durationMs: 12, appliedBy: 'tester@host', state: 'applied',
  dirtyOperation: null, statementsDone: null, error: null, ...overrides,
});

const entry = (i: number, overrides: Partial<LogEntry> = {}): LogEntry => ({
  runId: 'run-a', version: `00${i}`, name: 'x', operation: 'up', status: 'success', error: null, checksum: null,
  startedAt: `2026-11-25T03:04:0${i}.000Z`, durationMs: i, appliedBy: 'tester@host', detail: null, ...overrides,
});

const isLockLost = (e: unknown): boolean => e instanceof LockTimeoutError && e.code === 'lock-lost';

/** Whether assertLockHeld reports the lock lost now. */
const lost = (driver: Driver): boolean => {
  try {
    driver.assertLockHeld();
    return false;
  } catch (error) {
    if (isLockLost(error)) return true;
    throw error;
  }
};

/** Polls `condition` every 20 ms until it holds; fails after `ms`. */
async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const failure = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => assert.fail('expected a rejection'), (error: unknown) => error);

interface Scenario {
  readonly db: FreshDatabase;
  /** The driver under test (lock strategy of the suite), opened on the fresh database. */
  readonly driver: Driver;
  /** Another driver on the same database (another runner), closed after the test. */
  open(overrides?: Partial<DriverOptions>, input?: unknown): Promise<Driver>;
  /** The application's own connection, ended after the test. */
  native(): Promise<NativeConnection>;
  /** A connection of the application's kind to pass to openDriver, ended after the test. */
  passedIn(): Promise<PassedIn>;
  /** Placeholders for parameters 1 and 2 in this dialect. */
  readonly p: readonly [string, string];
  /** Reports the test skipped with `reason` (an optional method this driver does not have); the test then returns. */
  skip(reason: string): void;
}

for (const dialect of allDialects()) {
  for (const lock of LOCKS[dialect.name]) {
    describe(`driver conformance: ${dialect.name} × ${lock}`, { skip: notListed(dialect.name) }, () => {
      /** Runs `fn` on a fresh database; closes every driver and connection it opened, then drops it. */
      function conformance(name: string, fn: (s: Scenario) => Promise<void>, options: { skip?: string | false } = {}): void {
        test(name, options, async (t) => {
          const db = await dialect.fresh();
          const drivers: Driver[] = [];
          const natives: { end(): Promise<void> }[] = [];
          const open = async (overrides: Partial<DriverOptions> = {}, input: unknown = db.url): Promise<Driver> => {
            const driver = await openDriver(input as string, driverOptions({ lock, lockTimeoutMs: 5000, ...overrides }));
            drivers.push(driver);
            return driver;
          };
          try {
            const driver = await open({ runId: 'run-a' });
            await fn({
              db, driver, open,
              async native() {
                const connection = await nativeConnection(dialect.name, db.url);
                natives.push(connection);
                return connection;
              },
              async passedIn() {
                const connection = await passedInConnection(dialect.name, db.url);
                natives.push(connection);
                return connection;
              },
              p: dialect.name === 'postgres' ? ['$1', '$2'] : ['?', '?'],
              skip: (reason) => t.skip(reason),
            });
          } finally {
            // Drivers first: a driver's lock or transaction must not keep a native connection waiting.
            for (const driver of drivers) await driver.close();
            for (const connection of natives) await connection.end();
            await db.drop();
          }
        });
      }

      // ---- describe ----

      conformance('describe() names the engine, the lock strategy asked for and a server version', async ({ driver }) => {
        // A SQLite file that does not exist yet has no version to tell (describe() creates nothing).
        await driver.execute('CREATE TABLE t (id INTEGER PRIMARY KEY)');
        const described = await driver.describe();
        assert.equal(described.lock, lock);
        assert.ok(described.engine.length > 0);
        assert.ok(described.serverVersion.length > 0);
        assert.equal(driver.dialect, dialect.name);
        assert.ok(!driver.displayName.includes('password'));
      });

      // ---- lock ----

      conformance('acquireLock takes it, probeLock shows the holder, releaseLock frees it', async ({ driver, open }) => {
        assert.equal(await driver.probeLock(), null, 'nobody holds it on a fresh database');
        await driver.acquireLock({ timeoutMs: 5000 });
        driver.assertLockHeld();
        const observer = await open({ runId: 'run-observer' });
        const holder = await observer.probeLock();
        assert.ok(holder !== null && holder.owner.length > 0, 'another connection sees the holder');
        assert.ok(holder.since === null || !Number.isNaN(Date.parse(holder.since)), `since is ISO-8601 or null: ${holder.since}`);
        await driver.releaseLock();
        assert.equal(await observer.probeLock(), null, 'released');
      });

      conformance('probeLock is read-only: it creates no table', async ({ driver }) => {
        assert.equal(await driver.probeLock(), null);
        assert.deepEqual(await driver.listObjects(), []);
        assert.equal(await driver.tableExists('strata_migrations_lock'), false);
      });

      conformance('releaseLock never throws for a lock it does not hold', async ({ driver }) => {
        await driver.releaseLock();
        await driver.acquireLock({ timeoutMs: 5000 });
        await driver.releaseLock();
        await driver.releaseLock();
      });

      conformance('a second runner waits, calls onWait once, times out with LockTimeoutError, then gets it after release', async ({ driver, open }) => {
        const other = await open({ runId: 'run-b' });
        await driver.acquireLock({ timeoutMs: 5000 });
        const waits: unknown[] = [];
        const started = Date.now();
        const error = await failure(other.acquireLock({ timeoutMs: 400, onWait: (h) => waits.push(h) }));
        assert.ok(error instanceof LockTimeoutError && error.code === 'lock-timeout', String(error));
        assert.ok(Date.now() - started >= 350, 'it waited about the timeout');
        assert.equal(waits.length, 1, 'onWait is called once');
        driver.assertLockHeld();
        await driver.releaseLock();
        await other.acquireLock({ timeoutMs: 5000 });
        other.assertLockHeld();
        await other.releaseLock();
      });

      conformance('a waiter whose stillNeeded answers false stops with LockNotNeeded', async ({ driver, open }) => {
        const other = await open({ runId: 'run-b' });
        await driver.acquireLock({ timeoutMs: 5000 });
        const error = await failure(other.acquireLock({ timeoutMs: 5000, stillNeeded: async () => false }));
        assert.ok(error instanceof LockNotNeeded, String(error));
      });

      conformance('a waiter stops at once with AbortError when its signal aborts', async ({ driver, open }) => {
        const other = await open({ runId: 'run-b' });
        await driver.acquireLock({ timeoutMs: 5000 });
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 150);
        const started = Date.now();
        const error = await failure(other.acquireLock({ timeoutMs: 10_000, signal: controller.signal }));
        assert.ok(error instanceof AbortError, String(error));
        assert.ok(Date.now() - started < 3000, `stopped at once, not after the timeout (${Date.now() - started} ms)`);
      });

      conformance('close() lets go of the lock: the next runner gets it at once', async ({ driver, open }) => {
        await driver.acquireLock({ timeoutMs: 5000 });
        await driver.close();
        const other = await open({ runId: 'run-b' });
        await other.acquireLock({ timeoutMs: 1000 });
        await other.releaseLock();
      });

      conformance('a lease taken over is noticed by its renewal: assertLockHeld and the next tracking write fail lock-lost', async ({ open, native }) => {
        const victim = await open({ runId: 'run-victim', leaseTtlMs: 600 });
        await victim.acquireLock({ timeoutMs: 5000 });
        await victim.ensureTracking();
        victim.assertLockHeld();
        await (await native()).query("UPDATE strata_migrations_lock SET run_id = 'run-thief' WHERE id = 1");
        await until(() => lost(victim), 3000);
        assert.throws(() => victim.assertLockHeld(), isLockLost);
        await assert.rejects(victim.writeApplied(row('001')), isLockLost);
      }, { skip: lock !== 'lease' && 'a session lock cannot be taken over, only lost with its connection' });

      conformance('a session lock dies with its connection: the next runner gets it, the holder learns it lost it', async ({ driver, open, native }) => {
        await driver.acquireLock({ timeoutMs: 5000 });
        const app = await native();
        assert.ok((await app.query('SELECT 1 AS one')).length === 1);
        assert.ok((await app.endOtherSessions()) >= 1, 'the holder\'s connection was ended');
        const other = await open({ runId: 'run-b' });
        await other.acquireLock({ timeoutMs: 3000 });
        // The holder finds out at its next round trip at the latest (no round trip is made for assertLockHeld).
        await failure(driver.query('SELECT 1 AS one'));
        await until(() => lost(driver), 3000);
        assert.throws(() => driver.assertLockHeld(), isLockLost);
      }, { skip: lock !== 'session' && 'a lease outlives its connection until it expires' });

      // ---- tracking ----

      conformance('reads on a fresh database see nothing and create nothing', async ({ driver }) => {
        assert.equal(await driver.readApplied(), null);
        if (driver.readChecksums) assert.equal(await driver.readChecksums(), null);
        assert.deepEqual(await driver.readLog(10), []);
        assert.equal(await driver.readProtected(), false);
        assert.equal(await driver.tableExists('strata_migrations'), false, 'no tracking table was created by reading');
        assert.deepEqual(await driver.listObjects(), []);
      });

      conformance('ensureTracking creates empty tracking tables and can run again', async ({ driver }) => {
        await driver.acquireLock({ timeoutMs: 5000 });
        await driver.ensureTracking();
        await driver.ensureTracking();
        assert.deepEqual(await driver.readApplied(), []);
        if (driver.readChecksums) assert.deepEqual(await driver.readChecksums(), []);
        assert.deepEqual(await driver.readLog(10), []);
        await driver.releaseLock();
      });

      conformance('tracking rows round-trip with ISO-8601 UTC times, depends, nulls and digit-group versions', async ({ driver }) => {
        await driver.acquireLock({ timeoutMs: 5000 });
        await driver.ensureTracking();
        await driver.writeApplied(row('001'));
        const sparse = row('2026_01_28_1430', { kind: 'code', depends: [], description: null, checksum: null, durationMs: null, appliedBy: null });
        await driver.writeApplied(sparse);
        const rows = (await driver.readApplied())!.sort((a, b) => a.version.localeCompare(b.version));
        assert.deepEqual(rows, [row('001'), sparse]);
        await driver.releaseLock();
      });

      conformance('writeApplied replaces the row of its version', async ({ driver }) => {
        await driver.acquireLock({ timeoutMs: 5000 });
        await driver.ensureTracking();
        await driver.writeApplied(row('002', { state: 'dirty', dirtyOperation: 'up', statementsDone: 0, durationMs: null }));
        await driver.writeApplied(row('002'));
        assert.deepEqual(await driver.readApplied(), [row('002')]);
        await driver.releaseLock();
      });

      conformance('writeProgress records the statements done and the error of a dirty row', async ({ driver }) => {
        await driver.acquireLock({ timeoutMs: 5000 });
        await driver.ensureTracking();
        await driver.writeApplied(row('002', { state: 'dirty', dirtyOperation: 'up', statementsDone: 0, durationMs: null }));
        await driver.writeProgress('002', 3, 'it broke');
        assert.deepEqual(await driver.readApplied(), [row('002', { state: 'dirty', dirtyOperation: 'up', statementsDone: 3, error: 'it broke', durationMs: null })]);
        await driver.writeProgress('002', 4, null);
        assert.deepEqual((await driver.readApplied())!.map((r) => [r.statementsDone, r.error]), [[4, null]]);
        await driver.releaseLock();
      });

      conformance('readChecksums returns version, checksum and state of every row', async ({ driver, skip }) => {
        if (!driver.readChecksums) return skip('readChecksums is optional: the core falls back to readApplied');
        await driver.acquireLock({ timeoutMs: 5000 });
        await driver.ensureTracking();
        await driver.writeApplied(row('001'));
        await driver.writeApplied(row('002', { state: 'dirty', dirtyOperation: 'up', statementsDone: 0, checksum: null }));
        const checksums = (await driver.readChecksums())!.map((r) => [...r]).sort();
        assert.deepEqual(checksums, [['001', 'c'.repeat(64), 'applied'], ['002', null, 'dirty']]);
        await driver.releaseLock();
      });

      conformance('deleteApplied forgets one version; deleteAllApplied forgets every one and keeps the log', async ({ driver }) => {
        await driver.acquireLock({ timeoutMs: 5000 });
        await driver.ensureTracking();
        for (const version of ['001', '002', '003']) await driver.writeApplied(row(version));
        await driver.appendLog(entry(1));
        await driver.deleteApplied('002');
        assert.deepEqual((await driver.readApplied())!.map((r) => r.version).sort(), ['001', '003']);
        await driver.deleteAllApplied();
        assert.deepEqual(await driver.readApplied(), []);
        assert.equal((await driver.readLog(10)).length, 1, 'the log stays');
        await driver.releaseLock();
      });

      conformance('the log is append-only and read newest first, with details and errors', async ({ driver }) => {
        await driver.acquireLock({ timeoutMs: 5000 });
        await driver.ensureTracking();
        await driver.appendLog(entry(1));
        await driver.appendLog(entry(2, { operation: 'down', status: 'failed', error: 'boom' }));
        await driver.appendLog(entry(3, { operation: 'repair', detail: { from: 'a', to: 'b' } }));
        const log = await driver.readLog(2);
        assert.deepEqual(log.map((e) => e.operation), ['repair', 'down']);
        assert.deepEqual(log[0]!.detail, { from: 'a', to: 'b' });
        assert.equal(log[1]!.error, 'boom');
        assert.equal(log[1]!.status, 'failed');
        assert.equal(log[1]!.startedAt, '2026-11-25T03:04:02.000Z');
        assert.ok(log[0]!.id > log[1]!.id);
        assert.equal((await driver.readLog(1)).length, 1);
        await driver.releaseLock();
      });

      conformance('readProtected is true once the log records a run in a protected environment', async ({ driver }) => {
        await driver.acquireLock({ timeoutMs: 5000 });
        await driver.ensureTracking();
        await driver.appendLog(entry(1, { detail: { environment: 'dev', protected: false } }));
        assert.equal(await driver.readProtected(), false);
        await driver.appendLog(entry(2, { detail: { environment: 'production', protected: true } }));
        assert.equal(await driver.readProtected(), true);
        await driver.releaseLock();
      });

      conformance('a tracking table that is not strata\'s is refused with a ValidationError', async ({ driver }) => {
        await driver.execute('CREATE TABLE strata_migrations (id INTEGER PRIMARY KEY, note VARCHAR(20))');
        const error = await failure(driver.readApplied());
        assert.equal((error as { name?: string }).name, 'ValidationError', String(error));
      });

      // ---- transactions ----

      conformance('a rolled-back transaction leaves no tracking row or log entry; a committed one does', async ({ driver }) => {
        await driver.acquireLock({ timeoutMs: 5000 });
        await driver.ensureTracking();
        assert.equal(driver.inTransaction, false);
        await driver.begin();
        assert.equal(driver.inTransaction, true);
        await driver.writeApplied(row('010'));
        await driver.appendLog(entry(1));
        await driver.rollback();
        assert.equal(driver.inTransaction, false);
        assert.deepEqual(await driver.readApplied(), []);
        assert.deepEqual(await driver.readLog(10), []);
        await driver.begin({ durable: false });
        await driver.writeApplied(row('011'));
        await driver.appendLog(entry(2));
        await driver.commit();
        assert.equal(driver.inTransaction, false);
        assert.deepEqual((await driver.readApplied())!.map((r) => r.version), ['011']);
        assert.equal((await driver.readLog(10)).length, 1);
        await driver.releaseLock();
      });

      conformance('a committed transaction is seen by another connection', async ({ driver, native, p }) => {
        await driver.execute('CREATE TABLE t (id INTEGER PRIMARY KEY)');
        await driver.begin();
        await driver.run(`INSERT INTO t (id) VALUES (${p[0]})`, [1]);
        await driver.commit();
        const app = await native();
        assert.deepEqual((await app.query('SELECT id FROM t')).map((r) => Number(r.id)), [1]);
      });

      conformance('savepoints: rolling back to one undoes what followed it, releasing one keeps it', async ({ driver, p }) => {
        await driver.acquireLock({ timeoutMs: 5000 });
        await driver.ensureTracking();
        await driver.execute('CREATE TABLE t (id INTEGER PRIMARY KEY)');
        const insert = (id: number) => driver.run(`INSERT INTO t (id) VALUES (${p[0]})`, [id]);
        await driver.begin();
        await insert(1);
        await driver.savepoint('strata_a');
        await insert(2);
        await driver.writeApplied(row('002'));
        await driver.rollbackToSavepoint('strata_a');
        assert.equal(driver.inTransaction, true, 'still inside the transaction');
        await driver.releaseSavepoint('strata_a');
        await driver.savepoint('strata_b');
        await insert(3);
        await driver.writeApplied(row('003'));
        await driver.releaseSavepoint('strata_b');
        await driver.commit();
        assert.deepEqual((await driver.query('SELECT id FROM t ORDER BY id')).map((r) => Number(r.id)), [1, 3]);
        assert.deepEqual((await driver.readApplied())!.map((r) => r.version), ['003']);
        await driver.releaseLock();
      });

      // ---- statements ----

      conformance('execute, run and query: parameters, quotes, changes counted, rows as objects', async ({ driver, p }) => {
        await driver.execute('CREATE TABLE widgets (id INTEGER PRIMARY KEY, label VARCHAR(50))');
        assert.deepEqual(await driver.run(`INSERT INTO widgets (id, label) VALUES (${p[0]}, ${p[1]})`, [1, "it's"]), { changes: 1 });
        assert.deepEqual(await driver.run(`INSERT INTO widgets (id, label) VALUES (${p[0]}, ${p[1]})`, [2, 'two']), { changes: 1 });
        assert.deepEqual(await driver.run(`UPDATE widgets SET label = ${p[0]}`, ['same']), { changes: 2 });
        assert.deepEqual(await driver.run(`DELETE FROM widgets WHERE id = ${p[0]}`, [3]), { changes: 0 });
        await driver.execute("INSERT INTO widgets (id, label) VALUES (3, 'semi;colon')");
        assert.deepEqual(await driver.query(`SELECT label FROM widgets WHERE id = ${p[0]}`, [3]), [{ label: 'semi;colon' }]);
        assert.deepEqual(await driver.query('SELECT label FROM widgets WHERE id > 99'), []);
      });

      // ---- introspection ----

      conformance('tableExists, columnExists and indexExists see the migration schema', async ({ driver }) => {
        assert.equal(await driver.tableExists('widgets'), false);
        await driver.execute('CREATE TABLE widgets (id INTEGER PRIMARY KEY, label VARCHAR(50))');
        await driver.execute('CREATE INDEX widgets_label ON widgets (label)');
        assert.equal(await driver.tableExists('widgets'), true);
        assert.equal(await driver.columnExists('widgets', 'label'), true);
        assert.equal(await driver.columnExists('widgets', 'nope'), false);
        assert.equal(await driver.columnExists('nowhere', 'label'), false);
        assert.equal(await driver.indexExists('widgets_label'), true);
        assert.equal(await driver.indexExists('nope_idx'), false);
      });

      conformance('info() names the engine and version and lists the tables with their rows', async ({ driver }) => {
        await driver.execute('CREATE TABLE widgets (id INTEGER PRIMARY KEY)');
        await driver.execute('INSERT INTO widgets (id) VALUES (1), (2)');
        const info = await driver.info();
        assert.ok(info.engine.length > 0);
        assert.ok(info.serverVersion.length > 0);
        assert.ok(info.sizeBytes === null || info.sizeBytes > 0);
        const widgets = info.tables.find((t) => t.name === 'widgets');
        assert.ok(widgets, JSON.stringify(info.tables));
        if (!widgets.estimated) assert.equal(widgets.rows, 2);
      });

      // ---- reset ----

      conformance('listObjects sees every object but the tracking tables; dropObjects drops them all', async ({ driver }) => {
        await driver.acquireLock({ timeoutMs: 5000 });
        await driver.ensureTracking();
        await driver.writeApplied(row('001'));
        await driver.execute('CREATE TABLE parent (id INTEGER PRIMARY KEY)');
        await driver.execute('CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))');
        await driver.execute('CREATE INDEX child_parent ON child (parent_id)');
        await driver.execute('CREATE VIEW parents AS SELECT id FROM parent');
        const objects = await driver.listObjects();
        for (const name of ['parent', 'child', 'parents']) assert.ok(objects.some((o) => o.name === name), `${name} in ${JSON.stringify(objects)}`);
        assert.ok(!objects.some((o) => o.name.toLowerCase().startsWith('strata_migrations')), JSON.stringify(objects));
        await driver.dropObjects(objects);
        assert.deepEqual(await driver.listObjects(), []);
        assert.equal(await driver.tableExists('parent'), false);
        assert.deepEqual((await driver.readApplied())!.map((r) => r.version), ['001'], 'tracking rows survive');
        await driver.releaseLock();
      });

      conformance('safetyNet().backup copies the database to a new file', async ({ driver, skip }) => {
        const target = (await driver.safetyNet?.())?.backup ?? null;
        if (!target) return skip('this database has no backup (:memory:)');
        await driver.execute('CREATE TABLE t (id INTEGER PRIMARY KEY)');
        const folder = mkdtempSync(join(tmpdir(), 'strata-copy-'));
        try {
          const file = join(folder, `copy${target.extension}`);
          await target.copyTo(file, () => undefined);
          assert.ok(existsSync(file) && statSync(file).size > 0, `a copy exists: ${file}`);
          assert.deepEqual(readdirSync(folder), [`copy${target.extension}`], 'nothing else is left behind');
        } finally {
          rmSync(folder, { recursive: true, force: true });
        }
      });

      // ---- foreign keys around migrations (optional) ----

      conformance('setForeignKeys(false) suspends enforcement, checkIntegrity reports the orphans by table, restoreForeignKeys is idempotent', async ({ driver, skip }) => {
        if (!driver.setForeignKeys || !driver.restoreForeignKeys || !driver.checkIntegrity) return skip('foreign keys around migrations are optional (engines where enforcement is a connection setting)');
        await driver.execute('CREATE TABLE parent (id INTEGER PRIMARY KEY)');
        await driver.execute('CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE)');
        assert.deepEqual(await driver.checkIntegrity(), [], 'none where no row breaks a key');
        await driver.setForeignKeys(false);
        await driver.begin();
        await driver.execute('INSERT INTO child (id, parent_id) VALUES (1, 42)');
        const violations = await driver.checkIntegrity();
        assert.deepEqual(violations.map((v) => [v.table, v.parent, v.rows]), [['child', 'parent', 1]]);
        await driver.rollback();
        await driver.restoreForeignKeys();
        await driver.restoreForeignKeys();
        assert.deepEqual(await driver.checkIntegrity(), []);
      });

      // ---- statements the core may fold into a transaction (optional) ----

      conformance('joinsTransaction: row changes join the transaction, DDL and unknown statements do not', async ({ driver, skip }) => {
        if (!driver.joinsTransaction) return skip('joinsTransaction is for engines whose DDL commits implicitly');
        for (const statement of ['INSERT INTO t (id) VALUES (1)', 'UPDATE t SET id = 2', 'DELETE FROM t', 'REPLACE INTO t (id) VALUES (1)']) {
          assert.equal(driver.joinsTransaction(statement), true, statement);
        }
        for (const statement of ['CREATE TABLE t (id INT)', 'ALTER TABLE t ADD COLUMN x INT', 'DROP TABLE t', 'LOCK TABLES t WRITE']) {
          assert.equal(driver.joinsTransaction(statement), false, statement);
        }
      });

      // ---- errors ----

      conformance('errorFacts: a syntax error provably had no effect and is neither a lock timeout nor a cancel', async ({ driver }) => {
        const error = await failure(driver.execute('CREATE TABLEX nope (id INTEGER)'));
        const facts = driver.errorFacts(error);
        assert.equal(facts.noEffect, true);
        assert.equal(facts.lockTimeout, false);
        assert.equal(facts.cancelled, false);
      });

      conformance('failureHint answers null for a statement that left nothing to clean up, and never throws', async ({ driver, skip }) => {
        if (!driver.failureHint) return skip('failureHint is optional: nothing is ever left to clean up');
        const error = await failure(driver.execute('CREATE TABLEX nope (id INTEGER)'));
        assert.equal(await driver.failureHint('CREATE TABLEX nope (id INTEGER)', error), null);
        assert.equal(await driver.failureHint('CREATE INDEX i ON nowhere (x)', new Error('not a database error')), null);
      });

      conformance('errorFacts: DDL waiting on the application\'s table lock fails after ddlLockTimeout as a no-effect lock timeout', async ({ open, native }) => {
        const setup = await native();
        await setup.query('CREATE TABLE t (id INTEGER PRIMARY KEY)');
        await setup.holdTableLock('t');
        // The wait bound is in seconds on MySQL/MariaDB (lock_wait_timeout).
        const driver = await open({ runId: 'run-ddl', ddlLockTimeoutMs: 1000 });
        const started = Date.now();
        const error = await failure(driver.execute('ALTER TABLE t ADD COLUMN x INTEGER'));
        const waited = Date.now() - started;
        assert.ok(waited >= 800 && waited < 4000, `waited ${waited} ms`);
        assert.deepEqual(driver.errorFacts(error), { lockTimeout: true, noEffect: true, cancelled: false });
      }, { skip: dialect.name === 'sqlite' && 'SQLite cannot bound DDL lock waits (capabilities.ddlLockTimeout is false)' });

      conformance('cancel() does nothing when idle, ends a running statement as cancelled, and the connection stays usable', async ({ driver }) => {
        await driver.cancel();
        const started = Date.now();
        const running = failure(driver.query(dialect.name === 'postgres' ? 'SELECT pg_sleep(10)' : 'SELECT SLEEP(10)'));
        await new Promise((resolve) => setTimeout(resolve, 300));
        await driver.cancel();
        const error = await running;
        assert.ok(Date.now() - started < 5000, `returned early (${Date.now() - started} ms)`);
        // noEffect is the engine's to tell: a cancelled PostgreSQL statement is rolled back whole.
        const facts = driver.errorFacts(error);
        assert.deepEqual([facts.cancelled, facts.lockTimeout], [true, false]);
        assert.deepEqual((await driver.query('SELECT 1 AS one')).map((r) => Number(r.one)), [1]);
      }, { skip: dialect.name === 'sqlite' && 'better-sqlite3 runs a statement synchronously: nothing can run while it does' });

      // ---- close ----

      conformance('close() never closes a connection the application passed in, and can be called again', async ({ open, passedIn }) => {
        const app = await passedIn();
        const driver = await open({ runId: 'run-passed' }, app.handle);
        await driver.acquireLock({ timeoutMs: 5000 });
        await driver.ensureTracking();
        await driver.writeApplied(row('001'));
        await driver.close();
        assert.equal(await app.alive(), true, 'the application\'s connection still answers');
        await driver.close();
        assert.equal(await app.alive(), true);
        const other = await open({ runId: 'run-after' });
        assert.deepEqual((await other.readApplied())!.map((r) => r.version), ['001']);
        await other.acquireLock({ timeoutMs: 1000 });
        await other.releaseLock();
      });
    });
  }
}
