/**
 * SQLite and foreign keys (SPEC §2): every migration runs with `foreign_keys` off, switched
 * before its transaction begins and restored after, and `PRAGMA foreign_key_check` runs
 * before it is recorded. Real SQLite files, the real `strata` binary, and the real `sqlite3`
 * shell as the reference for what a file means.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MigrationError, createMigrator, migrate } from '../../src/index.js';
import { project, strata, type Project } from '../support/project.js';

const SQLITE3 = '/usr/bin/sqlite3';

/** Customers with orders (ON DELETE CASCADE) and notes (no action), and rows in each. */
const SCHEMA = `CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE, total INTEGER);
CREATE TABLE notes (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), body TEXT);
INSERT INTO customers (id, name) VALUES (1, 'ada'), (2, 'grace'), (3, 'edsger');
INSERT INTO orders (customer_id, total) VALUES (1, 10), (1, 20), (2, 30), (3, 40), (3, 50);
`;

/** Prisma's rebuild of a table, as `prisma migrate dev` writes it (adds a column with a CHECK). */
const PRISMA_REBUILD = `-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_customers" (id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK (length(name) > 0), email TEXT);
INSERT INTO "new_customers" (id, name) SELECT id, name FROM "customers";
DROP TABLE "customers";
ALTER TABLE "new_customers" RENAME TO "customers";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
`;

/** The 12 steps of SQLite's own documentation (https://sqlite.org/lang_altertable.html#otheralter). */
const DOCS_REBUILD = `PRAGMA foreign_keys=OFF;
CREATE TABLE new_customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);
INSERT INTO new_customers (id, name) SELECT id, name FROM customers;
DROP TABLE customers;
ALTER TABLE new_customers RENAME TO customers;
PRAGMA foreign_key_check;
PRAGMA foreign_keys=ON;
`;

function count(file: string, sql: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** What a user sees of the database: their tables' definitions and rows (strata's own left out). */
function userState(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'strata_%' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string; sql: string }[];
    return tables.map((t) => `${t.sql}\n${JSON.stringify(db.prepare(`SELECT * FROM "${t.name}" ORDER BY rowid`).all())}`).join('\n');
  } finally {
    db.close();
  }
}

async function withProject(files: Record<string, string>, body: (p: Project, db: string, file: string) => Promise<void>): Promise<void> {
  const p = project(files);
  try {
    const file = join(p.dir, 'app.db');
    await body(p, `sqlite:${file}`, file);
  } finally {
    p.cleanup();
  }
}

describe('SQLite: a table rebuild never deletes or blocks on the rows that reference it', () => {
  test("Prisma's rebuild of a parent keeps every ON DELETE CASCADE child row (exit 0)", async () => {
    await withProject({ '001_schema.sql': SCHEMA, '002_rebuild_customers.sql': PRISMA_REBUILD }, async (p, db, file) => {
      const r = await strata(['up', '--json', '--db', db], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json().applied, ['001', '002']);
      assert.equal(count(file, 'SELECT count(*) AS n FROM orders'), 5, 'every order survives the DROP TABLE customers');
      assert.equal(count(file, 'SELECT count(*) AS n FROM customers'), 3);
      assert.equal(count(file, `SELECT count(*) AS n FROM pragma_table_info('customers') WHERE name = 'email'`), 1);
      assert.equal(count(file, 'SELECT count(*) AS n FROM pragma_foreign_key_check'), 0);
    });
  });

  test('a rebuild of a parent referenced without a cascade applies (not "FOREIGN KEY constraint failed")', async () => {
    const notes = `INSERT INTO notes (customer_id, body) VALUES (1, 'likes tea'), (2, 'prefers email');\n`;
    await withProject({ '001_schema.sql': SCHEMA, '002_notes.sql': notes, '003_rebuild_customers.sql': DOCS_REBUILD }, async (p, db, file) => {
      const r = await strata(['up', '--json', '--db', db], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json().applied, ['001', '002', '003']);
      assert.equal(count(file, 'SELECT count(*) AS n FROM notes'), 2);
      assert.equal(count(file, 'SELECT count(*) AS n FROM orders'), 5);
    });
  });

  test('the end state is the one the sqlite3 shell reaches with the same files', async () => {
    await withProject({ '001_schema.sql': SCHEMA, '002_rebuild_customers.sql': PRISMA_REBUILD }, async (p, db, file) => {
      const r = await strata(['up', '--db', db], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      // The shell, with foreign keys on as an application would have them: the files' own
      // PRAGMA lines take effect there because the shell runs them outside a transaction.
      const shellFile = join(p.dir, 'shell.db');
      for (const name of ['001_schema.sql', '002_rebuild_customers.sql']) {
        execFileSync(SQLITE3, ['-bail', '-cmd', 'PRAGMA foreign_keys=ON', shellFile], { input: readFileSync(join(p.migrations, name)) });
      }
      assert.equal(count(shellFile, 'SELECT count(*) AS n FROM orders'), 5, 'the shell keeps the orders too');
      assert.equal(userState(file), userState(shellFile));
    });
  });
});

describe('SQLite: PRAGMA foreign_key_check before a migration is recorded', () => {
  const ORPHAN = `CREATE TABLE audit (id INTEGER PRIMARY KEY);\nINSERT INTO orders (id, customer_id, total) VALUES (7, 99, 70);\n`;

  test('a migration that leaves an orphan row fails (exit 1) naming the table and rowid; earlier ones in its group stay applied', async () => {
    const files = {
      '001_schema.sql': SCHEMA,
      '002_more_orders.sql': `INSERT INTO orders (customer_id, total) VALUES (2, 60);\n`,
      '003_orphan.sql': ORPHAN,
      '004_after.sql': `CREATE TABLE later (id INTEGER PRIMARY KEY);\n`,
    };
    await withProject(files, async (p, db, file) => {
      const r = await strata(['up', '--json', '--db', db], { cwd: p.dir });
      assert.equal(r.code, 1, r.stderr);
      const { error, applied } = r.json();
      assert.equal(error.code, 'migration-failed');
      assert.match(error.message, /003_orphan\.sql/);
      assert.match(error.message, /orders \(rowid 7\)/);
      assert.match(error.message, /customers/);
      assert.match(r.stderr, /^error: .*orders \(rowid 7\)/m);
      assert.deepEqual(applied, ['001', '002']);
      assert.equal(count(file, 'SELECT count(*) AS n FROM orders'), 6, "002's order is there, 003's orphan is not");
      assert.equal(count(file, `SELECT count(*) AS n FROM sqlite_schema WHERE name IN ('audit', 'later')`), 0, 'nothing of 003 (or after it) applied');
      assert.equal(count(file, `SELECT count(*) AS n FROM strata_migrations WHERE version = '003'`), 0);
      assert.equal(count(file, `SELECT count(*) AS n FROM strata_migrations_log WHERE version = '003' AND status = 'failed'`), 1);
    });
  });

  test('rows that violated a key before the migration fail it too, and the message says they predate it', async () => {
    await withProject({ '001_schema.sql': SCHEMA }, async (p, db, file) => {
      assert.equal((await strata(['up', '--db', db], { cwd: p.dir })).code, 0);
      // An application that writes with foreign keys off (SQLite's own default).
      const app = new Database(file);
      app.pragma('foreign_keys = OFF');
      app.exec('INSERT INTO orders (id, customer_id, total) VALUES (9, 77, 1)');
      app.close();
      p.write('migrations/002_index.sql', 'CREATE INDEX orders_total ON orders (total);\n');
      const r = await strata(['up', '--json', '--db', db], { cwd: p.dir });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.json().error.message, /orders \(rowid 9\) references no row of customers — they were there before this migration ran/);
      assert.match(r.json().error.hint, /or the rows named/);
      assert.equal(count(file, `SELECT count(*) AS n FROM sqlite_schema WHERE name = 'orders_total'`), 0);
    });
  });

  test('--atomic: a violation rolls the whole run back', async () => {
    await withProject({ '001_schema.sql': SCHEMA, '002_orphan.sql': ORPHAN }, async (p, db, file) => {
      const r = await strata(['up', '--atomic', '--json', '--db', db], { cwd: p.dir });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.json().error.message, /orders \(rowid 7\)/);
      assert.deepEqual(r.json().applied, []);
      assert.equal(count(file, `SELECT count(*) AS n FROM sqlite_schema WHERE name IN ('customers', 'orders', 'audit')`), 0);
    });
  });

  test('transaction: off: foreign keys are off around it too, and a violation leaves it dirty', async () => {
    const files = {
      '001_schema.sql': SCHEMA,
      '002_rebuild_customers.sql': `-- transaction: off\n${DOCS_REBUILD}`,
      '003_orphan.sql': `-- transaction: off\n${ORPHAN}`,
    };
    await withProject(files, async (p, db, file) => {
      const r = await strata(['up', '--json', '--db', db], { cwd: p.dir });
      assert.equal(r.code, 1, r.stderr);
      assert.deepEqual(r.json().applied, ['001', '002']);
      assert.match(r.json().error.message, /003_orphan\.sql.*orders \(rowid 7\)/);
      assert.match(r.json().error.hint, /dirty/);
      assert.equal(count(file, 'SELECT count(*) AS n FROM orders'), 6, 'the rebuild kept every order; the orphan stays (not transactional)');
      assert.equal(count(file, `SELECT count(*) AS n FROM strata_migrations WHERE version = '003' AND state = 'dirty'`), 1);
    });
  });
});

test('SQLite: a rollback (down) that rebuilds the parent keeps the cascade children too', async () => {
  const down = `PRAGMA foreign_keys=OFF;\nCREATE TABLE old_customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO old_customers (id, name) SELECT id, name FROM customers;\nDROP TABLE customers;\nALTER TABLE old_customers RENAME TO customers;\nPRAGMA foreign_keys=ON;\n`;
  await withProject({ '001_schema.sql': SCHEMA, '002_rebuild_customers.sql': `-- migrate:up\n${PRISMA_REBUILD}-- migrate:down\n${down}` }, async (p, db, file) => {
    assert.equal((await strata(['up', '--db', db], { cwd: p.dir })).code, 0);
    const r = await strata(['down', '--json', '--db', db], { cwd: p.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json().rolledBack, ['002']);
    assert.equal(count(file, `SELECT count(*) AS n FROM pragma_table_info('customers') WHERE name = 'email'`), 0);
    assert.equal(count(file, 'SELECT count(*) AS n FROM orders'), 5);
  });
});

describe('SQLite: -- foreign-keys: on keeps enforcement for a migration that relies on cascades', () => {
  const DELETE_ADA = `DELETE FROM customers WHERE id = 1;\n`;

  test('its cascade happens, in the same run as a rebuild that runs with them off', async () => {
    const files = { '001_schema.sql': SCHEMA, '002_rebuild_customers.sql': PRISMA_REBUILD, '003_forget_ada.sql': `-- Forget ada and her orders\n-- foreign-keys: on\n${DELETE_ADA}` };
    await withProject(files, async (p, db, file) => {
      const r = await strata(['up', '--json', '--db', db], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json().applied, ['001', '002', '003']);
      assert.equal(count(file, 'SELECT count(*) AS n FROM orders'), 3, "ada's two orders went with her");
      assert.equal(count(file, 'SELECT count(*) AS n FROM orders WHERE customer_id = 1'), 0);
    });
  });

  test('without it the same DELETE leaves orphans, and the check refuses them', async () => {
    await withProject({ '001_schema.sql': SCHEMA, '002_forget_ada.sql': DELETE_ADA }, async (p, db, file) => {
      const r = await strata(['up', '--json', '--db', db], { cwd: p.dir });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.json().error.message, /2 rows of orders \(rowid 1, 2\) reference no row of customers/);
      assert.equal(count(file, 'SELECT count(*) AS n FROM customers'), 3);
    });
  });

  test('--atomic refuses a plan that mixes it with migrations that run with them off (exit 3)', async () => {
    const files = { '001_schema.sql': SCHEMA, '002_forget_ada.sql': `-- foreign-keys: on\n${DELETE_ADA}` };
    await withProject(files, async (p, db) => {
      const r = await strata(['up', '--atomic', '--json', '--db', db], { cwd: p.dir });
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.json().error.code, 'atomic-refused');
      assert.match(r.json().error.message, /002_forget_ada\.sql keeps foreign keys on/);
    });
  });

  test('a code migration says foreignKeys: true', async () => {
    await withProject({}, async (_p, db, file) => {
      const result = await migrate({
        db,
        migrations: [
          { id: '001_schema', up: (h) => h.exec(SCHEMA) },
          { id: '002_forget_ada', foreignKeys: true, up: (h) => h.exec(DELETE_ADA) },
        ],
      });
      assert.deepEqual(result.applied, ['001', '002']);
      assert.equal(count(file, 'SELECT count(*) AS n FROM orders'), 3);
    });
  });
});

describe('SQLite: the connection\'s own foreign_keys setting is restored after a run', () => {
  for (const setting of [1, 0]) {
    test(`a better-sqlite3 Database passed in with foreign_keys = ${setting} has it again after up, and after a failed up`, async () => {
      await withProject({ '001_schema.sql': SCHEMA, '002_rebuild_customers.sql': PRISMA_REBUILD }, async (p, _db, file) => {
        const database = new Database(file);
        try {
          database.pragma(`foreign_keys = ${setting}`);
          const m = await createMigrator({ db: database, dir: p.migrations });
          try {
            await m.up();
            assert.equal(database.pragma('foreign_keys', { simple: true }), setting);
            assert.equal(count(file, 'SELECT count(*) AS n FROM orders'), 5);
            p.write('migrations/003_orphan.sql', `INSERT INTO orders (id, customer_id, total) VALUES (7, 99, 70);\n`);
            await assert.rejects(m.up(), (e: unknown) => e instanceof MigrationError && e.code === 'migration-failed' && /orders \(rowid 7\)/.test(e.message));
            assert.equal(database.pragma('foreign_keys', { simple: true }), setting);
            assert.equal(database.inTransaction, false);
          } finally {
            await m.close();
          }
          assert.equal(database.pragma('foreign_keys', { simple: true }), setting, 'and after close()');
        } finally {
          database.close();
        }
      });
    });
  }
});

// The check is skipped where no table declares a foreign key, so the benchmark path (many
// migrations that each create a table) stays linear; one that adds a key is checked at once.
test('SQLite: a key created in the same group as its violation is still checked', async () => {
  const files = {
    '001_plain.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n',
    '002_keyed.sql': 'CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id));\nINSERT INTO b (id, a_id) VALUES (3, 42);\n',
  };
  await withProject(files, async (p, db) => {
    const r = await strata(['up', '--json', '--db', db], { cwd: p.dir });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.json().error.message, /1 row of b \(rowid 3\) references no row of a/);
    assert.deepEqual(r.json().applied, ['001']);
  });
});

test('SQLite: a key the application created between two runs on the same connection is checked in the next', async () => {
  await withProject({ '001_plain.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n' }, async (p, _db, file) => {
    const database = new Database(file);
    const m = await createMigrator({ db: database, dir: p.migrations });
    try {
      await m.up();
      database.exec('CREATE TABLE c (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id))');
      p.write('migrations/002_orphan.sql', 'INSERT INTO c (id, a_id) VALUES (5, 42);\n');
      await assert.rejects(m.up(), (e: unknown) => e instanceof MigrationError && /1 row of c \(rowid 5\) references no row of a/.test(e.message));
      assert.equal((database.prepare('SELECT count(*) AS n FROM c').get() as { n: number }).n, 0);
    } finally {
      await m.close();
      database.close();
    }
  });
});
