/**
 * The `db` handle's helpers quote names as the database does: the driver quotes, so a name
 * holding a quote character is escaped rather than ending the quoted name early.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { migrate } from '../../src/index.js';
import { allDialects, notListed } from '../support/dialects.js';

for (const dialect of allDialects()) {
  describe(`db.addColumnIfNotExists (${dialect.name})`, { skip: notListed(dialect.name) }, () => {
    test('adds a column whose name holds both quote characters, once', async () => {
      const db = await dialect.fresh();
      const column = 'say "hi" `now`';
      const added: boolean[] = [];
      try {
        const result = await migrate({
          db: db.url,
          migrations: [
            {
              id: '001_odd_column',
              up: async (h) => {
                await h.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY)');
                added.push(await h.addColumnIfNotExists('notes', column, 'INTEGER'));
                added.push(await h.addColumnIfNotExists('notes', column, 'INTEGER'));
                assert.equal(await h.columnExists('notes', column), true);
              },
            },
          ],
        });
        assert.equal(result.status, 'migrated');
        assert.deepEqual(added, [true, false]);
      } finally {
        await db.drop();
      }
    });
  });
}
