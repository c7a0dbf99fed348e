import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/core/errors.js';
import { appliedDependents, findEntry, planDown, planUp } from '../../src/core/plan.js';
import { buildState } from '../../src/core/state.js';
import { discovery, row, sqlFile } from './builders.js';

const versions = (entries: readonly { version: string }[]) => entries.map((e) => e.version);

/** 001..005 on disk; 002 depends on 005, so canonical order is 001 003 004 005 002; 003 depends on 001. */
function fiveFiles(appliedVersions: readonly string[]) {
  const files = [
    sqlFile('001', 'a'),
    sqlFile('002', 'b', { depends: ['005'] }),
    sqlFile('003', 'c', { depends: ['001'] }),
    sqlFile('004', 'd'),
    sqlFile('005', 'e'),
  ];
  const rows = files.filter((f) => appliedVersions.includes(f.version)).map((f) => row(f.version, f.name, { depends: f.meta!.depends }));
  return buildState(discovery(files), rows);
}

describe('planUp', () => {
  test('plans every pending migration in canonical order', () => {
    assert.deepEqual(versions(planUp(fiveFiles([]))), ['001', '003', '004', '005', '002']);
  });

  test('leaves applied migrations out', () => {
    assert.deepEqual(versions(planUp(fiveFiles(['001', '003']))), ['004', '005', '002']);
  });

  test('plans nothing when everything is applied', () => {
    assert.deepEqual(planUp(fiveFiles(['001', '002', '003', '004', '005'])), []);
  });

  test('with a target, plans pending migrations up to and including it', () => {
    assert.deepEqual(versions(planUp(fiveFiles([]), { target: '004' })), ['001', '003', '004']);
  });

  test('with a target, includes its dependency even when that version is higher', () => {
    assert.deepEqual(versions(planUp(fiveFiles(['001', '003', '004']), { target: '002' })), ['005', '002']);
  });

  test('accepts the target as an id or an unpadded version', () => {
    assert.deepEqual(versions(planUp(fiveFiles([]), { target: '003_c' })), ['001', '003']);
    assert.deepEqual(versions(planUp(fiveFiles([]), { target: '1' })), ['001']);
  });

  test('with an applied target, plans nothing when everything before it is applied', () => {
    assert.deepEqual(planUp(fiveFiles(['001', '003']), { target: '003' }), []);
  });

  test('with an unknown target, throws a usage ConfigError naming it', () => {
    for (const target of ['009', 'add_email', '009_nope']) {
      assert.throws(
        () => planUp(fiveFiles([]), { target }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.code, 'usage');
          assert.equal(error.message, `target ${target} is not a known migration`);
          assert.match(error.hint!, /strata status/);
          return true;
        },
      );
    }
  });
});

describe('findEntry', () => {
  test('finds an entry by version or id', () => {
    const state = fiveFiles([]);
    assert.equal(findEntry(state, '004', 'target').id, '004_d');
    assert.equal(findEntry(state, '004_d', 'target').id, '004_d');
  });

  test(
    'refuses an id whose name is not the name of the migration with that version',
    () => {
      assert.throws(() => findEntry(fiveFiles([]), '004_typo', 'target'), { name: 'ConfigError', code: 'usage', message: 'target 004_typo is not a known migration' });
    },
  );

  test('names what was looked for in the usage error', () => {
    assert.throws(() => findEntry(fiveFiles([]), '042', 'version'), { name: 'ConfigError', code: 'usage', message: 'version 042 is not a known migration' });
  });
});

describe('planDown', () => {
  const all = ['001', '002', '003', '004', '005'];

  test('rolls back the last applied migration in canonical order by default', () => {
    assert.deepEqual(versions(planDown(fiveFiles(all))), ['002']);
  });

  test('with steps, rolls back the n most recent, most recent first', () => {
    assert.deepEqual(versions(planDown(fiveFiles(all), { steps: 3 })), ['002', '005', '004']);
  });

  test('with more steps than applied migrations, rolls back all of them', () => {
    assert.deepEqual(versions(planDown(fiveFiles(['001', '003']), { steps: 10 })), ['003', '001']);
  });

  test('with zero steps, plans nothing', () => {
    assert.deepEqual(planDown(fiveFiles(all), { steps: 0 }), []);
  });

  test('plans nothing when nothing is applied', () => {
    assert.deepEqual(planDown(fiveFiles([])), []);
    assert.deepEqual(planDown(fiveFiles([]), { all: true }), []);
  });

  test('skips pending migrations', () => {
    assert.deepEqual(versions(planDown(fiveFiles(['001', '003', '004']), { steps: 2 })), ['004', '003']);
  });

  test('with a target, rolls back every applied migration after it in reverse, keeping the target', () => {
    assert.deepEqual(versions(planDown(fiveFiles(all), { target: '003' })), ['002', '005', '004']);
  });

  test('with the last applied migration as target, plans nothing', () => {
    assert.deepEqual(planDown(fiveFiles(all), { target: '002' }), []);
  });

  test('with an unknown target, throws a usage ConfigError', () => {
    assert.throws(() => planDown(fiveFiles(all), { target: '077' }), { name: 'ConfigError', code: 'usage' });
  });

  test('with all, rolls back every applied migration in reverse canonical order', () => {
    assert.deepEqual(versions(planDown(fiveFiles(all), { all: true })), ['002', '005', '004', '003', '001']);
  });

  test('includes a missing (file gone) applied migration', () => {
    const state = buildState(discovery([sqlFile('001', 'a')]), [row('001', 'a'), row('002', 'gone')]);
    assert.deepEqual(versions(planDown(state)), ['002']);
  });

  test('adds an applied migration that depends on a member of the plan', () => {
    // Applied rows that depend on each other (a cycle) put the dependent first in canonical
    // order: rolling back 002 must also roll back 001, which depends on it.
    const state = buildState(discovery([]), [row('001', 'a', { depends: ['002'] }), row('002', 'b', { depends: ['001'] }), row('003', 'c')]);
    assert.deepEqual(versions(state.entries), ['003', '001', '002']);
    assert.deepEqual(versions(planDown(state, { steps: 1 })), ['002', '001']);
  });
});

describe('appliedDependents', () => {
  test('lists applied migrations that depend on one, directly or not, in canonical order', () => {
    const files = [sqlFile('001', 'a'), sqlFile('002', 'b', { depends: ['001'] }), sqlFile('003', 'c', { depends: ['002'] }), sqlFile('004', 'd'), sqlFile('005', 'e', { depends: ['1'] })];
    const state = buildState(discovery(files), files.filter((f) => f.version !== '005').map((f) => row(f.version, f.name, { depends: f.meta!.depends })));
    assert.deepEqual(versions(appliedDependents(state, '1')), ['002', '003']);
    assert.deepEqual(versions(appliedDependents(state, '3')), []);
    assert.deepEqual(versions(appliedDependents(state, '4')), []);
  });
});
