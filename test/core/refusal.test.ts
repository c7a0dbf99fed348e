import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Problem, ProblemCode } from '../../src/core/model.js';
import { refusingProblems } from '../../src/core/refusal.js';

const problem = (code: ProblemCode, key: string | null): Problem => ({ code, key, file: null, message: `${code} on ${key ?? 'no version'}` });

/** One problem of every §4 code (plus a second one on version 3 to test mark v). */
const ALL: readonly Problem[] = [
  problem('duplicate-version', '1'),
  problem('malformed-name', null),
  problem('file-conflict', '2'),
  problem('unknown-dependency', '3'),
  problem('dependency-cycle', '4'),
  problem('checksum-mismatch', '3'),
  problem('missing-file', '5'),
  problem('out-of-order', '6'),
  problem('dirty', '7'),
  problem('import-failed', '8'),
];
const codesOf = (problems: readonly Problem[]) => problems.map((p) => `${p.code}@${p.key}`);

describe('refusingProblems (§4 table)', () => {
  test('up refuses on every problem', () => {
    assert.deepEqual(refusingProblems(ALL, { command: 'up', allowOutOfOrder: false }), ALL);
  });

  test('up with --allow-out-of-order refuses on every problem except out-of-order', () => {
    assert.deepEqual(codesOf(refusingProblems(ALL, { command: 'up', allowOutOfOrder: true })), codesOf(ALL.filter((p) => p.code !== 'out-of-order')));
  });

  test('up with --allow-out-of-order still refuses on a dirty migration', () => {
    assert.deepEqual(codesOf(refusingProblems([problem('dirty', '7')], { command: 'up', allowOutOfOrder: true })), ['dirty@7']);
  });

  test('down refuses on every problem except out-of-order', () => {
    assert.deepEqual(codesOf(refusingProblems(ALL, { command: 'down' })), codesOf(ALL.filter((p) => p.code !== 'out-of-order')));
  });

  test('down refuses nothing when the only problem is out-of-order', () => {
    assert.deepEqual(refusingProblems([problem('out-of-order', '2')], { command: 'down' }), []);
  });

  test('mark-applied v / unmark v refuse on every problem except those of version v itself', () => {
    assert.deepEqual(codesOf(refusingProblems(ALL, { command: 'mark', key: '3' })), [
      'duplicate-version@1',
      'malformed-name@null',
      'file-conflict@2',
      'dependency-cycle@4',
      'missing-file@5',
      'out-of-order@6',
      'dirty@7',
      'import-failed@8',
    ]);
  });

  test('mark v is not refused by v\'s own dirty row', () => {
    assert.deepEqual(refusingProblems([problem('dirty', '7')], { command: 'mark', key: '7' }), []);
  });

  test('repair and reset refuse only on file-name problems, cycles and unknown dependencies', () => {
    assert.deepEqual(codesOf(refusingProblems(ALL, { command: 'repair' })), [
      'duplicate-version@1',
      'malformed-name@null',
      'file-conflict@2',
      'unknown-dependency@3',
      'dependency-cycle@4',
    ]);
  });

  test('repair is not refused by the problems it exists to fix', () => {
    const fixable = [problem('checksum-mismatch', '1'), problem('missing-file', '2'), problem('dirty', '3'), problem('out-of-order', '4'), problem('import-failed', '5')];
    assert.deepEqual(refusingProblems(fixable, { command: 'repair' }), []);
  });

  test('report commands are never refused', () => {
    assert.deepEqual(refusingProblems(ALL, { command: 'report' }), []);
  });

  test('no problems refuse nothing for any command', () => {
    for (const gate of [{ command: 'up', allowOutOfOrder: false }, { command: 'down' }, { command: 'mark', key: '1' }, { command: 'repair' }, { command: 'report' }] as const) {
      assert.deepEqual(refusingProblems([], gate), [], gate.command);
    }
  });
});
