/**
 * Files and databases that exist but cannot be used: each is named, says what to do, and
 * gets the spec's exit code (§5) — never a bare ENOENT, EACCES or SQLite message with exit 1.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { project, strata, type Project } from '../support/project.js';

const CREATE = (table: string) => `-- migrate:up\nCREATE TABLE ${table} (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE ${table};\n`;
const NOBODY = 65534;

/** up exits 3 naming the file as unreadable, nothing is applied, and status reports the same problem. */
async function assertUnreadable(p: Project, reason: RegExp, runAs: { uid?: number; gid?: number } = {}): Promise<void> {
  const db = `sqlite:${join(p.dir, 'app.db')}`;
  const r = await strata(['up', '--db', db, '--json'], { cwd: p.dir, timeoutMs: 20_000, ...runAs });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^error: up refused: migrations\/002_b\.sql cannot be read: /m);
  assert.match(r.stderr, reason);
  assert.match(r.stderr, /^hint: make it a file that the user running strata can read/m);
  const doc = r.json();
  assert.equal(doc.error.code, 'unreadable-file');
  assert.equal(doc.error.file, 'migrations/002_b.sql');
  assert.deepEqual(doc.applied, []);
  const status = await strata(['status', '--db', db, '--json', '--exit-code'], { cwd: p.dir, timeoutMs: 20_000, ...runAs });
  assert.equal(status.code, 3, status.stderr);
  assert.deepEqual(status.json().problems.map((problem: { code: string }) => problem.code), ['unreadable-file']);
  assert.equal(status.json().applied, 0);
}

describe('a migration file that cannot be read is refused by name (exit 3)', () => {
  test('a symbolic link to a file that does not exist', async () => {
    const p = project({ '001_a.sql': CREATE('a') });
    try {
      symlinkSync(join(p.dir, 'gone.sql'), join(p.migrations, '002_b.sql'));
      await assertUnreadable(p, /a symbolic link to a file that does not exist \(ENOENT\)/);
    } finally {
      p.cleanup();
    }
  });

  test('a file without read permission, for the user running strata (nobody; root reads anything)', async () => {
    const p = project({ '001_a.sql': CREATE('a'), '002_b.sql': CREATE('b') });
    try {
      chmodSync(p.dir, 0o777); // nobody creates app.db here
      chmodSync(p.migrations, 0o755);
      chmodSync(join(p.migrations, '001_a.sql'), 0o644);
      chmodSync(join(p.migrations, '002_b.sql'), 0o000);
      await assertUnreadable(p, /permission denied \(EACCES\)/, { uid: NOBODY, gid: NOBODY });
    } finally {
      p.cleanup();
    }
  });

  test('a symbolic link to a named pipe (a read would wait forever)', async () => {
    const p = project({ '001_a.sql': CREATE('a') });
    try {
      execFileSync('mkfifo', [join(p.dir, 'pipe')]);
      symlinkSync(join(p.dir, 'pipe'), join(p.migrations, '002_b.sql'));
      await assertUnreadable(p, /not a regular file/);
    } finally {
      p.cleanup();
    }
  });
});

describe('a SQLite file that is not a database', () => {
  test('up and status: exit 2, connection-failed, naming the file', async () => {
    const p = project({ '001_a.sql': CREATE('a') });
    try {
      const file = p.write('app.db', 'this is not a database, just some text that is long enough to have a header\n'.repeat(20));
      for (const command of ['up', 'status']) {
        const r = await strata([command, '--db', `sqlite:${file}`, '--json'], { cwd: p.dir });
        assert.equal(r.code, 2, `${command}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`^error: cannot open sqlite:.*app\\.db: ${file.replace(/[.]/g, '\\.')} is not a SQLite database, or is damaged`, 'm'));
        assert.match(r.stderr, /^hint: check that --db \/ DATABASE_URL names the right file/m);
        assert.equal(r.json().error.code, 'connection-failed');
      }
    } finally {
      p.cleanup();
    }
  });
});

describe('a full disk', () => {
  // A 256 KiB tmpfs: room for the database and a small migration, not for 002's million bytes.
  let p: Project;
  let disk: string;
  before(() => {
    p = project({
      '001_a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n',
      '002_b.sql': "CREATE TABLE b (t TEXT);\nWITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5000)\nINSERT INTO b SELECT hex(randomblob(100)) FROM n;\n",
    });
    disk = join(p.dir, 'disk');
    mkdirSync(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', disk]);
  });
  after(() => {
    execFileSync('umount', [disk]);
    p.cleanup();
  });

  test('up: exit 1 naming the migration and the database, saying to free space, and nothing of it applied', async () => {
    const db = 'sqlite:disk/app.db';
    const r = await strata(['up', '--db', db, '--json'], { cwd: p.dir });
    assert.equal(r.code, 1, r.stderr);
    // 002's statement or the commit it shared with 001 meets the full disk, depending on how the pages fall.
    assert.match(r.stderr, /^error: .*migrations\/002_b\.sql.* failed(?: at line \d+)?: the disk that holds sqlite:disk\/app\.db is full \(database or disk is full\)/m);
    assert.match(r.stderr, /^hint: free space on that disk \(or raise its quota\), then run `strata up` again; (nothing of 002_b was applied|none of them was applied)/m);
    const doc = r.json();
    assert.ok(['001_a', '002_b'].includes(doc.error.migration), doc.error.migration);
    // Whatever shared 002's failed commit is said to be not applied, and status agrees with the report.
    const status = (await strata(['status', '--db', db, '--json'], { cwd: p.dir })).json();
    const applied = status.migrations.filter((m: { state: string }) => m.state === 'applied').map((m: { version: string }) => m.version);
    assert.deepEqual(applied, doc.applied);
    if (!applied.includes('001')) assert.match(r.stderr, /001_a, run before it in the same commit, was not applied either|the commit of migrations\/001_a\.sql, migrations\/002_b\.sql failed/);
    assert.ok(!applied.includes('002'));
  });
});

describe('db.execFile outside the migrations folder', () => {
  test('is the migration failing (exit 1), naming the migration, its line and the path; nothing applied', async () => {
    const p = project({
      '001_a.sql': CREATE('a'),
      '002_b.ts': "export async function up(db) {\n  await db.exec('CREATE TABLE b (id INTEGER)');\n  await db.execFile('../../etc/passwd');\n}\n",
    });
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      const r = await strata(['up', '--db', db, '--json'], { cwd: p.dir });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^error: migrations\/002_b\.ts failed at line 3: execFile\("\.\.\/\.\.\/etc\/passwd"\) resolves to \/\S*etc\/passwd, outside the migrations folder/m);
      const doc = r.json();
      assert.equal(doc.error.code, 'migration-failed');
      assert.equal(doc.error.migration, '002_b');
      assert.deepEqual(doc.applied, ['001']);
      const status = (await strata(['status', '--db', db, '--json'], { cwd: p.dir })).json();
      assert.deepEqual(status.migrations.map((m: { state: string }) => m.state), ['applied', 'failed']);
    } finally {
      p.cleanup();
    }
  });
});
