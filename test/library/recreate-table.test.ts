/**
 * db.recreateTable (SPEC §10): SQLite's 12-step rebuild keeps rows, indexes, triggers, views
 * and the children that reference the table; a failure part-way leaves the old table; the end
 * state is the one the sqlite3 shell gives for the same steps written by hand. PostgreSQL and
 * MySQL refuse it with the ALTER TABLE hint.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { AbortError, MigrationError, createMigrator, migrate, type Db, type ListMigration } from '../../src/index.js';
import { allDialects, notListed } from '../support/dialects.js';

const SQLITE3 = '/usr/bin/sqlite3';

const SCHEMA = `
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT, age TEXT, legacy TEXT);
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_adults ON users (age) WHERE age >= '18';
CREATE INDEX users_email_lower ON users (lower(email));
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE, total INTEGER);
CREATE TABLE audit (what TEXT);
CREATE TRIGGER users_touch AFTER UPDATE ON users BEGIN INSERT INTO audit VALUES ('user ' || new.id); END;
CREATE TRIGGER orders_named AFTER INSERT ON orders BEGIN INSERT INTO audit SELECT 'order for ' || email FROM users WHERE id = new.user_id; END;
CREATE VIEW user_totals AS SELECT u.email, sum(o.total) AS total FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.email;
CREATE VIEW big_spenders AS SELECT email FROM user_totals WHERE total > 10;
INSERT INTO users (email, age, legacy) VALUES ('a@x', '17', 'l1'), ('b@x', '30', 'l2'), ('c@x', '45', 'l3');
INSERT INTO orders (user_id, total) VALUES (1, 5), (2, 20), (2, 1), (3, 7);
DELETE FROM users WHERE email = 'nobody';
INSERT INTO users (email, age) VALUES ('gone@x', '1');
DELETE FROM users WHERE email = 'gone@x';
`;

/** The new definition: age becomes INTEGER with a CHECK, legacy is dropped. */
const NEW_USERS = `CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL,
  age INTEGER CHECK (age >= 0)
)`;

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function tempFile(name: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'strata-rebuild-'));
  folders.push(folder);
  return join(folder, name);
}

const schemaMigration: ListMigration = { id: '001_schema', up: (db: Db) => db.exec(SCHEMA) };

/** Schema objects other than strata's own, and every row of the user's tables. */
function snapshot(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const objects = db
      .prepare(`SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE tbl_name NOT LIKE 'strata_migrations%' ORDER BY type, name`)
      .all() as { type: string; name: string; sql: string | null }[];
    const rows: Record<string, unknown[]> = {};
    for (const o of objects) if (o.type === 'table') rows[o.name] = db.prepare(`SELECT * FROM "${o.name}" ORDER BY 1`).all().filter((r) => (r as { name?: string }).name?.startsWith('strata_migrations') !== true);
    return { objects, rows, fkCheck: db.pragma('foreign_key_check') as unknown[], integrity: db.pragma('integrity_check', { simple: true }) };
  } finally {
    db.close();
  }
}

async function applyTo(file: string, migrations: ListMigration[]) {
  return migrate({ db: `sqlite:${file}`, migrations });
}

describe('db.recreateTable (sqlite)', { skip: notListed('sqlite') }, () => {
  test('changes a column type and drops a column: rows, indexes (partial, expression), triggers, views and cascading children are kept', async () => {
    const file = tempFile('app.db');
    const result = await applyTo(file, [
      schemaMigration,
      { id: '002_rebuild', up: (db) => db.recreateTable('users', NEW_USERS, { columns: ['id', 'email', 'age'] }) },
    ]);
    assert.deepEqual(result.applied, ['001', '002']);
    const db = new Database(file);
    try {
      assert.deepEqual(db.prepare('SELECT id, email, age, typeof(age) AS t FROM users ORDER BY id').all(), [
        { id: 1, email: 'a@x', age: 17, t: 'integer' },
        { id: 2, email: 'b@x', age: 30, t: 'integer' },
        { id: 3, email: 'c@x', age: 45, t: 'integer' },
      ]);
      assert.deepEqual((db.prepare('SELECT name FROM pragma_table_info(?)').all('users') as { name: string }[]).map((r) => r.name), ['id', 'email', 'age']);
      assert.equal((db.prepare('SELECT count(*) AS n FROM orders').get() as { n: number }).n, 4, 'no child row was cascaded away');
      assert.deepEqual(db.pragma('foreign_key_check'), []);
      const names = (type: string) => (db.prepare(`SELECT name FROM sqlite_schema WHERE type = ? ORDER BY name`).all(type) as { name: string }[]).map((r) => r.name);
      assert.deepEqual(names('index').filter((n) => !n.startsWith('sqlite_')), ['users_adults', 'users_email', 'users_email_lower']);
      assert.deepEqual(names('trigger'), ['orders_named', 'users_touch']);
      assert.deepEqual(names('view'), ['big_spenders', 'user_totals']);
      assert.deepEqual(db.prepare('SELECT * FROM big_spenders').all(), [{ email: 'b@x' }]);
      // The re-created objects work: the unique index, the partial index's planner use, both triggers.
      assert.throws(() => db.prepare(`INSERT INTO users (email, age) VALUES ('a@x', 1)`).run(), /UNIQUE constraint failed: users\.email/);
      const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM users WHERE age >= '18' AND age > 40`).all() as { detail: string }[];
      assert.ok(plan.some((p) => /users_adults/.test(p.detail)), JSON.stringify(plan));
      db.prepare('DELETE FROM audit').run();
      db.prepare('UPDATE users SET age = 18 WHERE id = 1').run();
      db.pragma('foreign_keys = ON');
      db.prepare('INSERT INTO orders (user_id, total) VALUES (3, 1)').run();
      assert.deepEqual(db.prepare('SELECT what FROM audit ORDER BY rowid').all(), [{ what: 'user 1' }, { what: 'order for c@x' }]);
      // The children's key points at the new table: a cascade still cascades.
      db.prepare('DELETE FROM users WHERE id = 2').run();
      assert.equal((db.prepare('SELECT count(*) AS n FROM orders WHERE user_id = 2').get() as { n: number }).n, 0);
      // AUTOINCREMENT does not hand out the id of the row deleted before the rebuild (4).
      db.prepare(`INSERT INTO users (email, age) VALUES ('new@x', 3)`).run();
      assert.equal((db.prepare(`SELECT id FROM users WHERE email = 'new@x'`).get() as { id: number }).id, 5);
    } finally {
      db.close();
    }
  });

  test('the end state is what the sqlite3 shell gives for the 12 steps written by hand', { skip: existsSync(SQLITE3) ? false : `${SQLITE3} is not installed` }, async () => {
    const byStrata = tempFile('strata.db');
    await applyTo(byStrata, [schemaMigration, { id: '002_rebuild', up: (db) => db.recreateTable('users', NEW_USERS, { columns: ['id', 'email', 'age'] }) }]);
    const byHand = tempFile('hand.db');
    const create = NEW_USERS.replace('CREATE TABLE users', 'CREATE TABLE users_new');
    const views = /CREATE VIEW[^;]+;/g;
    const triggers = /CREATE TRIGGER[\s\S]+?END;/g;
    const script = `${SCHEMA}
PRAGMA foreign_keys = OFF;
BEGIN;
DROP TRIGGER orders_named; DROP VIEW big_spenders; DROP VIEW user_totals;
${create};
INSERT INTO users_new (id, email, age) SELECT id, email, age FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_adults ON users (age) WHERE age >= '18';
CREATE INDEX users_email_lower ON users (lower(email));
${SCHEMA.match(views)!.join('\n')}
${SCHEMA.match(triggers)!.join('\n')}
UPDATE sqlite_sequence SET seq = 4 WHERE name = 'users';
COMMIT;
`;
    execFileSync(SQLITE3, ['-bail', byHand], { input: script });
    assert.equal(execFileSync(SQLITE3, [byHand, 'PRAGMA foreign_key_check; PRAGMA integrity_check;']).toString().trim(), 'ok');
    const mine = snapshot(byStrata);
    const theirs = snapshot(byHand);
    assert.deepEqual(mine.objects, theirs.objects);
    assert.deepEqual(mine.rows, theirs.rows);
    assert.deepEqual(mine.fkCheck, []);
    assert.equal(mine.integrity, 'ok');
  });

  test('map: new columns computed from the old row; the default copies every column both tables have', async () => {
    const file = tempFile('app.db');
    await applyTo(file, [
      schemaMigration,
      {
        id: '002_rebuild',
        up: (db) =>
          db.recreateTable('users', 'CREATE TABLE "Users" (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL, age INTEGER, domain TEXT, adult INTEGER NOT NULL)', {
            map: { domain: "substr(email, instr(email, '@') + 1)", ADULT: "CAST(age AS INTEGER) >= 18" },
          }),
      },
    ]);
    const db = new Database(file, { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT * FROM users ORDER BY id').all(), [
        { id: 1, email: 'a@x', age: 17, domain: 'x', adult: 0 },
        { id: 2, email: 'b@x', age: 30, domain: 'x', adult: 1 },
        { id: 3, email: 'c@x', age: 45, domain: 'x', adult: 1 },
      ]);
      assert.deepEqual(db.pragma('foreign_key_check'), []);
    } finally {
      db.close();
    }
  });

  for (const transaction of [true, false]) {
    const kind = transaction ? 'a transactional migration' : 'a transaction: off migration (its own transaction)';
    test(`a failure in the middle rolls everything back, in ${kind}`, async () => {
      const file = tempFile('app.db');
      await applyTo(file, [schemaMigration]);
      const before = snapshot(file);
      // The rebuild gets as far as the rename: the partial index on the dropped column cannot be re-created.
      const failing = {
        id: '002_rebuild',
        transaction,
        up: (db: Db) => db.recreateTable('users', 'CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL, legacy TEXT)'),
      };
      const error = await applyTo(file, [schemaMigration, failing]).then(() => null, (e: unknown) => e);
      assert.ok(error instanceof MigrationError, String(error));
      assert.equal(error.code, 'migration-failed');
      assert.match(error.message, /db\.recreateTable\("users"\) failed re-creating index users_adults .*no such column: age/);
      assert.equal(error.migration, '002_rebuild');
      assert.deepEqual(snapshot(file), before);
    });
  }

  test('a copy that breaks a constraint of the new table fails naming the table, not its temporary name', async () => {
    const file = tempFile('app.db');
    await applyTo(file, [schemaMigration]);
    const before = snapshot(file);
    const error = await applyTo(file, [
      schemaMigration,
      { id: '002_rebuild', up: (db) => db.recreateTable('users', 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, age INTEGER, legacy TEXT NOT NULL)', { map: { legacy: 'NULLIF(legacy, \'l2\')' } }) },
    ]).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof MigrationError);
    assert.match(error.message, /failed copying the rows: NOT NULL constraint failed: users\.legacy/);
    assert.doesNotMatch(error.message, /strata_rebuild/);
    assert.deepEqual(snapshot(file), before);
  });

  for (const transaction of [true, false]) {
    test(`children left pointing nowhere fail the migration naming their table (${transaction ? 'transactional' : 'transaction: off'})`, async () => {
      const file = tempFile('app.db');
      await applyTo(file, [schemaMigration]);
      const before = snapshot(file);
      const error = await applyTo(file, [
        schemaMigration,
        { id: '002_rebuild', transaction, up: (db) => db.recreateTable('users', NEW_USERS, { columns: ['email', 'age'], map: { id: 'id + 100' } }) },
      ]).then(() => null, (e: unknown) => e);
      assert.ok(error instanceof MigrationError, String(error));
      assert.match(error.message, /foreign key check failed: 4 rows of orders \(rowid 1, 2, 3, 4\) reference no row of users/);
      assert.deepEqual(snapshot(file), before);
    });
  }

  test('a migration that keeps foreign keys on is refused before anything changes (the DROP would cascade)', async () => {
    const file = tempFile('app.db');
    await applyTo(file, [schemaMigration]);
    const before = snapshot(file);
    const error = await applyTo(file, [
      schemaMigration,
      { id: '002_rebuild', foreignKeys: true, up: (db) => db.recreateTable('users', NEW_USERS) },
    ]).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof MigrationError, String(error));
    assert.match(error.message, /foreign keys are enforced in this migration, so dropping the old table would delete or refuse the rows of orders/);
    assert.deepEqual(snapshot(file), before);
  });

  test('mistakes in the call are named: unknown table, another table\'s CREATE, two statements, unknown columns, bad options', async () => {
    const cases: [(db: Db) => Promise<void>, RegExp][] = [
      [(db) => db.recreateTable('nope', 'CREATE TABLE nope (id INTEGER)'), /recreateTable\("nope"\): there is no such table/],
      [(db) => db.recreateTable('user_totals', 'CREATE TABLE user_totals (id INTEGER)'), /"user_totals" is a view, not a table/],
      [(db) => db.recreateTable('users', 'CREATE TABLE people (id INTEGER)'), /creates "people", not "users"/],
      [(db) => db.recreateTable('users', 'CREATE TABLE users (id INTEGER); DROP TABLE orders'), /must be one CREATE TABLE statement \(got 2 statements\)/],
      [(db) => db.recreateTable('users', 'CREATE TEMP TABLE users (id INTEGER)'), /creates a TEMP table/],
      [(db) => db.recreateTable('users', 'CREATE TABLE users AS SELECT * FROM orders'), /AS SELECT declares no column types/],
      [(db) => db.recreateTable('users', 'CREATE TABLE other.users (id INTEGER)'), /names the schema other/],
      [(db) => db.recreateTable('users', NEW_USERS, { columns: ['id', 'nickname'] }), /columns names "nickname", which "users" does not have/],
      [(db) => db.recreateTable('users', NEW_USERS, { columns: ['id', 'legacy'] }), /columns names "legacy", which the new table does not have: give it a new name with map/],
      [(db) => db.recreateTable('users', NEW_USERS, { map: { nickname: 'email' } }), /map names the column "nickname", which the new table does not have \(its columns: id, email, age\)/],
      [(db) => db.recreateTable('users', NEW_USERS, { colums: ['id'] } as never), /unknown option "colums"/],
      [(db) => db.recreateTable('', NEW_USERS), /the table must be a table's name/],
    ];
    for (const [up, expected] of cases) {
      const file = tempFile('app.db');
      await applyTo(file, [schemaMigration]);
      const error = await applyTo(file, [schemaMigration, { id: '002_rebuild', up }]).then(() => null, (e: unknown) => e);
      assert.ok(error instanceof MigrationError, String(error));
      assert.match(error.message, expected);
    }
  });

  test('a self-referencing WITHOUT ROWID table with generated columns, named in another case', async () => {
    const file = tempFile('app.db');
    await applyTo(file, [
      {
        id: '001_nodes',
        up: (db) => db.exec(`CREATE TABLE nodes (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES nodes (id) ON DELETE CASCADE, label TEXT, shout TEXT GENERATED ALWAYS AS (upper(label)) VIRTUAL) WITHOUT ROWID;
          INSERT INTO nodes (id, parent_id, label) VALUES (1, NULL, 'root'), (2, 1, 'kid'), (3, 2, 'grandkid');`),
      },
      {
        id: '002_rebuild',
        up: (db) => db.recreateTable('NODES', 'CREATE TABLE nodes (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES nodes (id) ON DELETE CASCADE, label TEXT NOT NULL, quiet TEXT GENERATED ALWAYS AS (lower(label)) STORED)'),
      },
    ]);
    const db = new Database(file);
    try {
      assert.deepEqual(db.prepare('SELECT id, parent_id, label, quiet FROM nodes ORDER BY id').all(), [
        { id: 1, parent_id: null, label: 'root', quiet: 'root' },
        { id: 2, parent_id: 1, label: 'kid', quiet: 'kid' },
        { id: 3, parent_id: 2, label: 'grandkid', quiet: 'grandkid' },
      ]);
      assert.deepEqual(db.pragma('foreign_key_check'), []);
      db.pragma('foreign_keys = ON');
      db.prepare('DELETE FROM nodes WHERE id = 1').run();
      assert.equal((db.prepare('SELECT count(*) AS n FROM nodes').get() as { n: number }).n, 0, 'the self-reference cascades on the new table');
    } finally {
      db.close();
    }
  });

  test('a quoted table name with leading comments in the new SQL; the temporary name never stays', async () => {
    const file = tempFile('app.db');
    await applyTo(file, [
      { id: '001_odd', up: (db) => db.exec(`CREATE TABLE "odd ""name""" (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO "odd ""name""" VALUES (1, '7');`) },
      { id: '002_rebuild', up: (db) => db.recreateTable('odd "name"', `-- new definition\n/* v is a number now */\nCREATE TABLE IF NOT EXISTS main."odd ""name""" (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`) },
    ]);
    const db = new Database(file, { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT id, v, typeof(v) AS t FROM "odd ""name"""').all(), [{ id: 1, v: 7, t: 'integer' }]);
      assert.deepEqual(db.prepare(`SELECT name FROM sqlite_schema WHERE name LIKE 'strata_rebuild%'`).all(), []);
    } finally {
      db.close();
    }
  });
});

for (const dialect of allDialects().filter((d) => d.name !== 'sqlite')) {
  describe(`db.recreateTable (${dialect.name})`, { skip: notListed(dialect.name) }, () => {
    test('is refused with the ALTER TABLE hint, and nothing changes', async () => {
      const fresh = await dialect.fresh();
      try {
        await migrate({ db: fresh.url, migrations: [{ id: '001_t', up: (db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)') }] });
        const error = await migrate({
          db: fresh.url,
          migrations: [
            { id: '001_t', up: (db) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)') },
            { id: '002_rebuild', up: (db) => db.recreateTable('t', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)') },
          ],
        }).then(() => null, (e: unknown) => e);
        assert.ok(error instanceof MigrationError, String(error));
        assert.match(error.message, /db\.recreateTable\("t"\) is SQLite's table rebuild, which this database does not need: change the table in place with ALTER TABLE/);
        // MySQL runs code migrations under the dirty protocol: the refused one is left dirty, never applied.
        const m = await createMigrator({ db: fresh.url, migrations: [{ id: '001_t', up: () => undefined }, { id: '002_rebuild', up: () => undefined }] });
        try {
          const states = (await m.status()).migrations.map((s) => `${s.version}:${s.state}`);
          assert.ok(states.includes('001:applied') && !states.includes('002:applied'), states.join(' '));
        } finally {
          await m.close();
        }
      } finally {
        await fresh.drop();
      }
    });
  });
}

describe('db.recreateTable stopped by a signal (sqlite)', { skip: notListed('sqlite') }, () => {
  for (const transaction of [true, false]) {
    test(`a stop part-way (after the copy, before the DROP) leaves the old table (${transaction ? 'transactional' : 'transaction: off'})`, async () => {
      const file = tempFile('app.db');
      await applyTo(file, [schemaMigration]);
      const before = snapshot(file);
      const controller = new AbortController();
      // The copy calls this function for each row: the signal arrives while the rebuild runs.
      const connection = new Database(file);
      connection.function('stop_now', () => (controller.abort(), 0));
      try {
        const error = await migrate({
          db: connection,
          signal: controller.signal,
          migrations: [
            schemaMigration,
            { id: '002_rebuild', transaction, up: (db) => db.recreateTable('users', NEW_USERS, { columns: ['id', 'email'], map: { age: 'age + stop_now()' } }) },
          ],
        }).then(() => null, (e: unknown) => e);
        assert.ok(error instanceof AbortError, String(error));
        assert.equal(controller.signal.aborted, true);
      } finally {
        connection.close();
      }
      assert.deepEqual(snapshot(file), before);
    });
  }
});
