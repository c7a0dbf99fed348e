/**
 * Every §11 rule flags its case and not its near miss (test/lint/cases.ts), read by strata's
 * own token reader on every dialect and, on PostgreSQL, by the server's parser (libpg-query)
 * too. No database: the lint reads files only. The CLI tests run the same cases on servers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lintMigrations, type LintResult, type LintTarget } from '../../src/lint/lint.js';
import type { LintProfile } from '../../src/lint/profile.js';
import { mysqlLintProfile } from '../../src/drivers/mysql/lint.js';
import { POSTGRES_LINT_PROFILE } from '../../src/drivers/postgres/lint.js';
import { SQLITE_LINT_PROFILE } from '../../src/drivers/sqlite/lint.js';
import { SYNTAX } from '../support/syntax.js';
import type { DialectName } from '../support/dialects.js';
import { CASES, caseFiles } from './cases.js';

/** Lints `files` in order; those named in `applied` are applied (the others pending), and reported only with `all`. */
function targets(files: Record<string, string>, transactional: boolean, { applied = [] as string[], all = true } = {}): LintTarget[] {
  return Object.entries(files).map(([file, sql]) => ({
    file, script: { sql, file, startLine: 1 }, inTransaction: transactional && !sql.includes('-- transaction: off'),
    pending: !applied.includes(file), report: all || !applied.includes(file),
  }));
}
const SETUP_APPLIED = { applied: ['001_setup.sql'] };

const codesIn = (result: LintResult, file: string) => [...result.errors, ...result.warnings].filter((w) => w.file === file).map((w) => w.code);

const PROFILES: [DialectName, string, LintProfile, boolean][] = [
  ['postgres', "PostgreSQL's parser", POSTGRES_LINT_PROFILE, true],
  ['postgres', 'strata tokens (libpg-query not installed)', { ...POSTGRES_LINT_PROFILE, loadReader: undefined }, true],
  ['mysql', 'MySQL 8.0.35', mysqlLintProfile('mysql', '8.0.35'), false],
  ['sqlite', 'SQLite', SQLITE_LINT_PROFILE, true],
];

for (const [dialect, label, profile, transactional] of PROFILES) {
  describe(`${dialect}, read by ${label}`, () => {
    const { files, flagFile, missFile } = caseFiles(dialect);
    let result: LintResult;
    test('lints every case file', async () => {
      result = await lintMigrations(targets(files, transactional, SETUP_APPLIED), SYNTAX[dialect], profile);
      assert.equal(result.parser, profile.loadReader ? 'database' : 'tokens');
      assert.deepEqual(codesIn(result, '001_setup.sql'), [], 'creating tables warns of nothing');
    });
    CASES[dialect].forEach((c, i) => {
      test(`${c.code}: flags ${JSON.stringify(c.flag)}, not ${JSON.stringify(c.miss)}`, () => {
        assert.ok(codesIn(result, flagFile[i]!).includes(c.code), `${flagFile[i]} gave ${codesIn(result, flagFile[i]!).join(', ') || 'nothing'}`);
        assert.ok(!codesIn(result, missFile[i]!).includes(c.code), `${missFile[i]} gave ${codesIn(result, missFile[i]!).join(', ')}`);
      });
    });
  });
}

describe('what the migrations before tell', () => {
  const pg = (files: Record<string, string>) => lintMigrations(targets(files, true), SYNTAX.postgres, POSTGRES_LINT_PROFILE);

  test('a table created by an applied migration exists before this one: CREATE INDEX on it is flagged', async () => {
    const files = { '001_a.sql': 'CREATE TABLE a (id int);', '002_b.sql': 'CREATE INDEX a_id ON a (id);' };
    const result = await lintMigrations(targets(files, true, { applied: ['001_a.sql'] }), SYNTAX.postgres, POSTGRES_LINT_PROFILE);
    assert.deepEqual(codesIn(result, '002_b.sql'), ['index-not-concurrently']);
  });

  test('a table created by a pending migration before it does not exist yet: the same run creates it empty', async () => {
    const result = await pg({ '001_a.sql': 'CREATE TABLE a (id int);', '002_b.sql': 'CREATE INDEX a_id ON a (id);\nALTER TABLE a ADD CONSTRAINT a_u UNIQUE (id);' });
    assert.deepEqual(codesIn(result, '002_b.sql'), []);
  });

  test('with --all, an applied migration is judged as when it ran: tables of earlier migrations existed', async () => {
    const files = { '001_a.sql': 'CREATE TABLE a (id int);', '002_b.sql': 'CREATE INDEX a_id ON a (id);' };
    const result = await lintMigrations(targets(files, true, { applied: Object.keys(files) }), SYNTAX.postgres, POSTGRES_LINT_PROFILE);
    assert.deepEqual(codesIn(result, '002_b.sql'), ['index-not-concurrently']);
  });

  test('renaming a table to the name of one dropped before it (a rebuild) is not a rename the application sees', async () => {
    const files = { '001_tmp.sql': 'CREATE TABLE _a_tmp (id int);', '002_drop.sql': '-- strata:allow drop-table\nDROP TABLE a;', '003_rename.sql': 'ALTER TABLE _a_tmp RENAME TO a;\nALTER TABLE b RENAME TO c;' };
    const result = await lintMigrations(targets(files, true, { applied: Object.keys(files) }), SYNTAX.sqlite, SQLITE_LINT_PROFILE);
    assert.deepEqual(result.warnings.map((w) => [w.code, w.file, w.line]), [['rename', '003_rename.sql', 2]]);
  });

  test('a table no migration created (made by hand, or by another tool) is taken to exist', async () => {
    const result = await pg({ '001_b.sql': 'CREATE INDEX legacy_id ON legacy (id);' });
    assert.deepEqual(codesIn(result, '001_b.sql'), ['index-not-concurrently']);
  });

  test('a table created then renamed in the same migration is still new', async () => {
    const result = await pg({ '001_a.sql': 'CREATE TABLE a_new (id int);\nALTER TABLE a_new RENAME TO a;\nCREATE INDEX a_id ON a (id);\nALTER TABLE a ADD COLUMN n int DEFAULT random();' });
    assert.deepEqual(codesIn(result, '001_a.sql'), []);
  });

  test('a CHECK (c IS NOT NULL) validated in an earlier migration lets SET NOT NULL through', async () => {
    const files = {
      '001_a.sql': 'CREATE TABLE a (id int, c int);',
      '002_check.sql': 'ALTER TABLE a ADD CONSTRAINT a_c_nn CHECK (c IS NOT NULL) NOT VALID;',
      '003_validate.sql': 'ALTER TABLE a VALIDATE CONSTRAINT a_c_nn;',
      '004_not_null.sql': 'ALTER TABLE a ALTER COLUMN c SET NOT NULL;\nALTER TABLE a ALTER COLUMN id SET NOT NULL;',
    };
    const result = await lintMigrations(targets(files, true, { applied: ['001_a.sql'] }), SYNTAX.postgres, POSTGRES_LINT_PROFILE);
    assert.deepEqual(codesIn(result, '004_not_null.sql'), ['set-not-null'], 'only id, whose CHECK was never added');
    assert.match(result.warnings.find((w) => w.file === '004_not_null.sql')!.message, /^004_not_null\.sql:2: .*COLUMN id SET NOT NULL/);
  });

  test('a NOT VALID check never validated does not count', async () => {
    const result = await pg({ '001.sql': 'ALTER TABLE a ADD CONSTRAINT a_c_nn CHECK (c IS NOT NULL) NOT VALID;\nALTER TABLE a ALTER COLUMN c SET NOT NULL;' });
    assert.deepEqual(codesIn(result, '001.sql'), ['set-not-null']);
  });

  test('a table rebuild (create, copy, drop, rename into the old name) warns of nothing, in one migration or spread over several', async () => {
    const one = { '001_rebuild.sql': 'CREATE TABLE a_new (id INTEGER NOT NULL);\nINSERT INTO a_new SELECT id FROM a;\nDROP TABLE a;\nALTER TABLE a_new RENAME TO a;' };
    assert.deepEqual((await lintMigrations(targets(one, true), SYNTAX.sqlite, SQLITE_LINT_PROFILE)).warnings, []);
    const spread = { '001.sql': 'CREATE TABLE _a_tmp (id INTEGER NOT NULL);', '002.sql': 'INSERT INTO _a_tmp SELECT id FROM a;', '003.sql': 'DROP TABLE a;', '004.sql': 'ALTER TABLE _a_tmp RENAME TO a;\nDROP TABLE b;' };
    const result = await lintMigrations(targets(spread, true, { applied: Object.keys(spread) }), SYNTAX.sqlite, SQLITE_LINT_PROFILE);
    assert.deepEqual(result.warnings.map((w) => [w.code, w.file]), [['drop-table', '004.sql']], 'only the drop nothing replaces');
  });

  test('applied migrations are read for what they create but not reported', async () => {
    const files = { '001_a.sql': 'DROP TABLE old;\nCREATE TABLE a (id int);', '002_b.sql': 'DELETE FROM a;' };
    const result = await lintMigrations(targets(files, true, { applied: ['001_a.sql'], all: false }), SYNTAX.postgres, POSTGRES_LINT_PROFILE);
    assert.deepEqual(result.warnings.map((w) => w.code), ['delete-without-where']);
  });

  test('a code migration is not read, and said so', async () => {
    const result = await lintMigrations([{ file: '001_a.ts', script: null, inTransaction: true, pending: true, report: true }], SYNTAX.postgres, POSTGRES_LINT_PROFILE);
    assert.deepEqual(result.notLinted, [{ file: '001_a.ts', reason: 'code migration: what it runs is known only when it runs' }]);
  });
});

describe('allow comments', () => {
  const lint = (sql: string) => lintMigrations(targets({ 'm.sql': sql }, true), SYNTAX.sqlite, SQLITE_LINT_PROFILE);

  test('on the line before a statement, it silences that code for that statement only', async () => {
    const result = await lint('SELECT 1;\n-- strata:allow drop-table\nDROP TABLE a;\nDROP TABLE b;\n\n-- strata:allow truncate\nDELETE FROM c;\n');
    assert.deepEqual(result.warnings.map((w) => [w.code, w.line]), [['drop-table', 4], ['delete-without-where', 7]]);
  });

  test('anywhere in the comment lines right above, several codes at once', async () => {
    const result = await lint('SELECT 1;\n-- strata:allow drop-table, delete-without-where\n-- the table was archived in 041\nDROP TABLE a;\nDELETE FROM c;\n');
    assert.deepEqual(result.warnings.map((w) => [w.code, w.line]), [['delete-without-where', 5]]);
  });

  test('in the leading comment block (comments above the first statement included), for the whole file', async () => {
    const result = await lint('-- Drop the archive\n-- strata:allow drop-table\n\nDROP TABLE a;\nSELECT 1;\nDROP TABLE b;\nDELETE FROM c;\n');
    assert.deepEqual(result.warnings.map((w) => w.code), ['delete-without-where']);
  });

  test('a marker file: the header above `-- migrate:up` counts as the leading block', async () => {
    const fileText = '-- strata:allow drop-table\n-- migrate:up\nDROP TABLE a;\n-- migrate:down\n';
    const result = await lintMigrations([{ file: 'm.sql', script: { sql: 'DROP TABLE a;', file: 'm.sql', startLine: 3 }, fileText, inTransaction: true, pending: true, report: true }], SYNTAX.sqlite, SQLITE_LINT_PROFILE);
    assert.deepEqual(result.warnings, []);
  });
});

describe('MySQL: add-column-not-at-end depends on the server version', () => {
  const sql = 'ALTER TABLE users ADD COLUMN age int AFTER id, ALGORITHM=INPLACE;';
  const cases: [string, string, boolean][] = [
    ['mysql', '8.0.28', true], ['mysql', '5.7.44-log', true], ['mysql', '8.0.29', false], ['mysql', '8.4.0', false],
    ['mariadb', '10.3.39-MariaDB', true], ['mariadb', '10.4.0-MariaDB', false], ['mariadb', '10.11.19-MariaDB-0+deb12u1', false], ['tidb', '8.0.11-TiDB-v7.5.0', false],
  ];
  for (const [engine, version, flagged] of cases) {
    test(`${engine} ${version}: ${flagged ? 'flagged' : 'instant, not flagged'}`, async () => {
      const result = await lintMigrations(targets({ 'm.sql': sql }, false), SYNTAX.mysql, mysqlLintProfile(engine, version));
      assert.equal(result.warnings.some((w) => w.code === 'add-column-not-at-end'), flagged);
    });
  }
  test('a column added at the end is never flagged', async () => {
    const result = await lintMigrations(targets({ 'm.sql': 'ALTER TABLE users ADD COLUMN age int, ALGORITHM=INSTANT;' }, false), SYNTAX.mysql, mysqlLintProfile('mysql', '5.7.44'));
    assert.deepEqual(result.warnings, []);
  });
});
