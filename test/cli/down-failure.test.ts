/** A failing rollback is reported in the file its statement came from, with that file's line. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allDialects, notListed } from '../support/dialects.js';
import { project, strata } from '../support/project.js';

for (const dialect of allDialects().filter((d) => d.name === 'sqlite')) {
  describe('a failing down step', { skip: notListed(dialect.name) }, () => {
    test('a .down.sql companion that fails is named (not the .up.sql) with its own line', async () => {
      const db = await dialect.fresh();
      const p = project({
        '001_users.up.sql': '-- users\n\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n\nCREATE INDEX users_id ON users (id);\n',
        '001_users.down.sql': 'DROP INDEX users_id;\nDROP TABLE no_such_table;\nDROP TABLE users;\n',
      });
      try {
        assert.equal((await strata(['up', '--db', db.url], { cwd: p.dir })).code, 0);
        const r = await strata(['down', '--db', db.url, '--json'], { cwd: p.dir });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^error: migrations\/001_users\.down\.sql failed at line 2: no such table: no_such_table$/m);
        const { error } = r.json();
        assert.equal(error.file, 'migrations/001_users.down.sql');
        assert.equal(error.line, 2);
      } finally {
        p.cleanup();
        await db.drop();
      }
    });

    test('a failing "-- migrate:down" section is named in its own file at its line there', async () => {
      const db = await dialect.fresh();
      const p = project({ '001_users.sql': '-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE no_such_table;\n' });
      try {
        assert.equal((await strata(['up', '--db', db.url], { cwd: p.dir })).code, 0);
        const r = await strata(['down', '--db', db.url], { cwd: p.dir });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^error: migrations\/001_users\.sql failed at line 4: no such table: no_such_table$/m);
      } finally {
        p.cleanup();
        await db.drop();
      }
    });
  });
}
