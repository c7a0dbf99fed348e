/** The keyset statement of db.batch (§10), pure: placeholders, parameter order, composite keys, never OFFSET. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeKey, encodeKey } from '../../src/core/batch/key-codec.js';
import { keysetSelect, type KeysetDialect } from '../../src/core/batch/keyset.js';
import { checkBatchOptions } from '../../src/core/batch/options.js';

const quote = (n: string) => `"${n}"`;
const dollar: KeysetDialect = { rowValues: true, placeholder: (n) => `$${n}`, quoteIdentifier: quote, quoteTable: quote };
const question: KeysetDialect = { rowValues: false, placeholder: () => '?', quoteIdentifier: quote, quoteTable: quote };
const query = { table: 't', key: ['a', 'b'], columns: null, where: 'v >= $1 AND note <> $2', params: [10, 'x'], size: 100 };

describe('keysetSelect', () => {
  test('the first batch: the where alone, ORDER BY the key, LIMIT as a literal, no OFFSET', () => {
    const { sql, params } = keysetSelect(dollar, query, null);
    assert.equal(sql, 'SELECT * FROM "t" WHERE (v >= $1 AND note <> $2) ORDER BY "a", "b" LIMIT 100');
    assert.deepEqual(params, [10, 'x']);
  });

  test('numbered placeholders: the keyset comparison follows the where\'s own parameters', () => {
    const { sql, params } = keysetSelect(dollar, query, [3, 7]);
    assert.equal(sql, 'SELECT * FROM "t" WHERE (v >= $1 AND note <> $2) AND ("a", "b") > ($3, $4) ORDER BY "a", "b" LIMIT 100');
    assert.deepEqual(params, [10, 'x', 3, 7]);
    assert.doesNotMatch(sql, /OFFSET/i);
  });

  test('positional placeholders without row values: the expanded form, parameters in the order they appear', () => {
    const { sql, params } = keysetSelect(question, { ...query, where: 'v >= ?', params: [10], key: ['a', 'b', 'c'] }, [1, 2, 3]);
    assert.equal(sql, 'SELECT * FROM "t" WHERE (v >= ?) AND ("a" >= ? AND (("a" > ?) OR ("a" = ? AND "b" > ?) OR ("a" = ? AND "b" = ? AND "c" > ?))) ORDER BY "a", "b", "c" LIMIT 100');
    assert.deepEqual(params, [10, 1, 1, 1, 2, 1, 2, 3]);
  });

  test('a one-column key, and columns with the key added', () => {
    const { sql, params } = keysetSelect(question, { table: 't', key: ['id'], columns: ['v'], where: null, params: [], size: 5 }, [41]);
    assert.equal(sql, 'SELECT "v", "id" FROM "t" WHERE "id" > ? ORDER BY "id" LIMIT 5');
    assert.deepEqual(params, [41]);
  });
});

describe('checkpoint keys', () => {
  test('round-trip numbers, text, bigint, dates and bytes', () => {
    const values = [1, 'x', 12345678901234567890n, new Date('2026-01-02T03:04:05.678Z'), Buffer.from([0, 255])];
    assert.deepEqual(decodeKey(encodeKey(values)), values);
  });
});

describe('db.batch options', () => {
  const fn = () => undefined;
  for (const [options, message] of [
    [{ table: '' }, /`table` must name a table/],
    [{ table: 't', size: 1.5 }, /`size` must be a positive integer/],
    [{ table: 't', key: [] }, /`key` must be a column name or a non-empty array/],
    [{ table: 't', params: [1] }, /`params` are given without a `where`/],
    [{ table: 't', pauseMs: -1 }, /`pauseMs` must be a number of milliseconds/],
    [{ table: 't', columns: [] }, /`columns` must be a non-empty array/],
  ] as const) {
    test(`refuses ${JSON.stringify(options)}`, () => {
      assert.throws(() => checkBatchOptions(options as never, fn), message);
    });
  }
  test('refuses a missing function', () => {
    assert.throws(() => checkBatchOptions({ table: 't' }, undefined), /the second argument must be a function/);
  });
});
