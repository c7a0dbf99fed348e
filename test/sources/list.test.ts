import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ValidationError } from '../../src/core/errors.js';
import type { Db } from '../../src/core/model.js';
import { buildState } from '../../src/core/state.js';
import { createListSource, type ListMigration } from '../../src/sources/list.js';

const noop = async () => undefined;

describe('list source: discovery', () => {
  test('turns each entry into a code migration with version, name and key from its id', async () => {
    const found = await createListSource([{ id: '001_init', up: noop }, { id: '2026_01_28_add_email', up: noop }]).discover();
    assert.deepEqual(found.migrations, [
      { key: '1', version: '001', name: 'init', id: '001_init', kind: 'code', file: null, checksum: null, meta: null },
      { key: '2026_1_28', version: '2026_01_28', name: 'add_email', id: '2026_01_28_add_email', kind: 'code', file: null, checksum: null, meta: null },
    ]);
    assert.deepEqual(found.problems, []);
    assert.deepEqual(found.ignored, []);
  });

  test('sorts entries by version whatever the list order', async () => {
    const found = await createListSource([{ id: '010_c', up: noop }, { id: '2_b', up: noop }, { id: '001_2024_a', up: noop }]).discover();
    assert.deepEqual(found.migrations.map((m) => m.id), ['001_2024_a', '2_b', '010_c']);
  });

  test('passes a given checksum through and uses null otherwise', async () => {
    const found = await createListSource([{ id: '001_a', up: noop, checksum: 'abc123' }, { id: '002_b', up: noop, checksum: null }, { id: '003_c', up: noop }]).discover();
    assert.deepEqual(found.migrations.map((m) => m.checksum), ['abc123', null, null]);
  });

  test('reads ids with the file-name grammar of §2: separators, capitals, a V or migration_ prefix, no name', async () => {
    const ids = ['001-init', '2_Add_Email', 'V3__Add_users', 'migration_004_add_feature', '5', '6.1-more', '2026_01_28_dated'];
    const found = await createListSource(ids.map((id) => ({ id, up: noop }))).discover();
    assert.deepEqual(found.problems, []);
    assert.deepEqual(found.migrations.map((m) => [m.version, m.name, m.id]), [
      ['001', 'init', '001_init'], ['2', 'Add_Email', '2_Add_Email'], ['3', 'Add_users', '3_Add_users'], ['004', 'add_feature', '004_add_feature'],
      ['5', '', '5'], ['6.1', 'more', '6.1_more'], ['2026_01_28', 'dated', '2026_01_28_dated'],
    ]);
  });

  test('reports ids that do not match the grammar as malformed, and leaves them out', async () => {
    const bad = ['init', '001 init', '002_', '001_init.sql', 'V', '_001_a', ''];
    const found = await createListSource([...bad.map((id) => ({ id, up: noop })), { id: '002_ok', up: noop }]).discover();
    assert.deepEqual(found.migrations.map((m) => m.id), ['002_ok']);
    assert.deepEqual(
      found.problems.map((p) => [p.code, p.file, p.key, p.message]),
      bad.map((id) => ['malformed-name', null, null, `migration id "${id}" does not match [V|migration_]<version>[_<name>] (e.g. 001_init)`]),
    );
  });

  test('reports an entry without an id as malformed', async () => {
    const found = await createListSource([{ up: noop } as unknown as ListMigration]).discover();
    assert.deepEqual(found.problems.map((p) => p.message), ['migration id "" does not match [V|migration_]<version>[_<name>] (e.g. 001_init)']);
  });

  test('reports a version used twice (001 and 1), keeping the first entry', async () => {
    const found = await createListSource([{ id: '001_a', up: noop }, { id: '1_b', up: noop }, { id: '002_c', up: noop }]).discover();
    assert.deepEqual(found.migrations.map((m) => m.id), ['001_a', '002_c']);
    assert.deepEqual(found.problems, [{ code: 'duplicate-version', file: null, key: '1', message: 'version 1 is used by both 001_a and 1_b' }]);
  });

  test('refuses a list that is not an array with a config ConfigError', async () => {
    assert.throws(() => createListSource({} as unknown as ListMigration[]), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, 'config');
      assert.equal(error.message, '`migrations` must be an array of { id, up, down } objects');
      return true;
    });
  });
});

describe('list source: load()', () => {
  test('gives the entry\'s own functions and metadata', async () => {
    const calls: string[] = [];
    const entry: ListMigration = {
      id: '003_add_email',
      description: 'Add email',
      depends: ['001', 2],
      transaction: false,
      up: async (db: Db) => void calls.push(`up ${db.dialect}`),
      down: async (db: Db) => void calls.push(`down ${db.dialect}`),
      precheck: async () => true,
      verify: async () => false,
    } as ListMigration;
    const source = createListSource([entry]);
    const loaded = await source.load((await source.discover()).migrations[0]!);
    assert.deepEqual(loaded.meta, { description: 'Add email', depends: ['001', '2'], transaction: false });
    const db = { dialect: 'postgres' } as Db;
    assert.ok(loaded.up.type === 'code' && loaded.down?.type === 'code');
    await loaded.up.fn(db);
    await loaded.down.fn(db);
    assert.deepEqual(calls, ['up postgres', 'down postgres']);
    assert.equal(await loaded.precheck!(db), true);
    assert.equal(await loaded.verify!(db), false);
    assert.equal(loaded.irreversibleReason, null);
    assert.equal(loaded.id, '003_add_email');
  });

  test('accepts the upgrade/downgrade and DESCRIPTION aliases', async () => {
    const source = createListSource([{ id: '001_a', DESCRIPTION: 'aliased', upgrade: noop, downgrade: noop } as unknown as ListMigration]);
    const loaded = await source.load((await source.discover()).migrations[0]!);
    assert.equal(loaded.meta.description, 'aliased');
    assert.notEqual(loaded.down, null);
  });

  test('makes an entry without down irreversible, naming it by id', async () => {
    const source = createListSource([{ id: '001_a', up: noop }]);
    const loaded = await source.load((await source.discover()).migrations[0]!);
    assert.equal(loaded.down, null);
    assert.equal(loaded.irreversibleReason, '001_a has no down function');
  });

  test('makes rollback: false irreversible with its reason', async () => {
    const source = createListSource([{ id: '001_a', up: noop, down: noop, rollback: false, rollbackReason: 'data is gone' }]);
    const loaded = await source.load((await source.discover()).migrations[0]!);
    assert.equal(loaded.down, null);
    assert.equal(loaded.irreversibleReason, '001_a is marked rollback: false (data is gone)');
  });

  test('rejects an entry without up with an import-failed ValidationError naming the id', async () => {
    const source = createListSource([{ id: '001_a', down: noop } as unknown as ListMigration]);
    const error = await source.load((await source.discover()).migrations[0]!).then(() => assert.fail('expected a rejection'), (e: unknown) => e);
    assert.ok(error instanceof ValidationError);
    assert.equal(error.code, 'import-failed');
    assert.equal(error.message, 'migration 001_a has no up function');
    assert.equal(error.migration, '001_a');
    assert.deepEqual(error.problems, [{ code: 'import-failed', message: 'migration 001_a has no up function', file: null, key: '1' }]);
  });

  test('rejects members of the wrong type, naming the member', async () => {
    const cases: readonly [Record<string, unknown>, string | RegExp][] = [
      [{ up: 'CREATE TABLE t (id INT)' }, /^migration 001_a has an? up that is not a function$/],
      [{ up: noop, down: 'DROP TABLE t' }, 'migration 001_a has a down that is not a function'],
      [{ up: noop, description: 42 }, 'migration 001_a has a description that is not a string'],
      [{ up: noop, depends: '000' }, 'migration 001_a has a depends that is not an array of versions'],
      [{ up: noop, transaction: 'off' }, 'migration 001_a has a transaction that is not true or false'],
    ];
    for (const [members, message] of cases) {
      const source = createListSource([{ id: '001_a', ...members } as ListMigration]);
      await assert.rejects(source.load((await source.discover()).migrations[0]!), { name: 'ValidationError', code: 'import-failed', message });
    }
  });
});

describe('list source: with the state', () => {
  const applied = (version: string, name: string, checksum: string | null) => ({
    version, name, description: null, checksum, kind: 'code' as const, depends: [], appliedAt: '2026-01-28T09:30:00.000Z',
    durationMs: 1, appliedBy: null, state: 'applied' as const, dirtyOperation: null, statementsDone: null, error: null,
  });

  test('compares a passed checksum with the applied row', async () => {
    const found = await createListSource([{ id: '001_a', up: noop, checksum: 'new' }]).discover();
    const state = buildState(found, [applied('001', 'a', 'old')]);
    assert.equal(state.entries[0]!.state, 'changed');
    assert.deepEqual(state.problems.map((p) => p.code), ['checksum-mismatch']);
  });

  test('never compares an entry without a checksum', async () => {
    const found = await createListSource([{ id: '001_a', up: noop }]).discover();
    const state = buildState(found, [applied('001', 'a', 'recorded')]);
    assert.equal(state.entries[0]!.state, 'applied');
    assert.deepEqual(state.problems, []);
  });
});
