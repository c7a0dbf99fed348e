/**
 * One conformance suite for every driver, through the Driver interface only: what the core
 * relies on, checked the same way on SQLite, PostgreSQL and MySQL/MariaDB.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LockTimeoutError } from '../../src/core/errors.js';
import type { AppliedMigration } from '../../src/core/model.js';
import type { Driver, DriverOptions } from '../../src/drivers/driver.js';
import { openDriver } from '../../src/drivers/load-driver.js';
import { dialects, type FreshDatabase } from '../support/dialects.js';
import { driverOptions } from '../support/driver-fixtures.js';

const options = (runId: string): DriverOptions => driverOptions({ runId, lockTimeoutMs: 5000, userVersion: true });

const row = (version: string, overrides: Partial<AppliedMigration> = {}): AppliedMigration => ({
  version, name: `m${version}`, description: 'a description', checksum: 'c'.repeat(64), kind: 'sql', depends: ['001'],
  appliedAt: '2026-11-25T03:04:05.678Z', durationMs: 12, appliedBy: 'tester@host', state: 'applied',
  dirtyOperation: null, statementsDone: null, error: null, ...overrides,
});

for (const dialect of dialects()) {
  describe(`driver conformance: ${dialect.name}`, () => {
    let db: FreshDatabase;
    let driver: Driver;
    before(async () => {
      db = await dialect.fresh();
      driver = await openDriver(db.url, options('run-a'));
    });
    after(async () => {
      await driver.close();
      await db.drop();
    });

    test('reads on a fresh database see nothing and create nothing', async () => {
      assert.equal(await driver.readApplied(), null);
      if (driver.readChecksums) assert.equal(await driver.readChecksums(), null);
      assert.deepEqual(await driver.readLog(10), []);
      assert.equal(await driver.probeLock(), null);
      assert.equal(await driver.tableExists('strata_migrations'), false, 'no tracking table was created by reading');
    });

    test('tracking rows round-trip with ISO-8601 UTC times, depends and dirty fields', async () => {
      await driver.acquireLock({ timeoutMs: 5000 });
      try {
        await driver.ensureTracking();
        await driver.ensureTracking();
        await driver.writeApplied(row('001'));
        await driver.writeApplied(row('002', { state: 'dirty', dirtyOperation: 'up', statementsDone: 0, durationMs: null }));
        await driver.writeProgress('002', 3, 'it broke');
        const rows = (await driver.readApplied())!.sort((a, b) => a.version.localeCompare(b.version));
        assert.deepEqual(rows[0], row('001'));
        assert.deepEqual(rows[1], row('002', { state: 'dirty', dirtyOperation: 'up', statementsDone: 3, error: 'it broke', durationMs: null }));
        if (driver.readChecksums) {
          const checksums = (await driver.readChecksums())!.map((r) => [...r]).sort();
          assert.deepEqual(checksums, [['001', 'c'.repeat(64), 'applied'], ['002', 'c'.repeat(64), 'dirty']]);
        }
        await driver.writeApplied(row('002'));
        assert.equal((await driver.readApplied())!.find((r) => r.version === '002')!.state, 'applied', 'writeApplied replaces the row');
        const sparse = row('2026_01_28_1430', { kind: 'code', depends: [], description: null, checksum: null, durationMs: null, appliedBy: null });
        await driver.writeApplied(sparse);
        assert.deepEqual((await driver.readApplied())!.find((r) => r.version === '2026_01_28_1430'), sparse, 'nulls, code kind and digit-group versions round-trip');
        await driver.deleteApplied('002');
        await driver.deleteApplied('2026_01_28_1430');
        assert.deepEqual((await driver.readApplied())!.map((r) => r.version), ['001']);
      } finally {
        await driver.releaseLock();
      }
    });

    test('the log is append-only and read newest first', async () => {
      await driver.acquireLock({ timeoutMs: 5000 });
      try {
        for (const [i, operation] of (['up', 'down', 'repair'] as const).entries()) {
          await driver.appendLog({ runId: 'run-a', version: `00${i + 1}`, name: 'x', operation, status: i === 1 ? 'failed' : 'success', error: i === 1 ? 'boom' : null, checksum: null, startedAt: `2026-11-25T03:04:0${i}.000Z`, durationMs: i, appliedBy: 'tester@host', detail: i === 2 ? { from: 'a', to: 'b' } : null });
        }
        const log = await driver.readLog(2);
        assert.deepEqual(log.map((e) => e.operation), ['repair', 'down']);
        assert.deepEqual(log[0]!.detail, { from: 'a', to: 'b' });
        assert.equal(log[1]!.error, 'boom');
        assert.equal(log[1]!.startedAt, '2026-11-25T03:04:01.000Z');
        assert.ok(log[0]!.id > log[1]!.id);
        assert.equal((await driver.readLog(1)).length, 1);
      } finally {
        await driver.releaseLock();
      }
    });

    test('a rolled-back transaction leaves no tracking row; a committed one does', async () => {
      await driver.acquireLock({ timeoutMs: 5000 });
      try {
        await driver.begin();
        assert.equal(driver.inTransaction, true);
        await driver.writeApplied(row('010'));
        await driver.rollback();
        assert.equal(driver.inTransaction, false);
        assert.ok(!(await driver.readApplied())!.some((r) => r.version === '010'));
        await driver.begin();
        await driver.writeApplied(row('011'));
        await driver.commit();
        assert.ok((await driver.readApplied())!.some((r) => r.version === '011'));
        await driver.deleteApplied('011');
      } finally {
        await driver.releaseLock();
      }
    });

    test('a second runner waits for the lock, times out with LockTimeoutError, and gets it after release', async () => {
      const other = await openDriver(db.url, options('run-b'));
      try {
        await driver.acquireLock({ timeoutMs: 5000 });
        const holder = await other.probeLock();
        assert.ok(holder !== null, 'the holder is visible to a probe');
        let waited: unknown = 'not called';
        const started = Date.now();
        await assert.rejects(other.acquireLock({ timeoutMs: 400, onWait: (h) => (waited = h) }), (e: unknown) => e instanceof LockTimeoutError && e.code === 'lock-timeout');
        assert.ok(Date.now() - started >= 350, 'it waited about the timeout');
        assert.notEqual(waited, 'not called', 'onWait was told');
        await driver.releaseLock();
        await other.acquireLock({ timeoutMs: 5000 });
        await other.releaseLock();
      } finally {
        await other.close();
      }
    });

    test('statements, parameters and introspection in the migration schema', async () => {
      const p = dialect.name === 'postgres' ? ['$1', '$2'] : ['?', '?'];
      await driver.execute('CREATE TABLE widgets (id INTEGER PRIMARY KEY, label VARCHAR(50))');
      await driver.execute('CREATE INDEX widgets_label ON widgets (label)');
      assert.deepEqual(await driver.run(`INSERT INTO widgets (id, label) VALUES (${p[0]}, ${p[1]})`, [1, "it's"]), { changes: 1 });
      const rows = await driver.query(`SELECT label FROM widgets WHERE id = ${p[0]}`, [1]);
      assert.deepEqual(rows, [{ label: "it's" }]);
      assert.equal(await driver.tableExists('widgets'), true);
      assert.equal(await driver.columnExists('widgets', 'label'), true);
      assert.equal(await driver.columnExists('widgets', 'nope'), false);
      assert.equal(await driver.indexExists('widgets_label'), true);
      const info = await driver.info();
      assert.ok(info.tables.some((t) => t.name === 'widgets'));
      assert.ok(info.serverVersion.length > 0);
    });

    test('errorFacts: a syntax error provably had no effect and is not a lock timeout', async () => {
      const error = await driver.execute('CREATE TABLEX nope (id INTEGER)').then(() => null, (e: unknown) => e);
      assert.ok(error);
      const facts = driver.errorFacts(error);
      assert.equal(facts.noEffect, true);
      assert.equal(facts.lockTimeout, false);
    });

    test('reset sees every object but the tracking tables, and drops them', async () => {
      const objects = await driver.listObjects();
      assert.ok(objects.some((o) => o.name === 'widgets'));
      assert.ok(!objects.some((o) => o.name.startsWith('strata_migrations')));
      await driver.acquireLock({ timeoutMs: 5000 });
      try {
        await driver.dropObjects(objects);
      } finally {
        await driver.releaseLock();
      }
      assert.equal(await driver.tableExists('widgets'), false);
      assert.ok((await driver.readApplied())!.length > 0, 'tracking rows survive');
      await driver.acquireLock({ timeoutMs: 5000 });
      try {
        await driver.deleteAllApplied();
      } finally {
        await driver.releaseLock();
      }
      assert.deepEqual(await driver.readApplied(), [], 'reset forgets every applied migration');
      assert.ok((await driver.readLog(10)).length > 0, 'the log stays');
    });
  });
}
