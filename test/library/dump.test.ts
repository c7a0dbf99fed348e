/**
 * m.dump() and compareSchemas on live databases of every dialect: the comparison `drift` and
 * `test` rely on finds an object added, one removed and one changed by hand, and nothing else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { compareSchemas, createMigrator } from '../../src/index.js';
import { allDialects, notListed, type FreshDatabase } from '../support/dialects.js';
import { nativeConnection } from '../support/native.js';
import { project, type Project } from '../support/project.js';
import { openDriver } from '../../src/drivers/load-driver.js';
import { loadSchemaScript, readSchema } from '../../src/operations/dump.js';
import { MigrationError } from '../../src/core/errors.js';
import { driverOptions } from '../support/driver-fixtures.js';
import { SCHEMAS } from '../support/dump-schemas.js';

const SCHEMA = `CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, title VARCHAR(100));
CREATE INDEX posts_user ON posts (user_id);
CREATE VIEW titles AS SELECT id, title FROM posts;
`;

for (const dialect of allDialects()) {
  describe(`m.dump() and compareSchemas on ${dialect.name}`, { skip: notListed(dialect.name) }, () => {
    let db: FreshDatabase;
    let p: Project;
    before(async () => {
      db = await dialect.fresh();
      p = project({ '001_schema.sql': SCHEMA });
    });
    after(async () => {
      await db.drop();
      p.cleanup();
    });

    test('finds a table added, a view removed and a table changed by hand, object by object', async () => {
      const m = await createMigrator({ db: db.url, dir: p.migrations });
      try {
        await m.up();
        const before = await m.dump();
        assert.deepEqual(compareSchemas(before.objects, (await m.dump()).objects), [], 'a schema equals itself');
        const native = await nativeConnection(dialect.name, db.url);
        try {
          await native.query('ALTER TABLE users ADD COLUMN note VARCHAR(20)');
          await native.query('DROP VIEW titles');
          await native.query('CREATE TABLE audit (id INTEGER PRIMARY KEY)');
        } finally {
          await native.end();
        }
        const now = await m.dump();
        const differences = compareSchemas(before.objects, now.objects);
        assert.deepEqual(differences.map((d) => [d.type, d.object, d.change]), [
          ['table', 'users', 'changed'],
          ['view', 'titles', 'removed'],
          ['table', 'audit', 'added'],
        ]);
        const changed = differences[0]!;
        assert.match(changed.actual!, /note/);
        assert.doesNotMatch(changed.expected!, /note/);
        assert.equal(differences[1]!.actual, null);
        assert.equal(differences[2]!.expected, null);
        assert.match(now.sql, /audit/);
      } finally {
        await m.close();
      }
    });
  });
}

for (const dialect of allDialects()) {
  describe(`loadSchemaScript on ${dialect.name}`, { skip: notListed(dialect.name) }, () => {
    test('loads a dump through the driver, which then dumps to the same bytes', async () => {
      const source = await dialect.fresh();
      const target = await dialect.fresh();
      const p = project({ '001_schema.sql': SCHEMAS[dialect.name] });
      try {
        const m = await createMigrator({ db: source.url, dir: p.migrations });
        let dumped;
        try {
          await m.up();
          dumped = await m.dump();
        } finally {
          await m.close();
        }
        const driver = await openDriver(target.url, driverOptions());
        try {
          await loadSchemaScript(driver, dumped.sql, 'schema.sql');
          const again = await readSchema(driver, { includeTracking: false });
          assert.deepEqual(again.objects.map((o) => o.sql), dumped.objects.map((o) => o.sql));
        } finally {
          await driver.close();
        }
      } finally {
        await source.drop();
        await target.drop();
        p.cleanup();
      }
    });

    test('a failing statement is a MigrationError naming the file and line; where DDL is transactional nothing stays', async () => {
      const target = await dialect.fresh();
      const driver = await openDriver(target.url, driverOptions());
      try {
        const script = 'CREATE TABLE kept (id INTEGER PRIMARY KEY);\n\nCREATE TABLE kept (id INTEGER PRIMARY KEY);\n';
        await assert.rejects(loadSchemaScript(driver, script, 'schema.sql'), (error: unknown) => {
          assert.ok(error instanceof MigrationError);
          assert.equal(error.line, 3);
          assert.match(error.message, /^schema\.sql:3: /);
          return true;
        });
        const left = (await readSchema(driver, { includeTracking: true })).objects.map((o) => o.name);
        assert.deepEqual(left, driver.capabilities.transactionalDdl ? [] : ['kept']);
      } finally {
        await driver.close();
        await target.drop();
      }
    });
  });
}

describe('m.dump() of a database that does not exist', () => {
  test('SQLite: an empty schema, and no file is created', async () => {
    const p = project({});
    try {
      const m = await createMigrator({ db: `sqlite:${p.dir}/missing.db`, dir: p.migrations });
      try {
        assert.deepEqual((await m.dump()).objects, []);
      } finally {
        await m.close();
      }
      assert.equal((await import('node:fs')).existsSync(`${p.dir}/missing.db`), false);
    } finally {
      p.cleanup();
    }
  });

  for (const dialect of allDialects().filter((d) => d.name !== 'sqlite')) {
    test(`${dialect.name}: an empty schema (like status, which sees nothing applied)`, { skip: notListed(dialect.name) }, async () => {
      const db = await dialect.fresh();
      await db.drop();
      const m = await createMigrator({ db: db.url, dir: 'migrations' });
      try {
        assert.deepEqual((await m.dump()).objects, []);
      } finally {
        await m.close();
      }
    });
  }
});
