import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Problem } from '../../src/core/model.js';
import { buildState, pendingUnloaded, type State } from '../../src/core/state.js';
import { codeFile, discovery, loadedCode, row, sqlFile } from './builders.js';

const summary = (state: State) => state.entries.map((e) => `${e.version}:${e.state}${e.outOfOrder ? '!' : ''}`);
const codes = (state: State) => state.problems.map((p) => p.code);

describe('buildState: states', () => {
  test('marks every migration pending when nothing is applied, with no problems', () => {
    const state = buildState(discovery([sqlFile('001', 'a'), sqlFile('002', 'b')]), []);
    assert.deepEqual(summary(state), ['001:pending', '002:pending']);
    assert.deepEqual(state.problems, []);
  });

  test('marks a migration applied when its row has the file checksum', () => {
    const state = buildState(discovery([sqlFile('001', 'a'), sqlFile('002', 'b')]), [row('001', 'a')]);
    assert.deepEqual(summary(state), ['001:applied', '002:pending']);
    assert.equal(state.byKey.get('1')!.applied!.appliedAt, '2026-01-28T09:30:00.000Z');
    assert.deepEqual(state.problems, []);
  });

  test('joins a row recorded as 1 with the file 001 and shows the file version', () => {
    const state = buildState(discovery([sqlFile('001', 'a', { checksum: 'a'.repeat(64) })]), [row('1', 'a', { checksum: 'a'.repeat(64) })]);
    assert.equal(state.entries.length, 1);
    assert.equal(state.entries[0]!.state, 'applied');
    assert.equal(state.entries[0]!.version, '001');
    assert.equal(state.entries[0]!.id, '001_a');
  });

  test('marks an applied migration changed when the checksums differ, and reports both checksums', () => {
    const applied = 'a'.repeat(64);
    const now = 'b'.repeat(64);
    const state = buildState(discovery([sqlFile('001', 'users', { checksum: now })]), [row('001', 'users', { checksum: applied })]);
    assert.deepEqual(summary(state), ['001:changed']);
    assert.equal(state.problems.length, 1);
    const problem = state.problems[0]!;
    assert.equal(problem.code, 'checksum-mismatch');
    assert.equal(problem.file, 'migrations/001_users.sql');
    assert.equal(problem.key, '1');
    assert.match(problem.message, /^migrations\/001_users\.sql was edited after it was applied/);
    assert.ok(problem.message.includes(applied.slice(0, 12)), problem.message);
    assert.ok(problem.message.includes(now.slice(0, 12)), problem.message);
  });

  test('never compares a null checksum in the row', () => {
    const state = buildState(discovery([sqlFile('001', 'a', { checksum: 'c'.repeat(64) })]), [row('001', 'a', { checksum: null })]);
    assert.deepEqual(summary(state), ['001:applied']);
    assert.deepEqual(state.problems, []);
  });

  test('never compares a null checksum in the source', () => {
    const state = buildState(discovery([sqlFile('001', 'a', { checksum: null })]), [row('001', 'a', { checksum: 'c'.repeat(64) })]);
    assert.deepEqual(summary(state), ['001:applied']);
    assert.deepEqual(state.problems, []);
  });

  test('marks an applied migration whose file is gone missing and reports missing-file', () => {
    const state = buildState(discovery([sqlFile('002', 'b')]), [row('001', 'gone'), row('002', 'b')]);
    assert.deepEqual(summary(state), ['001:missing', '002:applied']);
    const entry = state.byKey.get('1')!;
    assert.equal(entry.file, null);
    assert.equal(entry.source, null);
    assert.equal(entry.name, 'gone');
    assert.deepEqual(state.problems, [{ code: 'missing-file', file: null, key: '1', message: '001_gone is applied but its file is gone' }]);
  });

  test('marks a dirty row dirty and reports the operation, statements done and error', () => {
    const state = buildState(discovery([sqlFile('001', 'a'), sqlFile('002', 'b')]), [
      row('001', 'a'),
      row('002', 'b', { state: 'dirty', dirtyOperation: 'up', statementsDone: 2, error: 'duplicate column name: email' }),
    ]);
    assert.deepEqual(summary(state), ['001:applied', '002:dirty']);
    assert.deepEqual(state.problems, [
      {
        code: 'dirty',
        file: 'migrations/002_b.sql',
        key: '2',
        message: 'migrations/002_b.sql is dirty: its up stopped part-way (2 statements ran): duplicate column name: email',
      },
    ]);
  });

  test('reports a dirty down without an error message as interrupted', () => {
    const state = buildState(discovery([sqlFile('001', 'a')]), [row('001', 'a', { state: 'dirty', dirtyOperation: 'down', statementsDone: 0 })]);
    assert.equal(state.problems[0]!.message, 'migrations/001_a.sql is dirty: its down was interrupted before it finished (the runner stopped: killed, crashed or lost its connection)');
  });

  test('keeps a dirty row dirty even when its checksum differs (dirty wins over changed)', () => {
    const state = buildState(discovery([sqlFile('001', 'a', { checksum: 'b'.repeat(64) })]), [row('001', 'a', { state: 'dirty', checksum: 'a'.repeat(64) })]);
    assert.deepEqual(summary(state), ['001:dirty']);
    assert.deepEqual(codes(state), ['dirty']);
  });

  test('builds ids as <version>_<name>', () => {
    const state = buildState(discovery([sqlFile('2026_01_28', 'add_email')]), []);
    assert.equal(state.entries[0]!.id, '2026_01_28_add_email');
    assert.equal(state.entries[0]!.key, '2026_1_28');
  });
});

describe('buildState: out of order', () => {
  test('flags a pending migration that comes before an applied one and reports out-of-order', () => {
    const state = buildState(discovery([sqlFile('001', 'a'), sqlFile('002', 'b'), sqlFile('003', 'c'), sqlFile('004', 'd')]), [row('001', 'a'), row('003', 'c')]);
    assert.deepEqual(summary(state), ['001:applied', '002:pending!', '003:applied', '004:pending']);
    assert.deepEqual(state.problems, [
      { code: 'out-of-order', file: 'migrations/002_b.sql', key: '2', message: 'migrations/002_b.sql is pending but comes before migrations that are already applied' },
    ]);
  });

  test('does not flag pending migrations after the last applied one', () => {
    const state = buildState(discovery([sqlFile('001', 'a'), sqlFile('002', 'b'), sqlFile('003', 'c')]), [row('001', 'a')]);
    assert.deepEqual(state.entries.map((e) => e.outOfOrder), [false, false, false]);
  });

  test('judges out-of-order in canonical order, not version order', () => {
    // 002 depends on 003, so 003 comes first: 003 pending before applied 002 is out of order.
    const state = buildState(discovery([sqlFile('001', 'a'), sqlFile('002', 'b', { depends: ['003'] }), sqlFile('003', 'c')]), [
      row('001', 'a'),
      row('002', 'b', { depends: ['003'] }),
    ]);
    assert.deepEqual(summary(state), ['001:applied', '003:pending!', '002:applied']);
    assert.deepEqual(codes(state), ['out-of-order']);
  });
});

describe('buildState: dependencies and order', () => {
  test('puts entries in canonical order: a higher-versioned dependency moves ahead', () => {
    const state = buildState(discovery([sqlFile('001', 'a'), sqlFile('002', 'b', { depends: ['003'] }), sqlFile('003', 'c')]), []);
    assert.deepEqual(state.entries.map((e) => e.version), ['001', '003', '002']);
    assert.deepEqual(state.byKey.get('2')!.dependsOn, ['3']);
  });

  test('resolves a dependency written as a version, an unpadded version or an id', () => {
    const state = buildState(
      discovery([sqlFile('001', 'a'), sqlFile('002', 'b'), sqlFile('003', 'c'), sqlFile('004', 'd', { depends: ['001', '2', '003_c'] })]),
      [],
    );
    assert.deepEqual(state.byKey.get('4')!.dependsOn, ['1', '2', '3']);
    assert.deepEqual(state.problems, []);
  });

  test('reports a dependency on an unknown version, naming the file and the reference', () => {
    const state = buildState(discovery([sqlFile('001', 'a'), sqlFile('002', 'b', { depends: ['001', '009'] })]), []);
    assert.deepEqual(state.problems, [
      { code: 'unknown-dependency', file: 'migrations/002_b.sql', key: '2', message: 'migrations/002_b.sql depends on 009, which is not a known migration' },
    ]);
    assert.deepEqual(state.byKey.get('2')!.dependsOn, ['1']);
  });

  test('reports a dependency that is not a version or id as unknown', () => {
    const state = buildState(discovery([sqlFile('001', 'a', { depends: ['users'] })]), []);
    assert.deepEqual(codes(state), ['unknown-dependency']);
    assert.match(state.problems[0]!.message, /depends on users, which is not a known migration/);
  });

  test('does not report unknown dependencies of a migration that already has a file problem', () => {
    const fileProblem: Problem = { code: 'file-conflict', file: 'migrations/002_b.up.sql', key: '2', message: 'both 002_b.sql and 002_b.up.sql exist' };
    const state = buildState(discovery([sqlFile('002', 'b', { depends: ['009'] })], [fileProblem]), []);
    assert.deepEqual(state.problems, [fileProblem]);
  });

  test('reports a dependency cycle with its members in a printed chain', () => {
    const state = buildState(discovery([sqlFile('001', 'a'), sqlFile('002', 'b', { depends: ['003'] }), sqlFile('003', 'c', { depends: ['002'] })]), []);
    assert.deepEqual(codes(state), ['dependency-cycle']);
    const problem = state.problems[0]!;
    assert.ok(problem.key === '2' || problem.key === '3');
    assert.equal(problem.file, `migrations/${problem.key === '2' ? '002_b' : '003_c'}.sql`);
    assert.ok(
      ['dependency cycle: migrations/002_b.sql → migrations/003_c.sql → migrations/002_b.sql', 'dependency cycle: migrations/003_c.sql → migrations/002_b.sql → migrations/003_c.sql'].includes(problem.message),
      problem.message,
    );
    assert.deepEqual(state.entries.map((e) => e.version), ['001', '002', '003']);
  });

  test('a 5,000-migration cycle is named by its length and first members, in a message of a few lines', () => {
    const n = 5000;
    const version = (i: number) => String(i).padStart(5, '0');
    const files = Array.from({ length: n }, (_, i) => sqlFile(version(i + 1), 'm', { depends: [version(((i + 1) % n) + 1)] }));
    const state = buildState(discovery(files), []);
    assert.deepEqual(codes(state), ['dependency-cycle']);
    const { message } = state.problems[0]!;
    assert.ok(message.length < 400, `${message.length} characters`);
    assert.equal(
      message,
      'dependency cycle of 5000 migrations: migrations/00001_m.sql → migrations/00002_m.sql → migrations/00003_m.sql → migrations/00004_m.sql → migrations/00005_m.sql → … → migrations/00001_m.sql',
    );
  });

  test('labels cycle members whose files are gone by their id', () => {
    const state = buildState(discovery([]), [row('001', 'a', { depends: ['002'] }), row('002', 'b', { depends: ['001'] })]);
    const cycle = state.problems.find((p) => p.code === 'dependency-cycle')!;
    assert.ok(['dependency cycle: 001_a → 002_b → 001_a', 'dependency cycle: 002_b → 001_a → 002_b'].includes(cycle.message), cycle.message);
  });

  test('takes an unloaded code migration\'s dependencies from its applied row', () => {
    const state = buildState(discovery([codeFile('001', 'a'), codeFile('002', 'b'), sqlFile('003', 'c')]), [
      { ...row('001', 'a', { depends: ['003'] }), kind: 'code' },
      { ...row('002', 'b'), kind: 'code' },
      row('003', 'c'),
    ]);
    assert.deepEqual(summary(state), ['002:applied', '003:applied', '001:applied']);
    assert.deepEqual(state.byKey.get('1')!.dependsOn, ['3']);
  });

  test('takes a missing file\'s dependencies from its applied row', () => {
    const state = buildState(discovery([sqlFile('005', 'e')]), [row('001', 'gone', { depends: ['005'] }), row('005', 'e')]);
    assert.deepEqual(state.entries.map((e) => e.version), ['005', '001']);
    assert.deepEqual(codes(state), ['missing-file']);
  });

  test('uses a loaded migration\'s metadata and object over what discovery found', () => {
    const source = codeFile('001', 'a');
    const loaded = loadedCode(source, ['002']);
    const state = buildState(discovery([source, sqlFile('002', 'b')]), [], new Map([['1', loaded]]));
    assert.deepEqual(state.entries.map((e) => e.version), ['002', '001']);
    assert.equal(state.byKey.get('1')!.source, loaded);
  });
});

describe('buildState: problems from elsewhere', () => {
  test('passes discovery problems through: duplicate-version, malformed-name, file-conflict', () => {
    const found: Problem[] = [
      { code: 'duplicate-version', file: 'migrations/001_a.sql', key: '1', message: 'version 001 is used by more than one migration: 001_a.sql, 1_b.sql' },
      { code: 'malformed-name', file: 'migrations/002_Add.sql', key: null, message: '002_Add.sql looks like a migration but…' },
      { code: 'file-conflict', file: 'migrations/003_c.up.sql', key: '3', message: 'both 003_c.sql and 003_c.up.sql exist; keep one of them' },
    ];
    const state = buildState(discovery([sqlFile('004', 'd')], found), []);
    assert.deepEqual(state.problems, found);
  });

  test('appends extra problems such as import-failed after discovery problems', () => {
    const duplicate: Problem = { code: 'duplicate-version', file: 'migrations/001_a.sql', key: '1', message: 'dup' };
    const importFailed: Problem = { code: 'import-failed', file: 'migrations/002_b.ts', key: '2', message: 'migrations/002_b.ts failed to import: boom' };
    const state = buildState(discovery([codeFile('002', 'b')], [duplicate]), [], new Map(), [importFailed]);
    assert.deepEqual(state.problems, [duplicate, importFailed]);
  });

  test('does not report missing-file for an applied version whose files have a discovery problem', () => {
    const duplicate: Problem = { code: 'duplicate-version', file: 'migrations/001_a.sql', key: '1', message: 'version 001 is used by more than one migration: 001_a.sql, 1_b.sql' };
    const state = buildState(discovery([], [duplicate]), [row('001', 'a')]);
    assert.deepEqual(state.problems, [duplicate]);
  });

  test('reports several problems of one state together', () => {
    const state = buildState(
      discovery([sqlFile('001', 'a', { checksum: 'f'.repeat(64) }), sqlFile('002', 'b'), sqlFile('003', 'c', { depends: ['042'] }), sqlFile('004', 'd')]),
      [row('001', 'a', { checksum: 'e'.repeat(64) }), row('004', 'd', { state: 'dirty' }), row('009', 'gone')],
    );
    assert.deepEqual(summary(state), ['001:changed', '002:pending!', '003:pending!', '004:dirty', '009:missing']);
    assert.deepEqual([...codes(state)].sort(), ['checksum-mismatch', 'dirty', 'missing-file', 'out-of-order', 'out-of-order', 'unknown-dependency']);
  });
});

describe('pendingUnloaded', () => {
  test('returns code migrations that are not applied and not loaded yet', () => {
    const found = discovery([codeFile('001', 'a'), codeFile('002', 'b'), sqlFile('003', 'c'), codeFile('004', 'd')]);
    assert.deepEqual(pendingUnloaded(found, [row('1', 'a')]).map((m) => m.id), ['002_b', '004_d']);
  });
});
