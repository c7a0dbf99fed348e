import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions, parseReference, resolveReference, versionKey } from '../../src/core/version.js';

const versionKeyOfReference = (input: string) => parseReference(input)?.key ?? null;

const sign = (n: number): number => Math.sign(n);

describe('versionKey', () => {
  test('drops leading zeros so 001 and 1 are the same version', () => {
    assert.equal(versionKey('001'), '1');
    assert.equal(versionKey('1'), '1');
    assert.equal(versionKey('001'), versionKey('1'));
  });

  test('drops leading zeros in every digit group separately', () => {
    assert.equal(versionKey('2026_01_08_0930'), '2026_1_8_930');
  });

  test('keeps a single zero for an all-zero group', () => {
    assert.equal(versionKey('000'), '0');
    assert.equal(versionKey('0_00_1'), '0_0_1');
  });

  test('keeps every digit of a timestamp longer than a JS number can hold exactly', () => {
    assert.equal(versionKey('00020260128093000123456'), '20260128093000123456');
  });
});

describe('compareVersions', () => {
  test('orders single groups numerically, not as text', () => {
    assert.equal(sign(compareVersions('2', '10')), -1);
    assert.equal(sign(compareVersions('10', '2')), 1);
    assert.equal(sign(compareVersions('009', '10')), -1);
  });

  test('treats 001 and 1 as equal', () => {
    assert.equal(compareVersions('001', '1'), 0);
    assert.equal(compareVersions('2026_01_28', '2026_1_28'), 0);
  });

  test('compares group by group', () => {
    assert.equal(sign(compareVersions('2026_01_28', '2026_02_01')), -1);
    assert.equal(sign(compareVersions('2026_12_01', '2026_02_31')), 1);
    assert.equal(sign(compareVersions('1_10', '1_9')), 1);
  });

  test('sorts a version that is a prefix of another first', () => {
    assert.equal(sign(compareVersions('001', '001_2024')), -1);
    assert.equal(sign(compareVersions('2026_01_28', '2026_01_28_1430')), -1);
    assert.equal(sign(compareVersions('2026_01_28_1430', '2026_01_28')), 1);
    assert.equal(sign(compareVersions('1_0', '1')), 1);
  });

  test('compares numbers of any length exactly, beyond Number.MAX_SAFE_INTEGER', () => {
    // As JS numbers both of these are 20260128093000124000.
    assert.equal(Number('20260128093000123456'), Number('20260128093000123457'));
    assert.equal(sign(compareVersions('20260128093000123456', '20260128093000123457')), -1);
    assert.equal(sign(compareVersions('99999999999999999999', '100000000000000000000')), -1);
    assert.equal(sign(compareVersions('0099999999999999999999', '100000000000000000000')), -1);
  });

  test('is antisymmetric and sorts a mixed list into numeric order', () => {
    const versions = ['10', '2', '001_2', '1', '0001_10', '1_3', '20260128093000', '3', '02_1'];
    const sorted = [...versions].sort(compareVersions);
    assert.deepEqual(sorted, ['1', '001_2', '1_3', '0001_10', '2', '02_1', '3', '10', '20260128093000']);
    for (const a of versions) for (const b of versions) assert.equal(sign(compareVersions(a, b)), -sign(compareVersions(b, a)) || 0);
  });
});

describe('parseReference', () => {
  test('accepts a version as written in the file name', () => {
    assert.equal(versionKeyOfReference('003'), '3');
    assert.equal(versionKeyOfReference('2026_01_28'), '2026_1_28');
  });

  test('accepts an id and returns the key of its version', () => {
    assert.equal(versionKeyOfReference('003_add_email'), '3');
    assert.equal(versionKeyOfReference('2026_01_28_1430_add_email'), '2026_1_28_1430');
  });

  test('reads an id whose name follows digit groups as version 001_2024, name report', () => {
    assert.equal(versionKeyOfReference('001_2024_report'), '1_2024');
  });

  test('accepts an id with the migration_ prefix', () => {
    assert.equal(versionKeyOfReference('migration_007_seed'), '7');
  });

  test('accepts the ids and file stems of other tools\' names (§2): capitals, -/. separators, V prefix', () => {
    assert.equal(versionKeyOfReference('003_Add'), '3');
    assert.equal(versionKeyOfReference('1.1'), '1_1');
    assert.equal(versionKeyOfReference('1_1_Add_email'), '1_1');
    assert.equal(versionKeyOfReference('V1_1__Add_email'), '1_1');
    assert.equal(versionKeyOfReference('2018-04-27-155151_create_users'), '2018_4_27_155151');
    assert.equal(versionKeyOfReference('20210425153745_create-history'), '20210425153745');
  });

  test('returns null for text that names neither a version nor an id', () => {
    assert.equal(versionKeyOfReference('add_email'), null);
    assert.equal(versionKeyOfReference(''), null);
    assert.equal(versionKeyOfReference('v3'), null);
    assert.equal(versionKeyOfReference('3_'), null);
  });
});

describe('resolveReference', () => {
  const names = new Map([['4', 'd'], ['1_2024', 'report']]);
  test('resolves a version, or an id whose name matches', () => {
    assert.equal(resolveReference('004', (k) => names.get(k)), '4');
    assert.equal(resolveReference('004_d', (k) => names.get(k)), '4');
    assert.equal(resolveReference('001_2024_report', (k) => names.get(k)), '1_2024');
  });

  test('refuses an id whose name does not match, and an unknown version', () => {
    assert.equal(resolveReference('004_typo', (k) => names.get(k)), null);
    assert.equal(resolveReference('005', (k) => names.get(k)), null);
  });
});

describe('versions written with . and - (§2: the separator does not matter; found by the property tests)', () => {
  test('1.1, 1_1 and 01-1 are one version, with one key', () => {
    assert.equal(compareVersions('1.1', '1_1'), 0);
    assert.equal(compareVersions('01-1', '1.1'), 0);
    assert.equal(versionKey('01-1'), '1_1');
    assert.equal(versionKey('1.1'), versionKey('1_1'));
  });

  test('dotted and dashed versions compare group by group, a prefix first', () => {
    assert.equal(sign(compareVersions('1.9', '1.10')), -1);
    assert.equal(sign(compareVersions('2018-04-27-155151', '2018-04-27')), 1);
    assert.equal(sign(compareVersions('0.000000000000000', '000000000000060')), -1);
  });

  test('a reference may use any separator', () => {
    assert.equal(versionKeyOfReference('1.1'), '1_1');
  });
});
