import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { checksumOf, normalizeText } from '../../src/core/checksum.js';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

describe('normalizeText', () => {
  test('removes a leading byte-order mark', () => {
    assert.equal(normalizeText('\uFEFFSELECT 1;'), 'SELECT 1;');
  });

  test('keeps a byte-order mark that is not at the start', () => {
    assert.equal(normalizeText('SELECT 1;\uFEFF'), 'SELECT 1;\uFEFF');
  });

  test('turns CRLF and lone CR into LF', () => {
    assert.equal(normalizeText('a\r\nb\rc\nd\r\n'), 'a\nb\nc\nd\n');
  });

  test('turns CR CR LF into two line ends, not one', () => {
    assert.equal(normalizeText('a\r\r\nb'), 'a\n\nb');
  });

  test('leaves LF text unchanged', () => {
    assert.equal(normalizeText('a\nb\n'), 'a\nb\n');
  });
});

describe('checksumOf', () => {
  test('is the sha256 hex of the file text', () => {
    const text = '-- Create users\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n';
    assert.equal(checksumOf(text), sha256(text));
    assert.match(checksumOf(text), /^[0-9a-f]{64}$/);
  });

  test('hashes the empty file as the sha256 of nothing', () => {
    assert.equal(checksumOf(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  test('ignores a leading BOM', () => {
    assert.equal(checksumOf('\uFEFFSELECT 1;\n'), sha256('SELECT 1;\n'));
  });

  test('gives CRLF, CR and LF versions of a file the same checksum', () => {
    const lf = 'CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);\n';
    assert.equal(checksumOf(lf.replace(/\n/g, '\r\n')), sha256(lf));
    assert.equal(checksumOf(lf.replace(/\n/g, '\r')), sha256(lf));
    assert.equal(checksumOf('\uFEFF' + lf.replace(/\n/g, '\r\n')), sha256(lf));
  });

  test('hashes non-ASCII text as UTF-8', () => {
    assert.equal(checksumOf("INSERT INTO t VALUES ('café ☕');"), sha256("INSERT INTO t VALUES ('café ☕');"));
  });

  test('appends a .down.sql companion after a newline, two dashes and a newline', () => {
    const up = 'CREATE TABLE users (id INT);\n';
    const down = 'DROP TABLE users;\n';
    assert.equal(checksumOf(up, down), sha256(`${up}\n--\n${down}`));
  });

  test('normalises the companion too', () => {
    assert.equal(checksumOf('CREATE TABLE t (id INT);\r\n', '\uFEFFDROP TABLE t;\r\n'), sha256('CREATE TABLE t (id INT);\n\n--\nDROP TABLE t;\n'));
  });

  test('an empty companion still changes the checksum', () => {
    assert.equal(checksumOf('SELECT 1;', ''), sha256('SELECT 1;\n--\n'));
    assert.notEqual(checksumOf('SELECT 1;', ''), checksumOf('SELECT 1;'));
  });

  test('editing either file changes the checksum', () => {
    const base = checksumOf('CREATE TABLE t (id INT);\n', 'DROP TABLE t;\n');
    assert.notEqual(checksumOf('CREATE TABLE t (id BIGINT);\n', 'DROP TABLE t;\n'), base);
    assert.notEqual(checksumOf('CREATE TABLE t (id INT);\n', 'DROP TABLE IF EXISTS t;\n'), base);
  });
});
