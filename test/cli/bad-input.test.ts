/**
 * Every bad input gets one clear `error:` line naming the file, the spec's exit code, and
 * leaves the database and tracking tables consistent.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { allDialects, notListed } from '../support/dialects.js';
import { project, strata } from '../support/project.js';

const CREATE = (table: string) => `-- migrate:up\nCREATE TABLE ${table} (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE ${table};\n`;

describe('problems with migration files refuse up with exit 3 and name the file', () => {
  const cases: { name: string; files: Record<string, string>; code: string; message: RegExp }[] = [
    { name: 'duplicate versions', files: { '001_a.sql': CREATE('a'), '1_b.sql': CREATE('b') }, code: 'duplicate-version', message: /version 001 is used by more than one migration: 001_a\.sql, 1_b\.sql/ },
    { name: 'a malformed name', files: { '001_a.sql': CREATE('a'), '002_.sql': CREATE('b') }, code: 'malformed-name', message: /002_\.sql looks like a migration but does not match/ },
    { name: 'a space in the name', files: { '01 init.sql': CREATE('a') }, code: 'malformed-name', message: /01 init\.sql looks like a migration/ },
    { name: 'an unknown dependency', files: { '001_a.sql': `-- depends: 007\n${CREATE('a')}` }, code: 'unknown-dependency', message: /001_a\.sql depends on 007, which is not a known migration/ },
    {
      name: 'a dependency cycle',
      files: { '001_a.sql': `-- depends: 002\n${CREATE('a')}`, '002_b.sql': `-- depends: 001\n${CREATE('b')}` },
      code: 'dependency-cycle',
      message: /dependency cycle: migrations\/001_a\.sql → migrations\/002_b\.sql → migrations\/001_a\.sql/,
    },
    { name: 'both .sql and .up.sql', files: { '001_a.sql': CREATE('a'), '001_a.up.sql': 'CREATE TABLE a (id INTEGER);' }, code: 'file-conflict', message: /both 001_a\.sql and 001_a\.up\.sql exist/ },
    { name: 'an orphan .down.sql', files: { '001_a.down.sql': 'DROP TABLE a;' }, code: 'file-conflict', message: /001_a\.down\.sql has no up migration/ },
    { name: 'a down section and a .down.sql', files: { '001_a.sql': CREATE('a'), '001_a.down.sql': 'DROP TABLE a;' }, code: 'file-conflict', message: /has a "-- migrate:down" section and a 001_a\.down\.sql companion/ },
    { name: 'BEGIN inside a transactional migration', files: { '001_a.sql': 'BEGIN;\nCREATE TABLE a (id INTEGER);\nCOMMIT;\n' }, code: 'forbidden-statement', message: /001_a\.sql:1: "BEGIN" controls the transaction/ },
    { name: 'a psql meta-command', files: { '001_a.sql': 'CREATE TABLE a (id INTEGER);\n\\connect other\n' }, code: 'forbidden-statement', message: /001_a\.sql:2: "\\connect other" is a psql meta-command/ },
    { name: 'a code migration that fails to import', files: { '001_a.ts': 'throw new Error("boom at import");\nexport const up = () => {};\n' }, code: 'import-failed', message: /001_a\.ts failed to import: boom at import/ },
  ];
  for (const c of cases) {
    test(`${c.name}: exit 3, [${c.code}], nothing applied`, async () => {
      const p = project(c.files);
      try {
        const db = `sqlite:${join(p.dir, 'app.db')}`;
        const r = await strata(['up', '--db', db, '--json'], { cwd: p.dir });
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, /^error: /);
        assert.match(r.stderr, c.message);
        const doc = r.json();
        assert.equal(doc.error.code, c.code);
        assert.deepEqual(doc.applied, []);
        const status = await strata(['status', '--db', db, '--json', '--exit-code'], { cwd: p.dir });
        assert.equal(status.code, 3, 'status --exit-code reports problems with 3');
        assert.equal(status.json().applied, 0);
        assert.ok(status.json().problems.length > 0 || c.code === 'forbidden-statement');
      } finally {
        p.cleanup();
      }
    });
  }
});

describe('an applied migration that changes or disappears', () => {
  test('an edited applied migration refuses up (exit 3, both checksums) until repair', async () => {
    const p = project({ '001_a.sql': CREATE('a'), '002_b.sql': CREATE('b') });
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      assert.equal((await strata(['up', '--db', db], { cwd: p.dir })).code, 0);
      p.write('migrations/001_a.sql', CREATE('a').replace('id INTEGER', 'id BIGINT'));
      p.write('migrations/003_c.sql', CREATE('c'));
      const r = await strata(['up', '--db', db], { cwd: p.dir });
      assert.equal(r.code, 3);
      assert.match(r.stderr, /^error: up refused: migrations\/001_a\.sql was edited after it was applied \(applied checksum [0-9a-f]{12}…, file now [0-9a-f]{12}…\)/m);
      assert.match(r.stderr, /^hint: .*strata repair/m);
      const status = (await strata(['status', '--db', db, '--json'], { cwd: p.dir })).json();
      assert.equal(status.migrations[0].state, 'changed');
      assert.equal(status.migrations[2].state, 'pending');
      const noConfirm = await strata(['repair', '--db', db], { cwd: p.dir });
      assert.equal(noConfirm.code, 2, 'repair asks; no TTY and no --yes is exit 2');
      const repaired = await strata(['repair', '--db', db, '--yes', '--json'], { cwd: p.dir });
      assert.equal(repaired.code, 0, repaired.stderr);
      const [action] = repaired.json().repaired;
      assert.equal(action.version, '001');
      assert.equal(action.action, 'checksum');
      assert.notEqual(action.from, action.to);
      const log = (await strata(['history', '--db', db, '--json'], { cwd: p.dir })).json().entries[0];
      assert.equal(log.operation, 'repair');
      assert.equal((await strata(['up', '--db', db], { cwd: p.dir })).code, 0, 'up proceeds after repair');
    } finally {
      p.cleanup();
    }
  });

  test('a deleted applied migration refuses up (exit 3, missing-file) and status shows it missing', async () => {
    const p = project({ '001_a.sql': CREATE('a'), '002_b.sql': CREATE('b') });
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      assert.equal((await strata(['up', '--db', db], { cwd: p.dir })).code, 0);
      p.remove('migrations/002_b.sql');
      p.write('migrations/003_c.sql', CREATE('c'));
      const r = await strata(['up', '--db', db, '--json'], { cwd: p.dir });
      assert.equal(r.code, 3);
      assert.equal(r.json().error.code, 'missing-file');
      assert.match(r.stderr, /002_b is applied but its file is gone/);
      const status = (await strata(['status', '--db', db, '--json'], { cwd: p.dir })).json();
      assert.deepEqual(status.migrations.map((m: any) => [m.version, m.state]), [['001', 'applied'], ['002', 'missing'], ['003', 'pending']]);
      assert.equal((await strata(['unmark', '002', '--db', db], { cwd: p.dir })).code, 0, 'unmark resolves a missing migration');
      assert.equal((await strata(['up', '--db', db], { cwd: p.dir })).code, 0);
    } finally {
      p.cleanup();
    }
  });

  test('a pending migration older than an applied one is out-of-order: refused unless --allow-out-of-order', async () => {
    const p = project({ '001_a.sql': CREATE('a'), '003_c.sql': CREATE('c') });
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      assert.equal((await strata(['up', '--db', db], { cwd: p.dir })).code, 0);
      p.write('migrations/002_b.sql', CREATE('b'));
      const refused = await strata(['up', '--db', db, '--json'], { cwd: p.dir });
      assert.equal(refused.code, 3);
      assert.equal(refused.json().error.code, 'out-of-order');
      const status = (await strata(['status', '--db', db, '--json'], { cwd: p.dir })).json();
      assert.equal(status.migrations[1].outOfOrder, true);
      assert.equal((await strata(['down', '--db', db, '--dry-run'], { cwd: p.dir })).code, 0, 'down is not refused by out-of-order');
      const allowed = await strata(['up', '--db', db, '--allow-out-of-order', '--json'], { cwd: p.dir });
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.deepEqual(allowed.json().applied, ['002']);
    } finally {
      p.cleanup();
    }
  });
});

for (const dialect of allDialects()) {
  describe(`a failing migration on ${dialect.name}`, { skip: notListed(dialect.name) }, () => {
    test('a SQL error in the third of five: the first two stay applied, the third is undone and logged failed, exit 1 naming file and line', async () => {
      const db = await dialect.fresh();
      const p = project({
        '001_a.sql': CREATE('a'),
        '002_b.sql': CREATE('b'),
        '003_c.sql': `-- Broken\n-- migrate:up\nCREATE TABLE c (id INTEGER PRIMARY KEY);\nINSERT INTO c (id) VALUES (1);\nCREATE TABLEX oops (id INTEGER);\n-- migrate:down\nDROP TABLE c;\n`,
        '004_d.sql': CREATE('d'),
        '005_e.sql': CREATE('e'),
      });
      try {
        const r = await strata(['up', '--db', db.url, '--json'], { cwd: p.dir });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^error: migrations\/003_c\.sql failed at line 5: /m);
        assert.match(r.stderr, /^hint: /m);
        const doc = r.json();
        assert.equal(doc.error.file, 'migrations/003_c.sql');
        assert.equal(doc.error.line, 5);
        assert.deepEqual(doc.applied, ['001', '002']);
        const status = (await strata(['status', '--db', db.url, '--json'], { cwd: p.dir })).json();
        const states = status.migrations.map((m: any) => m.state);
        const history = (await strata(['history', '--db', db.url, '--json'], { cwd: p.dir })).json().entries;
        assert.deepEqual([history[0].version, history[0].operation, history[0].status], ['003', 'up', 'failed']);
        assert.match(history[0].error, /line 5/);
        const info = (await strata(['info', '--db', db.url, '--json'], { cwd: p.dir })).json();
        const tables = info.tables.map((t: any) => t.name);
        if (dialect.name === 'mysql') {
          // MySQL commits DDL implicitly: the half-run migration is recorded dirty and blocks.
          assert.deepEqual(states, ['applied', 'applied', 'dirty', 'pending', 'pending']);
          assert.ok(tables.includes('c'), 'CREATE TABLE c committed implicitly');
          const blocked = await strata(['up', '--db', db.url], { cwd: p.dir });
          assert.equal(blocked.code, 3);
          assert.match(blocked.stderr, /003_c\.sql is dirty/);
          assert.match(blocked.stderr, /repair --applied/);
        } else {
          assert.deepEqual(states, ['applied', 'applied', 'failed', 'pending', 'pending']);
          assert.ok(!tables.includes('c'), 'the third migration was rolled back whole');
          assert.ok(tables.includes('b'));
        }
      } finally {
        p.cleanup();
        await db.drop();
      }
    });

    test('a precheck that returns false stops the run with exit 1 naming the migration; nothing of it ran', async () => {
      const db = await dialect.fresh();
      const p = project({
        '001_a.sql': CREATE('a'),
        '002_guarded.ts': `export const precheck = async (db) => (await db.tableExists('nope'));\nexport async function up(db) { await db.exec('CREATE TABLE guarded (id INTEGER)'); }\nexport async function down(db) { await db.exec('DROP TABLE guarded'); }\n`,
      });
      try {
        const r = await strata(['up', '--db', db.url, '--json'], { cwd: p.dir });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^error: migrations\/002_guarded\.ts: precheck returned false, so the migration did not run/m);
        assert.equal(r.json().error.code, 'precheck-failed');
        assert.deepEqual(r.json().applied, ['001']);
        const status = (await strata(['status', '--db', db.url, '--json'], { cwd: p.dir })).json();
        assert.deepEqual(status.migrations.map((m: any) => m.state), ['applied', 'failed']);
      } finally {
        p.cleanup();
        await db.drop();
      }
    });
  });
}

describe('bad database, command line and names', () => {
  const p = project({ '001_a.sql': CREATE('a') });
  after(() => p.cleanup());

  test('a SQLite path in a missing folder is exit 2 and creates nothing', async () => {
    const r = await strata(['up', '--db', `sqlite:${join(p.dir, 'no/such/dir/app.db')}`], { cwd: p.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: cannot create sqlite:.*no\/such\/dir\/app\.db: the folder .* does not exist/m);
    assert.equal(existsSync(join(p.dir, 'no')), false);
  });

  test('an unwritable SQLite file is exit 2', async () => {
    const file = p.write('readonly/app.db', '');
    const { chmodSync } = await import('node:fs');
    chmodSync(join(p.dir, 'readonly'), 0o500);
    try {
      const r = await strata(['up', '--db', `sqlite:${file}`], { cwd: p.dir, env: process.getuid?.() === 0 ? { STRATA_TEST_AS_ROOT: '1' } : {} });
      if (process.getuid?.() === 0) {
        // root ignores file permissions; a directory given as the file is unwritable for everyone.
        const dirAsFile = await strata(['up', '--db', `sqlite:${join(p.dir, 'readonly')}`], { cwd: p.dir });
        assert.equal(dirAsFile.code, 2, dirAsFile.stderr);
        assert.match(dirAsFile.stderr, /^error: cannot (open|write) sqlite:/m);
      } else {
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /^error: cannot (open|write) sqlite:/m);
      }
    } finally {
      chmodSync(join(p.dir, 'readonly'), 0o700);
    }
  });

  test('a bad URL is exit 2 and never prints the password', async () => {
    const r = await strata(['status', '--db', 'oracle://scott:tiger@host/db'], { cwd: p.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: bad database URL "oracle:\/\/scott:\*\*\*@host\/db": the scheme "oracle:" is not supported/m);
    assert.doesNotMatch(r.stderr + r.stdout, /tiger/);
  });

  test('an unknown command is exit 2 with an error line', async () => {
    const r = await strata(['upp'], { cwd: p.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: unknown command 'upp'/m);
  });

  test('an unknown flag is exit 2 with an error line', async () => {
    const r = await strata(['up', '--fast'], { cwd: p.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: unknown option '--fast'/m);
  });

  test('conflicting flags are exit 2', async () => {
    const r = await strata(['down', '--steps', '2', '--target', '001', '--db', 'sqlite::memory:'], { cwd: p.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: --steps and --target cannot be used together/m);
  });

  test('new with "../evil" as the name is exit 2 and writes no file', async () => {
    const r = await strata(['new', '../evil'], { cwd: p.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: "\.\.\/evil" is not a migration name/m);
    assert.equal(existsSync(join(p.dir, 'evil.sql')), false);
    const { readdirSync } = await import('node:fs');
    assert.deepEqual(readdirSync(p.migrations), ['001_a.sql']);
  });

  test('a missing migrations folder is exit 2 with a hint', async () => {
    const r = await strata(['status', '--db', 'sqlite::memory:', '--dir', 'nowhere'], { cwd: p.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: migrations folder not found: nowhere/m);
    assert.match(r.stderr, /^hint: run `strata init`/m);
  });
});
