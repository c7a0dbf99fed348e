/**
 * Issue 13: SQL files that used to be applied wrongly or fail half-way are refused before
 * anything runs (exit 3), with an `error:` line naming the file and where in it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { freshPostgres, pgClient } from '../support/postgres.js';
import { project, strata, type Project } from '../support/project.js';
import { notListed } from '../support/dialects.js';

const CREATE_A = 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n';

/** 002_b.sql is `sql`, whose block comment opening on `line` never closes: the files, the error line and its code. */
function unclosedComment(sql: string, line: number): [Record<string, string>, RegExp, string] {
  return [{ '001_a.sql': CREATE_A, '002_b.sql': sql }, new RegExp(`migrations/002_b\\.sql: the block comment that opens on line ${line} with /\\* is never closed`), 'unterminated-sql'];
}

function sqliteTables(p: Project): string[] {
  const db = new Database(join(p.dir, 'app.db'));
  try {
    return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'strata_%' AND name NOT LIKE 'sqlite_%' ORDER BY name").all().map((row) => (row as { name: string }).name);
  } finally {
    db.close();
  }
}

/** `up` on SQLite is refused: exit 3, one error line matching `message`, no table created. */
async function refusedOnSqlite(files: Record<string, string | Buffer>, message: RegExp, code: string): Promise<void> {
  const p = project();
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(p.migrations, name), content);
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    const r = await strata(['up', '--db', db, '--json'], { cwd: p.dir });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^error: /);
    assert.match(r.stderr.split('\n')[0]!, message);
    assert.equal(r.json().error.code, code);
    assert.deepEqual(r.json().applied, []);
    assert.deepEqual(sqliteTables(p), [], 'nothing ran, not even the migrations before the bad one');
    const validate = await strata(['validate', '--db', db], { cwd: p.dir });
    assert.equal(validate.code, 3, `validate reports it too: ${validate.stdout}${validate.stderr}`);
    assert.match(validate.stdout + validate.stderr, message);
  } finally {
    p.cleanup();
  }
}

describe('SQLite', () => {
  test('an unclosed /* comment refuses up (exit 3) naming the file and the line it opens on', async () => {
    await refusedOnSqlite(...unclosedComment('CREATE TABLE b (id INTEGER);\n\n/* disabled for now\nCREATE TABLE c (id INTEGER);\n', 3));
  });

  test('invalid UTF-8 refuses up (exit 3) naming the file and the byte offset', async () => {
    const latin1 = Buffer.concat([Buffer.from("CREATE TABLE b (id INTEGER);\nINSERT INTO b VALUES ('caf"), Buffer.from([0xe9]), Buffer.from("');\n")]);
    await refusedOnSqlite({ '001_a.sql': CREATE_A, '002_b.sql': latin1 }, /migrations\/002_b\.sql is not valid UTF-8: .*byte offset 55/, 'invalid-encoding');
  });

  test('VACUUM in a transactional migration refuses up (exit 3) with the "-- transaction: off" hint; with it, it runs', async () => {
    await refusedOnSqlite(
      { '001_a.sql': CREATE_A, '002_b.sql': 'CREATE TABLE b (id INTEGER);\nVACUUM;\n' },
      /migrations\/002_b\.sql:2: "VACUUM" cannot run inside a transaction.*-- transaction: off/,
      'forbidden-statement',
    );
    const p = project({ '001_a.sql': CREATE_A, '002_b.sql': '-- transaction: off\nCREATE TABLE b (id INTEGER);\nVACUUM;\n' });
    try {
      const r = await strata(['up', '--db', `sqlite:${join(p.dir, 'app.db')}`], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sqliteTables(p), ['a', 'b']);
    } finally {
      p.cleanup();
    }
  });

  test('a "-- migrate:down" line inside a multi-line string is data: up keeps it, down runs only the real section', async () => {
    const up = "CREATE TABLE notes (body TEXT);\nINSERT INTO notes VALUES ('to undo:\n-- migrate:down\nDROP TABLE notes;');\n";
    const p = project({ '001_notes.sql': `-- migrate:up\n${up}-- migrate:down\nDROP TABLE notes;\n` });
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      const r = await strata(['up', '--db', db], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      const sqlite = new Database(join(p.dir, 'app.db'));
      try {
        assert.deepEqual(sqlite.prepare('SELECT body FROM notes').all(), [{ body: 'to undo:\n-- migrate:down\nDROP TABLE notes;' }]);
      } finally {
        sqlite.close();
      }
      const down = await strata(['down', '--db', db], { cwd: p.dir });
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(sqliteTables(p), []);
    } finally {
      p.cleanup();
    }
  });
});

describe('PostgreSQL', { skip: notListed('postgres') }, () => {
  async function refusedOnPostgres(files: Record<string, string>, message: RegExp, code: string): Promise<void> {
    const database = await freshPostgres();
    const p = project(files);
    try {
      const r = await strata(['up', '--db', database.url, '--json'], { cwd: p.dir });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr.split('\n')[0]!, message);
      assert.equal(r.json().error.code, code);
      assert.deepEqual(r.json().applied, []);
      const client = await pgClient(database.database);
      try {
        const tables = await client.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE 'strata_%'");
        assert.deepEqual(tables.rows, [], 'nothing ran');
      } finally {
        await client.end();
      }
    } finally {
      p.cleanup();
      await database.drop();
    }
  }

  test('an unclosed nested /* comment refuses up (exit 3) naming the file and line', async () => {
    await refusedOnPostgres(...unclosedComment('CREATE TABLE b (id INTEGER);\n/* outer\n/* inner */\nCREATE TABLE c (id INTEGER);\n', 2));
  });

  test('CREATE INDEX CONCURRENTLY in a transactional migration refuses up (exit 3) with the "-- transaction: off" hint', async () => {
    await refusedOnPostgres(
      { '001_a.sql': CREATE_A, '002_b.sql': 'CREATE TABLE b (id INTEGER);\nCREATE INDEX CONCURRENTLY b_id ON b (id);\n' },
      /migrations\/002_b\.sql:2: "CREATE INDEX CONCURRENTLY b_id ON b \(id\)" cannot run inside a transaction.*-- transaction: off/,
      'forbidden-statement',
    );
  });
});
