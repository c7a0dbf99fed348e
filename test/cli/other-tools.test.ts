/**
 * Issue 18, SPEC §2: other tools' migration folders run as they are, on SQLite, through the
 * real binary — golang-migrate, Flyway, Diesel, Prisma, goose, dbmate, and a bare 0001.sql.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { project, strata, type Project } from '../support/project.js';

function tables(p: Project): string[] {
  const db = new Database(join(p.dir, 'app.db'));
  try {
    return db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'strata_%' AND name NOT LIKE 'sqlite_%' ORDER BY name").all().map((row) => (row as { name: string }).name);
  } finally {
    db.close();
  }
}

function query(p: Project, sql: string): unknown[] {
  const db = new Database(join(p.dir, 'app.db'));
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

/** A project with `files` under migrations/ (paths may hold a folder), and its SQLite URL. */
function folder(files: Record<string, string>): { p: Project; db: string } {
  const p = project();
  for (const [name, text] of Object.entries(files)) p.write(`migrations/${name}`, text);
  return { p, db: `sqlite:${join(p.dir, 'app.db')}` };
}

async function run(p: Project, args: string[]) {
  return strata(args, { cwd: p.dir });
}

describe('other tools\' folders on SQLite (§2)', () => {
  test('golang-migrate: .up.sql/.down.sql pairs, a down file with another name paired by version', async () => {
    const { p, db } = folder({
      '000001_init.up.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY);\n',
      '000001_init.down.sql': 'DROP TABLE users;\n',
      '000002_add_posts.up.sql': 'CREATE TABLE posts (id INTEGER PRIMARY KEY);\n',
      '000002_create_posts.down.sql': 'DROP TABLE posts;\n',
    });
    try {
      const up = await run(p, ['up', '--db', db, '--json']);
      assert.equal(up.code, 0, up.stderr);
      assert.deepEqual(up.json().applied, ['000001', '000002']);
      assert.deepEqual(tables(p), ['posts', 'users']);
      const down = await run(p, ['down', '--db', db, '--all']);
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(tables(p), []);
    } finally {
      p.cleanup();
    }
  });

  test('Flyway: V1__ and V1_1__ run in order; R__ is ignored and named in status --verbose', async () => {
    const { p, db } = folder({
      'V1__init.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY);\n',
      'V1_1__Add_email.sql': 'ALTER TABLE users ADD COLUMN email TEXT;\n',
      'V2__Add_posts.sql': 'CREATE TABLE posts (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE posts;\n',
      'R__views.sql': 'CREATE VIEW v AS SELECT 1;\n',
    });
    try {
      const up = await run(p, ['up', '--db', db]);
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stdout, /applied 3 migrations/);
      assert.deepEqual(tables(p), ['posts', 'users']);
      assert.deepEqual(query(p, "SELECT name FROM pragma_table_info('users') ORDER BY cid"), [{ name: 'id' }, { name: 'email' }]);
      const status = await run(p, ['status', '--db', db, '--verbose']);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /1_1\s+Add_email\s+applied/);
      assert.match(status.stdout, /migrations\/R__views\.sql — Flyway repeatable migration \(R__\): not supported by strata/);
      // Commands accept the version as written (1_1, 1.1 is the same version), the id, or the stem.
      for (const target of ['1_1', '1.1', '1_1_Add_email', 'V1_1__Add_email']) {
        const plan = await run(p, ['down', '--db', db, '--target', target, '--dry-run']);
        assert.equal(plan.code, 0, `${target}: ${plan.stderr}`);
        assert.match(plan.stdout, /2_Add_posts/, target);
        assert.doesNotMatch(plan.stdout, /1_1_Add_email/, target);
      }
    } finally {
      p.cleanup();
    }
  });

  test('Flyway: a folder of only R__ files says that nothing in it is strata\'s (exit 3)', async () => {
    const { p, db } = folder({ 'R__views.sql': 'CREATE VIEW v AS SELECT 1;\n' });
    try {
      const up = await run(p, ['up', '--db', db, '--json']);
      assert.equal(up.code, 3, up.stderr);
      assert.equal(up.json().error.code, 'other-tool-files');
      assert.match(up.stderr, /holds no strata migration, only files of another tool \(Flyway\).*R__views\.sql/);
      assert.match(up.stderr, /\nhint: /);
    } finally {
      p.cleanup();
    }
  });

  test('Diesel: <version>_<name>/up.sql and down.sql are one migration each, reversible', async () => {
    const { p, db } = folder({
      '00000000000000_diesel_initial_setup/up.sql': 'CREATE TABLE setup (id INTEGER);\n',
      '00000000000000_diesel_initial_setup/down.sql': 'DROP TABLE setup;\n',
      '2018-04-27-155151_create_users/up.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n',
      '2018-04-27-155151_create_users/down.sql': 'DROP TABLE users;\n',
    });
    try {
      const up = await run(p, ['up', '--db', db]);
      assert.equal(up.code, 0, up.stderr);
      assert.deepEqual(tables(p), ['setup', 'users']);
      const down = await run(p, ['down', '--db', db]);
      assert.equal(down.code, 0, down.stderr);
      assert.match(down.stdout, /rolled back 2018-04-27-155151_create_users/);
      assert.deepEqual(tables(p), ['setup']);
    } finally {
      p.cleanup();
    }
  });

  test('Prisma: <timestamp>_<name>/migration.sql, with migration_lock.toml beside them', async () => {
    const { p, db } = folder({
      '20210101000000_init/migration.sql': '-- CreateTable\nCREATE TABLE "User" ("id" INTEGER NOT NULL PRIMARY KEY, "email" TEXT NOT NULL);\n\n-- CreateIndex\nCREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n',
      '20210202000000_add_post/migration.sql': '-- CreateTable\nCREATE TABLE "Post" ("id" INTEGER NOT NULL PRIMARY KEY, "authorId" INTEGER NOT NULL REFERENCES "User" ("id"));\n',
      'migration_lock.toml': 'provider = "sqlite"\n',
    });
    try {
      const up = await run(p, ['up', '--db', db]);
      assert.equal(up.code, 0, up.stderr);
      assert.deepEqual(tables(p), ['Post', 'User']);
      const status = await run(p, ['status', '--db', db, '--json']);
      assert.deepEqual(status.json().migrations.map((m: { version: string; name: string; state: string }) => [m.version, m.name, m.state]), [
        ['20210101000000', 'init', 'applied'],
        ['20210202000000', 'add_post', 'applied'],
      ]);
    } finally {
      p.cleanup();
    }
  });

  test('goose: Up/Down sections and a StatementBegin/End trigger body', async () => {
    const { p, db } = folder({
      '20170506082420_create_table.sql': [
        '-- +goose Up',
        'CREATE TABLE post (id INTEGER PRIMARY KEY, title TEXT, updated INTEGER DEFAULT 0);',
        '-- +goose StatementBegin',
        'CREATE TRIGGER post_touch AFTER UPDATE OF title ON post',
        'BEGIN',
        '  UPDATE post SET updated = updated + 1 WHERE id = NEW.id;',
        'END;',
        '-- +goose StatementEnd',
        '',
        '-- +goose Down',
        'DROP TABLE post;',
        '',
      ].join('\n'),
    });
    try {
      const up = await run(p, ['up', '--db', db]);
      assert.equal(up.code, 0, up.stderr);
      assert.deepEqual(tables(p), ['post'], 'the Down section was not run as part of the up script');
      const trigger = query(p, "SELECT name FROM sqlite_master WHERE type = 'trigger'");
      assert.deepEqual(trigger, [{ name: 'post_touch' }]);
      const down = await run(p, ['down', '--db', db]);
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(tables(p), []);
    } finally {
      p.cleanup();
    }
  });

  test('dbmate: -- migrate:up transaction:false runs VACUUM, which a transaction refuses', async () => {
    const { p, db } = folder({
      '20151129054053_create_users.sql': '-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n\n-- migrate:down\nDROP TABLE users;\n',
      '20151129054054_vacuum.sql': '-- migrate:up transaction:false\nVACUUM;\n\n-- migrate:down\n',
    });
    try {
      const up = await run(p, ['up', '--db', db]);
      assert.equal(up.code, 0, up.stderr);
      assert.deepEqual(tables(p), ['users']);
    } finally {
      p.cleanup();
    }
  });

  test('a bare 0001.sql is version 0001 with no name', async () => {
    const { p, db } = folder({ '0001.sql': 'CREATE TABLE a (id INTEGER);\n', '0002.sql': 'CREATE TABLE b (id INTEGER);\n' });
    try {
      const up = await run(p, ['up', '--db', db]);
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stdout, /applied 2 migrations/);
      assert.deepEqual(tables(p), ['a', 'b']);
      const status = await run(p, ['status', '--db', db, '--json']);
      assert.deepEqual(status.json().migrations.map((m: { version: string; name: string }) => [m.version, m.name]), [['0001', ''], ['0002', '']]);
      const mark = await run(p, ['unmark', '2', '--db', db]);
      assert.equal(mark.code, 0, mark.stderr);
    } finally {
      p.cleanup();
    }
  });
});
