/** With --json, stdout holds exactly one JSON document, even when a migration prints (§5). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { project, strata } from '../support/project.js';

describe('--json keeps stdout to one document', () => {
  test('console.log, console.info, console.table and db.log of a code migration go to stderr', async () => {
    const p = project({
      '001_noisy.js': [
        "console.log('loaded 001');",
        'export async function up(db) {',
        "  console.log('hello from up');",
        "  console.info('info from up');",
        "  console.debug('debug from up');",
        "  console.table([{ a: 1 }]);",
        "  db.log('db.log from up');",
        "  await db.exec('CREATE TABLE noisy (id INTEGER)');",
        '}',
        'export async function down(db) {',
        "  await db.exec('DROP TABLE noisy');",
        '}',
        '',
      ].join('\n'),
    });
    try {
      const db = `sqlite:${p.dir}/app.db`;
      const r = await strata(['up', '--db', db, '--json'], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json().applied, ['001'], `stdout is one JSON document: ${r.stdout}`);
      for (const text of ['loaded 001', 'hello from up', 'info from up', 'debug from up', 'db.log from up']) assert.ok(r.stderr.includes(text), `${text} on stderr`);

      // Without --json the migration's console output stays where the author sent it.
      const down = await strata(['down', '--db', db], { cwd: p.dir });
      assert.equal(down.code, 0, down.stderr);
      const again = await strata(['up', '--db', db], { cwd: p.dir });
      assert.match(again.stdout, /hello from up/);
    } finally {
      p.cleanup();
    }
  });
});
