/** Passwords in URLs never appear in any output, error, log line or JSON. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { project, strata } from '../support/project.js';

const SECRET = 'Sup3rS3cretPw';

describe('passwords never appear', () => {
  const urls = [
    `postgres://strata_nobody:${SECRET}@127.0.0.1:1/nodb`,
    `postgresql://postgres:${SECRET}@127.0.0.1:5432/strata_no_such_database_x`,
    `mysql://strata_nobody:${SECRET}@127.0.0.1:1/nodb`,
    `mysql://strata_nobody:${SECRET}@127.0.0.1:3306/test`,
    `mariadb://root:${SECRET}@127.0.0.1:1/nodb`,
  ];
  for (const url of urls) {
    test(`${url.split(':')[0]} connection failure (${new URL(url).port}): exit 2, no password in stdout or stderr`, async () => {
      const p = project({ '001_a.sql': 'CREATE TABLE a (id INTEGER);\n' });
      try {
        const up = await strata(['up', '--db', url, '--json'], { cwd: p.dir, timeoutMs: 30_000 });
        assert.equal(up.code, 2, up.stderr);
        assert.match(up.stderr, /^error: /m);
        assert.equal(up.json().error.code, 'connection-failed');
        // A read of a database that does not exist sees nothing applied (exit 0); an unreachable server is exit 2.
        const status = await strata(['status', '--db', url, '--json'], { cwd: p.dir, timeoutMs: 30_000 });
        assert.ok(status.code === 0 || status.code === 2, status.stderr);
        for (const r of [up, status]) {
          assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET));
          assert.doesNotMatch(r.stdout + r.stderr, new RegExp(encodeURIComponent(SECRET)));
        }
      } finally {
        p.cleanup();
      }
    });
  }
});
