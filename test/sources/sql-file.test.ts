import { describe, test } from 'node:test';
import { SYNTAX, type SyntaxName } from '../support/syntax.js';
import assert from 'node:assert/strict';
import { parseSqlFile, type ParsedSqlFile } from '../../src/sources/sql-file.js';
import type { SqlSyntax } from '../../src/sql/split.js';

function parsed(text: string, syntax: SqlSyntax = SYNTAX.sqlite): ParsedSqlFile {
  const result = parseSqlFile(text, syntax);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.value;
}

function refused(text: string): string {
  const result = parseSqlFile(text, SYNTAX.sqlite);
  assert.equal(result.ok, false);
  return (result as { reason: string }).reason;
}

const SPEC_EXAMPLE = [
  '-- Add email to users',
  '-- depends: 001, 003',
  '-- transaction: off',
  '-- migrate:up',
  'ALTER TABLE users ADD COLUMN email TEXT;',
  '-- migrate:down',
  'ALTER TABLE users DROP COLUMN email;',
  '',
].join('\n');

describe('parseSqlFile: directives', () => {
  test('reads description, depends and transaction from the example in the spec', () => {
    assert.deepEqual(parsed(SPEC_EXAMPLE), {
      meta: { description: 'Add email to users', depends: ['001', '003'], transaction: false },
      up: { sql: 'ALTER TABLE users ADD COLUMN email TEXT;', startLine: 5 },
      down: { sql: 'ALTER TABLE users DROP COLUMN email;\n', startLine: 7 },
    });
  });

  test('takes the first leading comment line that is not a directive as the description', () => {
    const meta = parsed('-- depends: 001\n-- transaction: on\n-- Backfill emails\n-- second line is not the description\nUPDATE users SET email = name;').meta;
    assert.equal(meta.description, 'Backfill emails');
  });

  test('skips blank lines and empty comments before the description', () => {
    assert.equal(parsed('\n\n--\n--   \n--   Create the users table  \nCREATE TABLE users (id INT);').meta.description, 'Create the users table');
  });

  test('strips every leading dash of the description comment', () => {
    assert.equal(parsed('---- Heading\nSELECT 1;').meta.description, 'Heading');
  });

  test('has no description when the file starts with a statement', () => {
    assert.equal(parsed('CREATE TABLE t (id INT);\n-- not leading\n').meta.description, null);
  });

  test('does not take a comment after the first statement as description or directive', () => {
    const meta = parsed('CREATE TABLE t (id INT);\n-- Late comment\n-- depends: 001\n-- transaction: off\n').meta;
    assert.deepEqual(meta, { description: null, depends: [], transaction: true });
  });

  test('does not take a migrate marker as the description', () => {
    assert.equal(parsed('-- migrate:up\n-- Create t\nCREATE TABLE t (id INT);').meta.description, 'Create t');
  });

  test('reads a "depends on" comment without a colon as the description, not a directive', () => {
    assert.deepEqual(parsed('-- depends on nothing\nSELECT 1;').meta, { description: 'depends on nothing', depends: [], transaction: true });
  });

  test('splits depends on commas and whitespace, keeping versions and ids as written', () => {
    assert.deepEqual(parsed('-- depends: 001,  003_add_email 2026_01_28\nSELECT 1;').meta.depends, ['001', '003_add_email', '2026_01_28']);
  });

  test('has no dependencies when none are declared or the list is empty', () => {
    assert.deepEqual(parsed('SELECT 1;').meta.depends, []);
    assert.deepEqual(parsed('-- depends:\nSELECT 1;').meta.depends, []);
  });

  test('runs in a transaction by default', () => {
    assert.equal(parsed('SELECT 1;').meta.transaction, true);
  });

  test('reads transaction off/false/no as false and on/true/yes as true, in any case', () => {
    for (const value of ['off', 'OFF', 'false', 'no']) assert.equal(parsed(`-- transaction: ${value}\nSELECT 1;`).meta.transaction, false, value);
    for (const value of ['on', 'True', 'yes']) assert.equal(parsed(`-- transaction: ${value}\nSELECT 1;`).meta.transaction, true, value);
  });

  test('accepts directive names in any case and without a space after --', () => {
    assert.deepEqual(parsed('--Transaction: off\n--DEPENDS: 004\nSELECT 1;').meta, { description: null, depends: ['004'], transaction: false });
  });

  test('refuses a transaction value other than on or off, quoting it', () => {
    assert.equal(refused('-- transaction: maybe\nSELECT 1;'), '"-- transaction: maybe" must be on or off');
    assert.equal(refused('-- transaction:\nSELECT 1;'), '"-- transaction: " must be on or off');
  });
});

describe('parseSqlFile: sections', () => {
  test('makes the whole file the up script when there are no markers, with no down', () => {
    const file = parsed('-- Create t\nCREATE TABLE t (id INT);\n');
    assert.deepEqual(file.up, { sql: '-- Create t\nCREATE TABLE t (id INT);\n', startLine: 1 });
    assert.equal(file.down, null);
  });

  test('with only a down marker, makes what comes before it the up script', () => {
    const file = parsed('-- Create t\nCREATE TABLE t (id INT);\n-- migrate:down\nDROP TABLE t;\n');
    assert.deepEqual(file.up, { sql: '-- Create t\nCREATE TABLE t (id INT);', startLine: 1 });
    assert.deepEqual(file.down, { sql: 'DROP TABLE t;\n', startLine: 4 });
  });

  test('with only an up marker, has no down script', () => {
    const file = parsed('-- Create t\n-- migrate:up\nCREATE TABLE t (id INT);\n');
    assert.deepEqual(file.up, { sql: 'CREATE TABLE t (id INT);\n', startLine: 3 });
    assert.equal(file.down, null);
  });

  test('starts each section on the line after its marker', () => {
    const text = ['-- Title', '', '-- migrate:up', '', 'CREATE TABLE a (id INT);', 'CREATE TABLE b (id INT);', '', '-- migrate:down', 'DROP TABLE b;', 'DROP TABLE a;'].join('\n');
    const file = parsed(text);
    assert.deepEqual(file.up, { sql: '\nCREATE TABLE a (id INT);\nCREATE TABLE b (id INT);\n', startLine: 4 });
    assert.deepEqual(file.down, { sql: 'DROP TABLE b;\nDROP TABLE a;', startLine: 9 });
    assert.equal(text.split('\n')[file.down!.startLine - 1], 'DROP TABLE b;');
    assert.equal(text.split('\n')[file.up.startLine], 'CREATE TABLE a (id INT);');
  });

  test('keeps an empty down section as a reversible no-op (empty script, not null)', () => {
    const file = parsed('-- migrate:up\nINSERT INTO log VALUES (1);\n-- migrate:down\n');
    assert.deepEqual(file.down, { sql: '', startLine: 4 });
  });

  test('keeps a down marker on the last line without a newline as an empty down', () => {
    assert.deepEqual(parsed('SELECT 1;\n-- migrate:down').down, { sql: '', startLine: 3 });
  });

  test('accepts markers in any case and with spaces around them', () => {
    const file = parsed('--  MIGRATE:UP  \nSELECT 1;\n   -- migrate:Down\nSELECT 2;');
    assert.deepEqual(file.up, { sql: 'SELECT 1;', startLine: 2 });
    assert.deepEqual(file.down, { sql: 'SELECT 2;', startLine: 4 });
  });

  test('refuses two up markers', () => {
    assert.equal(refused('-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;'), 'has more than one "-- migrate:up" marker (lines 1 and 3)');
  });

  test('refuses two down markers', () => {
    assert.equal(refused('-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n-- migrate:down\nSELECT 3;'), 'has more than one "-- migrate:down" marker (lines 3 and 5)');
  });

  test('refuses a down marker before the up marker', () => {
    assert.equal(refused('-- migrate:down\nDROP TABLE t;\n-- migrate:up\nCREATE TABLE t (id INT);'), 'has "-- migrate:down" before "-- migrate:up"');
  });

  test('refuses SQL before the up marker', () => {
    assert.equal(refused('CREATE TABLE t (id INT);\n-- migrate:up\nSELECT 1;'), 'has SQL before its "-- migrate:up" marker');
  });
});

describe('parseSqlFile: markers only outside strings and comments (issue 13, defect 17b)', () => {
  const ALL: readonly SyntaxName[] = ['sqlite', 'postgres', 'mysql'];
  for (const syntax of ALL) {
    test(`a "-- migrate:down" line inside a multi-line string is text (${syntax})`, () => {
      const up = "INSERT INTO docs VALUES ('how to roll back:\n-- migrate:down\nthen run it');";
      const file = parsed(`-- migrate:up\n${up}\n-- migrate:down\nDELETE FROM docs;\n`, SYNTAX[syntax]);
      assert.deepEqual(file.up, { sql: up, startLine: 2 });
      assert.deepEqual(file.down, { sql: 'DELETE FROM docs;\n', startLine: 6 });
    });

    test(`a marker inside a block comment is commented out (${syntax})`, () => {
      const file = parsed('CREATE TABLE a (id INT);\n/*\n-- migrate:down\nDROP TABLE a;\n*/\n', SYNTAX[syntax]);
      assert.equal(file.down, null);
      assert.equal(file.up.sql, 'CREATE TABLE a (id INT);\n/*\n-- migrate:down\nDROP TABLE a;\n*/\n');
    });
  }

  test('a marker inside a PostgreSQL dollar-quoted body is text', () => {
    const body = "CREATE FUNCTION f() RETURNS text AS $$\nSELECT '\n-- migrate:down\n'::text;\n-- migrate:up\n$$ LANGUAGE sql;";
    const file = parsed(`-- migrate:up\n${body}\n-- migrate:down\nDROP FUNCTION f();`, SYNTAX.postgres);
    assert.deepEqual(file.up, { sql: body, startLine: 2 });
    assert.deepEqual(file.down, { sql: 'DROP FUNCTION f();', startLine: 9 });
  });

  test('a marker inside a MySQL string with backslash escapes is text', () => {
    const up = "INSERT INTO t VALUES ('it\\'s\n-- migrate:down\n');";
    const file = parsed(`${up}\n-- migrate:down\nDELETE FROM t;`, SYNTAX.mysql);
    assert.equal(file.up.sql, up);
    assert.deepEqual(file.down, { sql: 'DELETE FROM t;', startLine: 5 });
  });
});

describe('parseSqlFile: -- foreign-keys', () => {
  test('"-- foreign-keys: on" keeps foreign keys enforced; absent, the meta has no foreignKeys', () => {
    assert.equal(parsed('-- Forget a customer\n-- foreign-keys: on\nDELETE FROM customers WHERE id = 1;').meta.foreignKeys, true);
    assert.equal(parsed('-- Foreign-Keys: off\nSELECT 1;').meta.foreignKeys, false);
    assert.equal('foreignKeys' in parsed('-- Plain\nSELECT 1;').meta, false);
    assert.equal(parsed('-- foreign-keys: on\n-- The description\nSELECT 1;').meta.description, 'The description');
  });

  test('a value other than on/off is refused, naming the directive', () => {
    assert.match(refused('-- foreign-keys: sometimes\nSELECT 1;'), /"-- foreign-keys: sometimes" must be on or off/);
  });
});

describe('parseSqlFile: other tools\' markers (§2)', () => {
  test('dbmate: -- migrate:up transaction:false runs the migration outside a transaction', () => {
    const file = parsed('-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n-- migrate:down\nDROP INDEX i;\n', SYNTAX.postgres);
    assert.equal(file.meta.transaction, false);
    assert.equal(file.meta.description, null);
    assert.deepEqual(file.up, { sql: 'CREATE INDEX CONCURRENTLY i ON t (a);\n', startLine: 2 });
    assert.deepEqual(file.down, { sql: 'DROP INDEX i;\n', startLine: 5 });
    assert.equal(parsed('-- migrate:up transaction:true\nSELECT 1;\n').meta.transaction, true);
  });

  test('goose: -- +goose Up / Down are the up and down sections', () => {
    const file = parsed('-- Users table\n-- +goose Up\nCREATE TABLE users (id INT);\n\n-- +goose Down\nDROP TABLE users;\n');
    assert.deepEqual(file.meta, { description: 'Users table', depends: [], transaction: true });
    assert.deepEqual(file.up, { sql: 'CREATE TABLE users (id INT);\n', startLine: 3 });
    assert.deepEqual(file.down, { sql: 'DROP TABLE users;\n', startLine: 6 });
  });

  test('goose: -- +goose NO TRANSACTION turns the transaction off; StatementBegin stays in the script', () => {
    const file = parsed('-- +goose NO TRANSACTION\n-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n');
    assert.equal(file.meta.transaction, false);
    assert.equal(file.meta.description, null);
    assert.equal(file.up.sql, '-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n');
  });

  test('goose: markers in the up section\'s leading comments are not the description', () => {
    assert.equal(parsed('-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n').meta.description, null);
  });

  test('goose: two Up markers are refused like two migrate:up markers', () => {
    assert.equal(refused('-- +goose Up\nSELECT 1;\n-- +goose Up\nSELECT 2;\n'), 'has more than one "-- +goose Up" marker (lines 1 and 3)');
    assert.equal(refused('-- +goose Down\nSELECT 1;\n-- +goose Up\nSELECT 2;\n'), 'has "-- +goose Down" before "-- +goose Up"');
  });

  test('sqlx: -- no-transaction on the first line runs outside a transaction; elsewhere it is a comment', () => {
    const file = parsed('-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n', SYNTAX.postgres);
    assert.equal(file.meta.transaction, false);
    assert.equal(file.meta.description, null);
    assert.equal(parsed('-- Add an index\n-- no-transaction\nSELECT 1;\n').meta.transaction, true);
  });

  test('a goose marker inside a string is text', () => {
    const file = parsed("-- +goose Up\nINSERT INTO t VALUES ('a\n-- +goose Down\nb');\n-- +goose Down\nDELETE FROM t;\n");
    assert.equal(file.down!.startLine, 6);
  });
});
