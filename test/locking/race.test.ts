/**
 * Twenty `strata up` processes started at the same moment on one database: each migration is
 * applied exactly once and every process exits 0 (the waiters re-read what the holder applied).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allDialects, notListed } from '../support/dialects.js';
import { project, strata } from '../support/project.js';

const RUNNERS = 20;
const MIGRATIONS = 30;

for (const dialect of allDialects()) {
  describe(`${RUNNERS} racing runners on ${dialect.name}`, { skip: notListed(dialect.name) }, () => {
    test(`apply each of ${MIGRATIONS} migrations exactly once, all exit 0`, async () => {
      const files: Record<string, string> = {};
      for (let i = 1; i <= MIGRATIONS; i++) {
        const v = String(i).padStart(3, '0');
        files[`${v}_t${i}.sql`] = `-- migrate:up\nCREATE TABLE t${i} (id INTEGER PRIMARY KEY);\nINSERT INTO t${i} (id) VALUES (${i});\n-- migrate:down\nDROP TABLE t${i};\n`;
      }
      const p = project(files);
      const db = await dialect.fresh();
      try {
        const runs = await Promise.all(
          Array.from({ length: RUNNERS }, () => strata(['up', '--db', db.url, '--json', '--lock-timeout', '120'], { cwd: p.dir, timeoutMs: 180_000 })),
        );
        for (const r of runs) assert.equal(r.code, 0, r.stderr);
        const applied = runs.flatMap((r) => r.json().applied as string[]);
        assert.equal(applied.length, MIGRATIONS, `${MIGRATIONS} applications across all runners, not more`);
        assert.equal(new Set(applied).size, MIGRATIONS);
        const history = (await strata(['history', '--db', db.url, '--json', '--limit', '1000'], { cwd: p.dir })).json().entries;
        assert.equal(history.filter((e: any) => e.operation === 'up' && e.status === 'success').length, MIGRATIONS, 'the log has each success once');
        assert.equal(history.filter((e: any) => e.status === 'failed').length, 0);
        const status = (await strata(['status', '--db', db.url, '--json'], { cwd: p.dir })).json();
        assert.equal(status.applied, MIGRATIONS);
        assert.equal(status.lock, null, 'no lock is left behind');
      } finally {
        p.cleanup();
        await db.drop();
      }
    });
  });
}
