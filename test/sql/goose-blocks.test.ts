import { describe, test } from 'node:test';
import { SYNTAX } from '../support/syntax.js';
import assert from 'node:assert/strict';
import { splitMigrationScript } from '../../src/sql/goose-blocks.js';
import { splitScript } from '../../src/sql/split.js';

describe('goose statement blocks (§2)', () => {
  test('sends the text between StatementBegin and StatementEnd as one statement, split no further', () => {
    const sql = [
      'CREATE TABLE t (a INT);', //                                     line 10
      '-- +goose StatementBegin',
      'CREATE FUNCTION f() RETURNS trigger AS $$',
      'BEGIN',
      '  NEW.a := 1; RETURN NEW;',
      'END $$ LANGUAGE plpgsql;',
      '-- +goose StatementEnd',
      'INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);', //          line 17
      '',
    ].join('\n');
    const split = splitMigrationScript(sql, SYNTAX.postgres, { startLine: 10 });
    assert.equal(split.unterminated, null);
    assert.deepEqual(split.statements, [
      { text: 'CREATE TABLE t (a INT)', line: 10 },
      { text: 'CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.a := 1; RETURN NEW;\nEND $$ LANGUAGE plpgsql', line: 12 },
      { text: 'INSERT INTO t VALUES (1)', line: 17 },
      { text: 'INSERT INTO t VALUES (2)', line: 17 },
    ]);
  });

  test('keeps a block the splitter would cut (a MySQL routine without DELIMITER) whole', () => {
    const sql = '-- +goose StatementBegin\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND;\n-- +goose StatementEnd\n';
    assert.deepEqual(splitMigrationScript(sql, SYNTAX.mysql).statements, [{ text: 'CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND', line: 2 }]);
  });

  test('is the plain split when the script has no block', () => {
    const sql = 'SELECT 1; SELECT 2;\n';
    assert.deepEqual(splitMigrationScript(sql, SYNTAX.sqlite), splitScript(sql, SYNTAX.sqlite));
  });

  test('a StatementBegin inside a string is text', () => {
    const sql = "INSERT INTO t VALUES ('\n-- +goose StatementBegin\n'); SELECT 1;\n";
    assert.deepEqual(splitMigrationScript(sql, SYNTAX.sqlite), splitScript(sql, SYNTAX.sqlite));
  });

  test('reports a StatementBegin never ended, naming its line', () => {
    const split = splitMigrationScript('SELECT 1;\n-- +goose StatementBegin\nSELECT 2;\n', SYNTAX.sqlite, { startLine: 4 });
    assert.deepEqual(split.statements, [{ text: 'SELECT 1', line: 4 }]);
    assert.deepEqual(split.unterminated, { kind: 'goose statement block', line: 5, opener: '-- +goose StatementBegin' });
  });
});
