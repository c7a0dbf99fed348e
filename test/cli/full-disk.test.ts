/**
 * A COMMIT that fails after every statement succeeded: SQLite on a tiny tmpfs that fills up
 * when the group's pages are written at commit. Nothing of the group is applied, and the
 * output says so: no "applied X" line, an error naming the members, a hint that does not
 * claim they stay applied, and a failed log row for each. Needs root (mount); fails without.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { project, strata } from '../support/project.js';

/** ~600 KB of rows: they fit in SQLite's page cache (2 MB), not in the 256 KB filesystem. */
const BIG = 'CREATE TABLE big (x BLOB);\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600) INSERT INTO big SELECT randomblob(1000) FROM n;\n';

async function onTinyDisk(run: (url: string) => Promise<void>): Promise<void> {
  const mountPoint = mkdtempSync(join(tmpdir(), 'strata-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]);
  try {
    await run(`sqlite:${join(mountPoint, 'app.db')}`);
  } finally {
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  }
}

describe('a group COMMIT that fails (SQLite, full disk)', () => {
  test('prints no "applied", reports none of the group applied, and logs each member failed', async () => {
    const p = project({ '001_small.sql': 'CREATE TABLE small (id INTEGER PRIMARY KEY);\n', '002_big.sql': BIG });
    try {
      await onTinyDisk(async (db) => {
        const r = await strata(['up', '--db', db], { cwd: p.dir });
        assert.equal(r.code, 1, r.stderr);
        assert.doesNotMatch(r.stdout, /applied/, 'nothing was committed, so nothing is said to be applied');
        assert.match(r.stderr, /^error: the commit of migrations\/001_small\.sql, migrations\/002_big\.sql failed: the disk that holds .* is full \(database or disk is full\)$/m);
        assert.match(r.stderr, /^hint: free space on that disk \(or raise its quota\), then run `strata up` again; none of them was applied: the failed commit rolled them back together/m);
        assert.doesNotMatch(r.stderr, /stay applied\)?;? fix the file/);

        const json = await strata(['up', '--db', db, '--json'], { cwd: p.dir });
        assert.equal(json.code, 1);
        assert.deepEqual(json.json().applied, []);
        assert.equal(json.json().error.migration, '001_small');

        const status = (await strata(['status', '--db', db, '--json'], { cwd: p.dir })).json();
        assert.deepEqual(status.migrations.map((m: any) => m.state === 'applied'), [false, false]);
        const history = (await strata(['history', '--db', db, '--json'], { cwd: p.dir })).json().entries;
        assert.deepEqual(history.slice(0, 2).map((e: any) => [e.version, e.status]).sort(), [['001', 'failed'], ['002', 'failed']]);
        assert.ok(history.every((e: any) => e.status === 'failed'), 'no success row survives the failed commit');
      });
    } finally {
      p.cleanup();
    }
  });

  test('a migration that fails in a group whose earlier member then cannot commit: the hint says that one was not applied either', async () => {
    const p = project({ '001_big.sql': BIG, '002_bad.sql': 'CREATE TABLE c (id INTEGER);\nINSERT INTO missing_table VALUES (1);\n' });
    try {
      await onTinyDisk(async (db) => {
        const r = await strata(['up', '--db', db, '--json'], { cwd: p.dir });
        assert.equal(r.code, 1, r.stderr);
        const { error, applied } = r.json();
        assert.deepEqual(applied, []);
        assert.match(error.message, /^migrations\/002_bad\.sql failed at line 2: no such table: missing_table$/);
        assert.doesNotMatch(error.hint, /migrations before it in this run stay applied/);
        assert.match(error.hint, /001_big, run before it in the same commit, was not applied either: that commit failed \(database or disk is full\)/);
        const history = (await strata(['history', '--db', db, '--json'], { cwd: p.dir })).json().entries;
        const first = history.find((e: any) => e.version === '001');
        assert.equal(first.status, 'failed');
        assert.match(first.error, /^the commit of migrations\/001_big\.sql failed: the disk that holds .* is full \(database or disk is full\)/);
      });
    } finally {
      p.cleanup();
    }
  });
});
