import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/core/errors.js';
import type { Discovery, LoadedMigration, SourceMigration, SqlScript } from '../../src/core/model.js';
import { buildState } from '../../src/core/state.js';
import { createDirectorySource } from '../../src/sources/directory.js';
import { firstInvalidUtf8 } from '../../src/sources/utf8.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** A fixture folder, discovered with paths shown relative to the repository. */
function fixture(name: string) {
  return createDirectorySource({ dir: `test/fixtures/${name}`, cwd: REPO });
}

const temps: string[] = [];
after(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A temp project with `migrations/` holding `files`; paths are shown relative to the project. */
function tempProject(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'strata-directory-'));
  temps.push(root);
  const dir = join(root, 'migrations');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { root, dir, source: createDirectorySource({ dir: 'migrations', cwd: root }) };
}

const byId = (found: Discovery, id: string): SourceMigration => {
  const migration = found.migrations.find((m) => m.id === id);
  assert.ok(migration, `${id} was not discovered: ${found.migrations.map((m) => m.id).join(', ')}`);
  return migration;
};
const script = (step: LoadedMigration['up'] | null): SqlScript => {
  assert.ok(step && step.type === 'sql', 'expected a SQL step');
  return step.script;
};
const problemSummary = (found: Discovery) => found.problems.map((p) => `${p.code} ${p.file}`).sort();

describe('directory source: discovery of a readable project', () => {
  test('finds the basic fixture\'s SQL and code migrations in version order', async () => {
    const found = await fixture('basic').discover();
    assert.deepEqual(
      found.migrations.map((m) => [m.id, m.kind, m.file]),
      [
        ['001_create_users', 'sql', 'test/fixtures/basic/001_create_users.sql'],
        ['002_create_posts', 'sql', 'test/fixtures/basic/002_create_posts.sql'],
        ['003_add_email', 'code', 'test/fixtures/basic/003_add_email.ts'],
      ],
    );
    assert.deepEqual(found.problems, []);
    assert.deepEqual(found.ignored, [{ file: 'test/fixtures/basic/README.md', reason: 'not a migration extension' }]);
  });

  test('reads SQL metadata at discovery and leaves a code migration\'s metadata unknown', async () => {
    const found = await fixture('basic').discover();
    assert.deepEqual(byId(found, '001_create_users').meta, { description: 'Create the users table', depends: [], transaction: true });
    assert.equal(byId(found, '003_add_email').meta, null);
  });

  test('gives a SQL file the sha256 of its text and a code file the sha256 of the module', async () => {
    const found = await fixture('basic').discover();
    const read = (name: string) => readFileSync(join(REPO, 'test/fixtures/basic', name), 'utf8');
    assert.equal(byId(found, '001_create_users').checksum, sha256(read('001_create_users.sql')));
    assert.equal(byId(found, '003_add_email').checksum, sha256(read('003_add_email.ts')));
  });

  test('gives an .up.sql with a .down.sql companion the checksum of both, joined by \\n--\\n', async () => {
    const found = await fixture('split-files').discover();
    const read = (name: string) => readFileSync(join(REPO, 'test/fixtures/split-files', name), 'utf8');
    assert.equal(byId(found, '001_create_users').checksum, sha256(`${read('001_create_users.up.sql')}\n--\n${read('001_create_users.down.sql')}`));
  });

  test('shows paths relative to cwd, or absolute when the folder is outside it', async () => {
    const inside = await createDirectorySource({ dir: 'fixtures/basic', cwd: join(REPO, 'test') }).discover();
    assert.equal(inside.migrations[0]!.file, 'fixtures/basic/001_create_users.sql');
    const outside = await createDirectorySource({ dir: join(REPO, 'test/fixtures/basic'), cwd: join(REPO, 'src') }).discover();
    assert.equal(outside.migrations[0]!.file, join(REPO, 'test/fixtures/basic/001_create_users.sql'));
  });
});

describe('directory source: ignored files', () => {
  test('reports each ignored file of the fixture with its reason, including a sub-directory', async () => {
    const found = await fixture('ignored-files').discover();
    assert.deepEqual(found.migrations.map((m) => m.id), ['001_create_t']);
    assert.deepEqual(found.problems, []);
    const base = 'test/fixtures/ignored-files';
    assert.deepEqual(
      [...found.ignored].sort((a, b) => a.file.localeCompare(b.file)),
      [
        { file: `${base}/.editorconfig`, reason: 'dot-file' },
        { file: `${base}/001_create_t.js.map`, reason: 'source map' },
        { file: `${base}/002_seed.sql.example`, reason: 'not a migration extension' },
        { file: `${base}/helpers.d.ts`, reason: 'type declarations' },
        { file: `${base}/helpers.ts`, reason: 'does not start with a version' },
        { file: `${base}/old`, reason: 'sub-directory (not a migration folder)' },
        { file: `${base}/README.md`, reason: 'not a migration extension' },
      ].sort((a, b) => a.file.localeCompare(b.file)),
    );
  });

  test('ignores test files and dot-directories, reporting the test file only', async () => {
    const { source } = tempProject({ '001_a.sql': 'SELECT 1;', '001_a.test.ts': 'export {};', '.cache/x.sql': 'SELECT 2;' });
    const found = await source.discover();
    assert.deepEqual(found.migrations.map((m) => m.id), ['001_a']);
    assert.deepEqual(found.ignored, [{ file: 'migrations/001_a.test.ts', reason: 'test file' }]);
  });

  test('reports malformed names as problems, naming the file', async () => {
    const { source } = tempProject({ '01 init.sql': 'SELECT 1;', '002_.sql': 'SELECT 1;', '003_x.SQL': 'SELECT 1;', '004_y.down.ts': 'export {};', '005_ok.sql': 'SELECT 1;' });
    const found = await source.discover();
    assert.deepEqual(found.migrations.map((m) => m.id), ['005_ok']);
    assert.deepEqual(problemSummary(found), [
      'malformed-name migrations/002_.sql',
      'malformed-name migrations/003_x.SQL',
      'malformed-name migrations/004_y.down.ts',
      'malformed-name migrations/01 init.sql',
    ]);
    const init = found.problems.find((p) => p.file === 'migrations/01 init.sql')!;
    assert.equal(init.key, null);
    assert.match(init.message, /^01 init\.sql looks like a migration/);
  });
});

describe('directory source: conflicts', () => {
  test('reports every conflict of the conflicts fixture and keeps only the sound migration', async () => {
    const found = await fixture('conflicts').discover();
    assert.deepEqual(found.migrations.map((m) => m.id), ['001_ok']);
    const base = 'test/fixtures/conflicts';
    assert.deepEqual(problemSummary(found), [
      `duplicate-version ${base}/005_first.sql`,
      `duplicate-version ${base}/006_mixed.ts`,
      `file-conflict ${base}/002_both.up.sql`,
      `file-conflict ${base}/003_section.sql`,
      `file-conflict ${base}/004_orphan.down.sql`,
    ]);
  });

  test('explains a .sql and .up.sql pair', async () => {
    const problem = (await fixture('conflicts').discover()).problems.find((p) => p.key === '2')!;
    assert.deepEqual(problem, { code: 'file-conflict', file: 'test/fixtures/conflicts/002_both.up.sql', key: '2', message: 'both 002_both.sql and 002_both.up.sql exist; keep one of them' });
  });

  test('explains a down section with a .down.sql companion', async () => {
    const problem = (await fixture('conflicts').discover()).problems.find((p) => p.key === '3')!;
    assert.equal(problem.code, 'file-conflict');
    assert.equal(problem.message, '003_section.sql has a "-- migrate:down" section and a 003_section.down.sql companion; keep one of them');
  });

  test('explains an orphan .down.sql', async () => {
    const problem = (await fixture('conflicts').discover()).problems.find((p) => p.key === '4')!;
    assert.equal(problem.message, '004_orphan.down.sql has no up migration (004_orphan.sql or 004_orphan.up.sql)');
  });

  test('names both files of a version used twice (005 and 5)', async () => {
    const problem = (await fixture('conflicts').discover()).problems.find((p) => p.key === '5')!;
    assert.equal(problem.message, 'version 005 is used by more than one migration: 005_first.sql, 5_second.sql');
  });

  test('names both files of a code and a SQL migration with the same version', async () => {
    const problem = (await fixture('conflicts').discover()).problems.find((p) => p.key === '6')!;
    assert.equal(problem.message, 'version 006 is used by both 006_mixed.ts and 006_mixed.sql');
  });

  test('reports the same version in code and SQL under different names as a duplicate', async () => {
    const { source } = tempProject({ '001_a.ts': 'export function up() {}', '001_b.sql': 'SELECT 1;' });
    const found = await source.discover();
    assert.deepEqual(found.migrations, []);
    assert.deepEqual(problemSummary(found), ['duplicate-version migrations/001_a.ts']);
    assert.equal(found.problems[0]!.message, 'version 001 is used by more than one migration: 001_a.ts, 001_b.sql');
  });

  test('reports the same file name in two code extensions as a duplicate naming both', async () => {
    const { source } = tempProject({ '001_a.ts': 'export function up() {}', '001_a.js': 'export function up() {}' });
    const found = await source.discover();
    assert.equal(found.problems.length, 1);
    assert.equal(found.problems[0]!.code, 'duplicate-version');
    assert.match(found.problems[0]!.message, /^001_a\.(ts|js) and 001_a\.(js|ts) are the same migration; keep one of them$/);
  });

  test(
    'discovers no migration for a version whose file is duplicated in the same role (001_a.ts + 001_a.js, 001_a.sql + migration_001_a.sql)',
    async () => {
      const cases: readonly Record<string, string>[] = [
        { '001_a.ts': 'export function up() {}', '001_a.js': 'export function up() {}' },
        { '001_a.sql': 'SELECT 1;', 'migration_001_a.sql': 'SELECT 2;' },
      ];
      for (const files of cases) {
        const found = await tempProject(files).source.discover();
        assert.deepEqual(found.problems.map((p) => p.code), ['duplicate-version']);
        // As with 005_first.sql + 5_second.sql: a duplicated version is not a usable migration.
        assert.deepEqual(found.migrations, []);
      }
    },
  );

  test('reports a file that cannot be parsed (bad transaction value) as a problem of that file', async () => {
    const { source } = tempProject({ '001_a.sql': '-- transaction: sometimes\nSELECT 1;' });
    const found = await source.discover();
    assert.deepEqual(found.migrations, []);
    assert.deepEqual(found.problems, [{ code: 'file-conflict', file: 'migrations/001_a.sql', key: '1', message: '001_a.sql "-- transaction: sometimes" must be on or off' }]);
  });

  test('feeds discovery problems into the state, without a missing-file for their applied versions', async () => {
    const found = await fixture('conflicts').discover();
    const applied = { version: '005', name: 'first', description: null, checksum: null, kind: 'sql' as const, depends: [], appliedAt: '2026-01-28T09:30:00.000Z', durationMs: 1, appliedBy: null, state: 'applied' as const, dirtyOperation: null, statementsDone: null, error: null };
    const state = buildState(found, [{ ...applied, version: '001', name: 'ok' }, applied]);
    assert.deepEqual(state.problems.map((p) => p.code).sort(), ['duplicate-version', 'duplicate-version', 'file-conflict', 'file-conflict', 'file-conflict']);
  });
});

describe('directory source: other tools\' folders (§2)', () => {
  test('runs a golang-migrate pair whose down file has another name, pairing by version', async () => {
    const { source } = tempProject({ '000001_init.up.sql': 'CREATE TABLE a (id INT);\n', '000001_create_a.down.sql': 'DROP TABLE a;\n', '000002_b.up.sql': 'CREATE TABLE b (id INT);\n' });
    const found = await source.discover();
    assert.deepEqual(found.problems, []);
    assert.deepEqual(found.migrations.map((m) => m.id), ['000001_init', '000002_b']);
    const init = byId(found, '000001_init');
    assert.equal(init.checksum, sha256('CREATE TABLE a (id INT);\n\n--\nDROP TABLE a;\n'));
    assert.deepEqual(script((await source.load(init)).down), { sql: 'DROP TABLE a;\n', file: 'migrations/000001_create_a.down.sql', startLine: 1 });
  });

  test('still refuses two up files of one version, and a down file with two up files', async () => {
    const found = await tempProject({ '1_a.up.sql': 'SELECT 1;', '1_b.sql': 'SELECT 2;', '1_c.down.sql': 'SELECT 3;' }).source.discover();
    assert.deepEqual(found.migrations, []);
    assert.deepEqual(found.problems.map((p) => p.code), ['duplicate-version']);
  });

  test('runs a Flyway folder: V1__ and V1_1__ files, R__ and U__ files ignored and named', async () => {
    const { source } = tempProject({ 'V1__init.sql': 'CREATE TABLE a (id INT);\n', 'V1_1__Add_email.sql': 'ALTER TABLE a ADD email TEXT;\n', 'R__views.sql': 'CREATE VIEW v AS SELECT 1;\n', 'U1_1__Add_email.sql': 'SELECT 1;\n' });
    const found = await source.discover();
    assert.deepEqual(found.problems, []);
    assert.deepEqual(found.migrations.map((m) => [m.id, m.version, m.name]), [['1_init', '1', 'init'], ['1_1_Add_email', '1_1', 'Add_email']]);
    assert.deepEqual(found.ignored.map((f) => f.file).sort(), ['migrations/R__views.sql', 'migrations/U1_1__Add_email.sql']);
    assert.ok(found.ignored.every((f) => /Flyway .*not supported/.test(f.reason)), JSON.stringify(found.ignored));
  });

  test('refuses versions written with different separators as duplicates (1.1, 1_1, V1_1__)', async () => {
    const found = await tempProject({ '1.1_a.sql': 'SELECT 1;', 'V1_1__b.sql': 'SELECT 2;' }).source.discover();
    assert.deepEqual(found.migrations, []);
    assert.deepEqual(found.problems.map((p) => p.code), ['duplicate-version']);
  });

  test('gives a bare 0001.sql the version as its id', async () => {
    const found = await tempProject({ '0001.sql': 'SELECT 1;' }).source.discover();
    assert.deepEqual(found.migrations.map((m) => [m.id, m.version, m.name]), [['0001', '0001', '']]);
  });

  test('runs a Diesel folder as one migration whose checksum covers up.sql and down.sql', async () => {
    const { source } = tempProject({
      '00000000000000_diesel_initial_setup/up.sql': 'CREATE TABLE s (id INT);\n',
      '00000000000000_diesel_initial_setup/down.sql': 'DROP TABLE s;\n',
      '2018-04-27-155151_create_users/up.sql': 'CREATE TABLE users (id INT);\n',
      '2018-04-27-155151_create_users/down.sql': 'DROP TABLE users;\n',
    });
    const found = await source.discover();
    assert.deepEqual(found.problems, []);
    assert.deepEqual(found.migrations.map((m) => [m.id, m.file]), [
      ['00000000000000_diesel_initial_setup', 'migrations/00000000000000_diesel_initial_setup/up.sql'],
      ['2018-04-27-155151_create_users', 'migrations/2018-04-27-155151_create_users/up.sql'],
    ]);
    const users = byId(found, '2018-04-27-155151_create_users');
    assert.equal(users.checksum, sha256('CREATE TABLE users (id INT);\n\n--\nDROP TABLE users;\n'));
    const loaded = await source.load(users);
    assert.equal(script(loaded.up).sql, 'CREATE TABLE users (id INT);\n');
    assert.deepEqual(script(loaded.down), { sql: 'DROP TABLE users;\n', file: 'migrations/2018-04-27-155151_create_users/down.sql', startLine: 1 });
  });

  test('runs a Prisma folder (migration.sql) as one irreversible migration; migration_lock.toml is ignored', async () => {
    const { source } = tempProject({ '20210101000000_init/migration.sql': '-- CreateTable\nCREATE TABLE "User" (id INT);\n', 'migration_lock.toml': 'provider = "sqlite"\n' });
    const found = await source.discover();
    assert.deepEqual(found.problems, []);
    assert.deepEqual(found.migrations.map((m) => [m.id, m.file]), [['20210101000000_init', 'migrations/20210101000000_init/migration.sql']]);
    assert.equal(found.migrations[0]!.checksum, sha256('-- CreateTable\nCREATE TABLE "User" (id INT);\n'));
    assert.equal((await source.load(found.migrations[0]!)).down, null);
  });

  test('ignores a versioned folder without up.sql or migration.sql, and other sub-directories', async () => {
    const found = await tempProject({ '001_a.sql': 'SELECT 1;', '002_x/notes.md': 'x', 'old/003_b.sql': 'SELECT 3;' }).source.discover();
    assert.deepEqual(found.migrations.map((m) => m.id), ['001_a']);
    assert.deepEqual(found.ignored.map((f) => [f.file, f.reason]).sort(), [
      ['migrations/002_x', 'sub-directory without up.sql or migration.sql'],
      ['migrations/old', 'sub-directory (not a migration folder)'],
    ]);
  });

  test('refuses a migration folder and a file of the same version as duplicates', async () => {
    const found = await tempProject({ '002_x/up.sql': 'SELECT 1;', '002_y.sql': 'SELECT 2;' }).source.discover();
    assert.deepEqual(found.migrations, []);
    assert.deepEqual(found.problems.map((p) => p.code), ['duplicate-version']);
    assert.match(found.problems[0]!.message, /002_x\/up\.sql.*002_y\.sql/);
  });

  test('sees an edit to a file inside a migration folder on the next discovery', async () => {
    const { dir, source } = tempProject({ '002_x/up.sql': '-- First\nSELECT 1;\n' });
    assert.equal((await source.discover()).migrations[0]!.meta!.description, 'First');
    writeFileSync(join(dir, '002_x/up.sql'), '-- Second title\nSELECT 2;\n');
    assert.equal((await source.discover()).migrations[0]!.meta!.description, 'Second title');
    writeFileSync(join(dir, '002_x/down.sql'), 'SELECT 3;\n');
    assert.equal((await source.discover()).migrations[0]!.checksum, sha256('-- Second title\nSELECT 2;\n\n--\nSELECT 3;\n'));
  });

  test('says so when the folder holds only another tool\'s files (Flyway R__, Python)', async () => {
    const folders: Record<string, string>[] = [{ 'R__views.sql': 'SELECT 1;', 'README.md': 'x' }, { '0001_initial.py': 'x', '__init__.py': '' }];
    for (const files of folders) {
      const found = await tempProject(files).source.discover();
      assert.deepEqual(found.problems.map((p) => p.code), ['other-tool-files']);
      assert.match(found.problems[0]!.message, /holds no strata migration, only files of another tool \((Flyway|a Python migration tool)\)/);
    }
    // With one migration of strata's, the others are just ignored.
    assert.deepEqual((await tempProject({ 'R__views.sql': 'SELECT 1;', '001_a.sql': 'SELECT 1;' }).source.discover()).problems, []);
  });
});

describe('directory source: errors', () => {
  test('rejects with a config ConfigError naming the folder when it does not exist', async () => {
    const root = mkdtempSync(join(tmpdir(), 'strata-directory-'));
    temps.push(root);
    await assert.rejects(createDirectorySource({ dir: 'migrations', cwd: root }).discover(), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, 'config');
      assert.match(error.message, /^migrations folder not found: (.*\/)?migrations$/);
      assert.match(error.hint!, /strata init/);
      return true;
    });
  });

  test('rejects with a config ConfigError when the path is a file', async () => {
    const { root } = tempProject({ 'a.sql': 'SELECT 1;' });
    await assert.rejects(createDirectorySource({ dir: 'migrations/a.sql', cwd: root }).discover(), {
      name: 'ConfigError',
      code: 'config',
      message: /^cannot read migrations folder (.*\/)?migrations\/a\.sql: ENOTDIR$/,
    });
  });

  test(
    'shows the missing folder relative to cwd, like every other path in its messages',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'strata-directory-'));
      temps.push(root);
      await assert.rejects(createDirectorySource({ dir: 'migrations', cwd: root }).discover(), { message: 'migrations folder not found: migrations' });
    },
  );
});

describe('directory source: load() of SQL migrations', () => {
  test('gives up and down scripts of a file with markers, with file and start lines', async () => {
    const source = fixture('basic');
    const loaded = await source.load(byId(await source.discover(), '001_create_users'));
    assert.deepEqual(script(loaded.up), {
      sql: "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  name VARCHAR(100) NOT NULL\n);\nINSERT INTO users (id, name) VALUES (1, 'ada');\n",
      file: 'test/fixtures/basic/001_create_users.sql',
      startLine: 3,
    });
    assert.deepEqual(script(loaded.down), { sql: 'DROP TABLE users;\n', file: 'test/fixtures/basic/001_create_users.sql', startLine: 10 });
    assert.equal(loaded.irreversibleReason, null);
    assert.equal(loaded.precheck, null);
    assert.equal(loaded.verify, null);
  });

  test('takes the down script from a .down.sql companion, starting at its line 1', async () => {
    const source = fixture('split-files');
    const loaded = await source.load(byId(await source.discover(), '001_create_users'));
    assert.deepEqual(script(loaded.up), {
      sql: '-- Create the users table\nCREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  name VARCHAR(100) NOT NULL\n);\n',
      file: 'test/fixtures/split-files/001_create_users.up.sql',
      startLine: 1,
    });
    assert.deepEqual(script(loaded.down), { sql: 'DROP TABLE users;\n', file: 'test/fixtures/split-files/001_create_users.down.sql', startLine: 1 });
    assert.equal(loaded.meta.description, 'Create the users table');
  });

  test('reads directives and a down section without an up marker', async () => {
    const source = fixture('split-files');
    const loaded = await source.load(byId(await source.discover(), '002_add_email'));
    assert.deepEqual(loaded.meta, { description: 'Add email to users', depends: ['001'], transaction: false });
    assert.equal(script(loaded.up).startLine, 1);
    assert.deepEqual(script(loaded.down), { sql: 'ALTER TABLE users DROP COLUMN email;\n', file: 'test/fixtures/split-files/002_add_email.sql', startLine: 7 });
  });

  test('makes a file without a down irreversible and says why', async () => {
    const source = fixture('split-files');
    const loaded = await source.load(byId(await source.discover(), '003_drop_legacy'));
    assert.equal(loaded.down, null);
    assert.equal(loaded.irreversibleReason, 'test/fixtures/split-files/003_drop_legacy.sql has no "-- migrate:down" section and no .down.sql companion');
    assert.deepEqual(script(loaded.up), { sql: 'DROP TABLE IF EXISTS legacy;\n', file: 'test/fixtures/split-files/003_drop_legacy.sql', startLine: 3 });
  });

  test('keeps an empty down section as a reversible no-op', async () => {
    const { source } = tempProject({ '001_log.sql': '-- migrate:up\nINSERT INTO log VALUES (1);\n-- migrate:down\n' });
    const loaded = await source.load((await source.discover()).migrations[0]!);
    assert.deepEqual(script(loaded.down), { sql: '', file: 'migrations/001_log.sql', startLine: 4 });
    assert.equal(loaded.irreversibleReason, null);
  });

  test('normalises a BOM and CRLF line ends before parsing and hashing', async () => {
    const lf = '-- Create t\n-- migrate:up\nCREATE TABLE t (id INT);\n-- migrate:down\nDROP TABLE t;\n';
    const { source } = tempProject({ '001_t.sql': '\uFEFF' + lf.replace(/\n/g, '\r\n') });
    const found = await source.discover();
    assert.equal(found.migrations[0]!.checksum, sha256(lf));
    assert.equal(found.migrations[0]!.meta!.description, 'Create t');
    const loaded = await source.load(found.migrations[0]!);
    assert.deepEqual(script(loaded.up), { sql: 'CREATE TABLE t (id INT);', file: 'migrations/001_t.sql', startLine: 3 });
    assert.deepEqual(script(loaded.down), { sql: 'DROP TABLE t;\n', file: 'migrations/001_t.sql', startLine: 5 });
  });

  test('keeps version and name of 001_2024_report.sql and a migration_ prefix', async () => {
    const { source } = tempProject({ '001_2024_report.sql': 'SELECT 1;', 'migration_002_seed.sql': 'SELECT 2;' });
    const found = await source.discover();
    assert.deepEqual(found.migrations.map((m) => [m.key, m.version, m.name, m.id]), [
      ['1_2024', '001_2024', 'report', '001_2024_report'],
      ['2', '002', 'seed', '002_seed'],
    ]);
  });
});

describe('directory source: cache', () => {
  test('re-reads a file whose content and modification time changed', async () => {
    const { dir, source } = tempProject({ '001_a.sql': '-- First title\nSELECT 1;\n' });
    const first = (await source.discover()).migrations[0]!;
    assert.equal(first.meta!.description, 'First title');
    assert.equal(first.checksum, sha256('-- First title\nSELECT 1;\n'));

    // Same length, so only the modification time tells the edit apart.
    const path = join(dir, '001_a.sql');
    writeFileSync(path, '-- Other title\nSELECT 2;\n');
    const later = new Date(statSync(path).mtimeMs + 5_000);
    utimesSync(path, later, later);

    const second = (await source.discover()).migrations[0]!;
    assert.equal(second.meta!.description, 'Other title');
    assert.equal(second.checksum, sha256('-- Other title\nSELECT 2;\n'));
  });

  test('re-reads an edited .down.sql companion', async () => {
    const { dir, source } = tempProject({ '001_a.up.sql': 'CREATE TABLE a (id INT);\n', '001_a.down.sql': 'DROP TABLE a;\n' });
    const before = (await source.discover()).migrations[0]!.checksum;
    writeFileSync(join(dir, '001_a.down.sql'), 'DROP TABLE IF EXISTS a;\n');
    const found = (await source.discover()).migrations[0]!;
    assert.notEqual(found.checksum, before);
    assert.equal(found.checksum, sha256('CREATE TABLE a (id INT);\n\n--\nDROP TABLE IF EXISTS a;\n'));
    assert.equal(script((await source.load(found)).down).sql, 'DROP TABLE IF EXISTS a;\n');
  });

  test('re-reads an edited file in each of two sources on the same folder', async () => {
    const { root, dir } = tempProject({ '001_a.sql': '-- First\nSELECT 1;\n' });
    const first = createDirectorySource({ dir: 'migrations', cwd: root });
    const second = createDirectorySource({ dir: 'migrations', cwd: root });
    assert.equal((await first.discover()).migrations[0]!.meta!.description, 'First');
    assert.equal((await second.discover()).migrations[0]!.meta!.description, 'First');
    writeFileSync(join(dir, '001_a.sql'), '-- Second\nSELECT 2;\n');
    assert.equal((await second.discover()).migrations[0]!.meta!.description, 'Second');
    assert.equal((await first.discover()).migrations[0]!.meta!.description, 'Second');
  });

  test(
    're-reads a symlinked migration whose target file was edited',
    async () => {
      const { root, source } = tempProject({});
      mkdirSync(join(root, 'shared'));
      const target = join(root, 'shared/001_a.sql');
      writeFileSync(target, '-- First\nSELECT 1;\n');
      symlinkSync(target, join(root, 'migrations/001_a.sql'));
      assert.equal((await source.discover()).migrations[0]!.meta!.description, 'First');
      writeFileSync(target, '-- Second title\nSELECT 2;\n');
      const found = (await source.discover()).migrations[0]!;
      assert.equal(found.meta!.description, 'Second title');
      assert.equal(found.checksum, sha256('-- Second title\nSELECT 2;\n'));
    },
  );

  test('sees a file removed between two discoveries', async () => {
    const { dir, source } = tempProject({ '001_a.sql': 'SELECT 1;', '002_b.sql': 'SELECT 2;' });
    assert.equal((await source.discover()).migrations.length, 2);
    rmSync(join(dir, '002_b.sql'));
    assert.deepEqual((await source.discover()).migrations.map((m) => m.id), ['001_a']);
  });

  test('sees a file added between two discoveries', async () => {
    const { dir, source } = tempProject({ '001_a.sql': 'SELECT 1;' });
    assert.equal((await source.discover()).migrations.length, 1);
    writeFileSync(join(dir, '002_b.sql'), 'SELECT 2;');
    assert.deepEqual((await source.discover()).migrations.map((m) => m.id), ['001_a', '002_b']);
  });
});

describe('invalid UTF-8 (issue 13, defect 12)', () => {
  test('a SQL file with an invalid byte sequence is a problem naming the file and the byte offset', async () => {
    const { dir, source } = tempProject({ '001_a.sql': 'CREATE TABLE a (id INTEGER);\n' });
    // "café" in Latin-1: 0xE9 is not UTF-8; the replacement character must not be applied.
    writeFileSync(join(dir, '002_b.sql'), Buffer.concat([Buffer.from("INSERT INTO a VALUES ('caf"), Buffer.from([0xe9]), Buffer.from("');\n")]));
    const found = await source.discover();
    assert.deepEqual(found.migrations.map((m) => m.id), ['001_a']);
    assert.deepEqual(found.problems, [
      { code: 'invalid-encoding', file: 'migrations/002_b.sql', key: '2', message: 'migrations/002_b.sql is not valid UTF-8: the first invalid byte sequence is at byte offset 26' },
    ]);
  });

  test('a .down.sql companion is checked too; a U+FFFD written as UTF-8 is fine', async () => {
    const valid = tempProject({ '001_a.sql': "SELECT '\uFFFD';\n" });
    assert.deepEqual((await valid.source.discover()).problems, []);
    const { dir, source } = tempProject({ '001_a.sql': "SELECT '\uFFFD';\n" });
    writeFileSync(join(dir, '001_a.down.sql'), Buffer.from([0x53, 0x45, 0x4c, 0xc0, 0xaf]));
    const [problem] = (await source.discover()).problems;
    assert.equal(problem?.code, 'invalid-encoding');
    assert.match(problem!.message, /001_a\.down\.sql is not valid UTF-8: .* byte offset 3$/);
  });
});

describe('firstInvalidUtf8', () => {
  const offset = (...bytes: number[]) => firstInvalidUtf8(Uint8Array.from(bytes));
  test('accepts well-formed text of every length, BOM included', () => {
    assert.equal(firstInvalidUtf8(Buffer.from('\uFEFFa é € 𝄞 \uFFFD', 'utf8')), -1);
  });
  test('finds overlong forms, surrogates, code points past U+10FFFF, stray and truncated sequences', () => {
    assert.equal(offset(0x61, 0xc0, 0x80), 1); // overlong NUL
    assert.equal(offset(0xe0, 0x80, 0x80), 0); // overlong 3-byte
    assert.equal(offset(0x61, 0x62, 0xed, 0xa0, 0x80), 2); // surrogate U+D800
    assert.equal(offset(0xf4, 0x90, 0x80, 0x80), 0); // U+110000
    assert.equal(offset(0x61, 0x80), 1); // stray continuation byte
    assert.equal(offset(0x61, 0xe2, 0x82), 1); // truncated at the end
    assert.equal(offset(0xff), 0);
  });
  test('agrees with a fatal TextDecoder on random bytes', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let round = 0; round < 2000; round++) {
      const bytes = Uint8Array.from({ length: 1 + (round % 12) }, () => (Math.random() < 0.5 ? Math.floor(Math.random() * 0x80) : 0x80 + Math.floor(Math.random() * 0x80)));
      let valid = true;
      try {
        decoder.decode(bytes);
      } catch {
        valid = false;
      }
      assert.equal(firstInvalidUtf8(bytes) === -1, valid, Buffer.from(bytes).toString('hex'));
    }
  });
});
