/**
 * Scratch databases (§7) on every dialect, against the real servers: made, used, dropped after
 * success, failure and a signal; a user who may not create databases; `scratchDb`; leftovers.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { AbortError, ConfigError } from '../../src/core/errors.js';
import type { Driver } from '../../src/drivers/driver.js';
import { openDriver } from '../../src/drivers/load-driver.js';
import { SCRATCH_PREFIX, scratchName, scratchTime, withScratch } from '../../src/scratch/scratch.js';
import { allDialects, notListed, type DialectName, type FreshDatabase } from '../support/dialects.js';
import { driverOptions } from '../support/driver-fixtures.js';
import { pgClient } from '../support/postgres.js';
import { mysqlConnection } from '../support/mysql.js';

/** The scratch databases (or SQLite folders) that exist now. */
async function existing(driver: Driver): Promise<string[]> {
  return (await driver.safetyNet!()).scratch!.list(SCRATCH_PREFIX);
}

/** Connects to `url` and writes a table there: the scratch database is a database. */
async function useIt(url: string): Promise<void> {
  const scratch = await openDriver(url, driverOptions());
  try {
    await scratch.execute('CREATE TABLE probe (id INTEGER PRIMARY KEY)');
    assert.equal(await scratch.tableExists('probe'), true);
  } finally {
    await scratch.close();
  }
}

test('scratch names carry the time they were made and a random part', () => {
  const when = new Date('2026-01-02T03:04:05.678Z');
  const a = scratchName(when);
  assert.match(a, /^strata_scratch_20260102030405_[0-9a-f]{8}$/);
  assert.notEqual(a, scratchName(when));
  assert.equal(scratchTime(a)?.toISOString(), '2026-01-02T03:04:05.000Z');
  assert.equal(scratchTime('strata_scratch_mine'), null, 'a name strata did not make is never touched');
});

for (const dialect of allDialects()) {
  describe(`scratch databases on ${dialect.name}`, { skip: notListed(dialect.name) }, () => {
    let db: FreshDatabase;
    let driver: Driver;

    beforeEach(async () => {
      db = await dialect.fresh();
      driver = await openDriver(db.url, driverOptions());
    });
    afterEach(async () => {
      await driver.close();
      await db.drop();
    });

    test('made for the work and dropped after it succeeds', async () => {
      let seen: string | null = null;
      const result = await withScratch({ driver }, async (scratch) => {
        seen = scratch.name;
        assert.match(scratch.name!, /^strata_scratch_\d{14}_[0-9a-f]{8}$/);
        assert.ok((await existing(driver)).includes(scratch.name!));
        await useIt(scratch.url);
        return 42;
      });
      assert.equal(result, 42);
      assert.ok(seen);
      assert.ok(!(await existing(driver)).includes(seen!), 'dropped');
    });

    test('dropped when the work throws, and the error is the work\'s', async () => {
      let seen: string | null = null;
      await assert.rejects(withScratch({ driver }, async (scratch) => {
        seen = scratch.name;
        await useIt(scratch.url);
        throw new Error('the migration failed');
      }), /the migration failed/);
      assert.ok(!(await existing(driver)).includes(seen!), 'dropped');
    });

    test('dropped when the signal aborts while the work is still running', async () => {
      const controller = new AbortController();
      let seen: string | null = null;
      await assert.rejects(withScratch({ driver, signal: controller.signal }, async (scratch) => {
        seen = scratch.name;
        await useIt(scratch.url);
        controller.abort();
        await new Promise(() => undefined); // work that never ends on its own
      }), (error) => error instanceof AbortError);
      assert.ok(!(await existing(driver)).includes(seen!), 'dropped');
    });

    test('a leftover older than an hour is dropped, never reused; a young one is left alone', async () => {
      const port = (await driver.safetyNet!()).scratch!;
      const old = `${SCRATCH_PREFIX}20200101000000_${randomBytes(4).toString('hex')}`;
      const young = scratchName(new Date());
      await port.create(old);
      await port.create(young);
      try {
        await withScratch({ driver }, async (scratch) => {
          assert.notEqual(scratch.name, old);
          assert.notEqual(scratch.name, young);
        });
        const now = await existing(driver);
        assert.ok(!now.includes(old), 'the old leftover is gone');
        assert.ok(now.includes(young), 'a young one may belong to a command still running');
      } finally {
        await port.drop(old);
        await port.drop(young);
      }
    });

    test('scratchDb naming an existing database: refused when not empty, else used and emptied after', async () => {
      const other = await dialect.fresh();
      try {
        await withScratch({ driver, scratchDb: other.url }, async (scratch) => {
          assert.equal(scratch.name, null);
          await useIt(scratch.url);
          const tracked = await openDriver(scratch.url, driverOptions());
          try {
            await tracked.acquireLock({ timeoutMs: 1000 });
            await tracked.ensureTracking();
            await tracked.releaseLock();
          } finally {
            await tracked.close();
          }
        });
        const after = await openDriver(other.url, driverOptions());
        try {
          assert.deepEqual(await after.listObjects(), [], 'emptied');
          assert.equal(await after.readApplied(), null, 'its tracking table is gone too');
          await after.execute('CREATE TABLE keep_me (id INTEGER PRIMARY KEY)');
        } finally {
          await after.close();
        }
        await assert.rejects(withScratch({ driver, scratchDb: other.url }, async () => assert.fail('must not run')), (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.code, 'scratch-unavailable');
          assert.match(error.message, /is not empty \(table keep_me\)/);
          return true;
        });
      } finally {
        await other.drop();
      }
    });

    if (dialect.name !== 'sqlite') {
      test('a user who may not create databases and no scratchDb: scratch-unavailable with the hint, no password shown', async () => {
        const { url, dropUser } = await userWithoutCreate(dialect.name, db.url);
        const limited = await openDriver(url, driverOptions());
        try {
          await assert.rejects(withScratch({ driver: limited }, async () => assert.fail('must not run')), (error: unknown) => {
            assert.ok(error instanceof ConfigError, String(error));
            assert.equal(error.code, 'scratch-unavailable');
            assert.match(error.message, /^cannot create a scratch database on /);
            assert.match(error.hint ?? '', /--scratch-db/);
            assert.ok(!`${error.message} ${error.hint}`.includes(PASSWORD), error.message);
            return true;
          });
        } finally {
          await limited.close();
          await dropUser();
        }
      });

      test('scratchDb naming another server without a database: the scratch database is made and dropped there (PostgreSQL; MySQL refuses a URL without a database)', async () => {
        const server = new URL(db.url);
        server.pathname = '/';
        let seen: string | null = null;
        if (dialect.name === 'mysql') {
          // MySQL connects to a database or refuses: scratchDb must name an empty one there (docs/backups.md).
          await assert.rejects(withScratch({ driver, scratchDb: server.toString() }, async () => assert.fail('must not run')), (error: unknown) => error instanceof ConfigError && /names no database/.test(error.message));
          return;
        }
        await withScratch({ driver, scratchDb: server.toString() }, async (scratch) => {
          seen = scratch.name;
          assert.match(scratch.name!, /^strata_scratch_/);
          await useIt(scratch.url);
        });
        assert.ok(!(await existing(driver)).includes(seen!));
      });
    } else {
      test('SQLite: a temporary file in its own folder, removed after', async () => {
        let folder = '';
        await withScratch({ driver }, async (scratch) => {
          folder = scratch.url.replace(/^sqlite:/, '').replace(/\/[^/]+$/, '');
          await useIt(scratch.url);
          assert.ok(existsSync(folder));
        });
        assert.equal(existsSync(folder), false);
        assert.ok(!readdirSync(tmpdir()).some((entry) => folder.endsWith(entry)));
      });
    }
  });
}

const PASSWORD = 'N0-create-pw';

/** A user with every right on the test database but none to create databases. */
async function userWithoutCreate(dialect: DialectName, url: string): Promise<{ url: string; dropUser: () => Promise<void> }> {
  const name = `strata_nocreate_${randomBytes(3).toString('hex')}`;
  const database = new URL(url).pathname.slice(1);
  const limited = new URL(url);
  limited.username = name;
  limited.password = PASSWORD;
  if (dialect === 'postgres') {
    const admin = await pgClient();
    try {
      await admin.query(`CREATE ROLE ${name} LOGIN NOCREATEDB PASSWORD '${PASSWORD}'`);
      await admin.query(`GRANT ALL ON DATABASE "${database}" TO ${name}`);
    } finally {
      await admin.end();
    }
    return {
      url: limited.toString(),
      async dropUser() {
        const client = await pgClient();
        try {
          await client.query(`REVOKE ALL ON DATABASE "${database}" FROM ${name}`);
          await client.query(`DROP ROLE IF EXISTS ${name}`);
        } finally {
          await client.end();
        }
      },
    };
  }
  const admin = await mysqlConnection();
  try {
    await admin.query(`CREATE USER '${name}'@'%' IDENTIFIED BY '${PASSWORD}'`);
    await admin.query(`GRANT ALL ON \`${database}\`.* TO '${name}'@'%'`);
  } finally {
    await admin.end();
  }
  return {
    url: limited.toString(),
    async dropUser() {
      const connection = await mysqlConnection();
      try {
        await connection.query(`DROP USER IF EXISTS '${name}'@'%'`);
      } finally {
        await connection.end();
      }
    },
  };
}
