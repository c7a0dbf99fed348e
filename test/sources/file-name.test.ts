import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyFileName } from '../../src/sources/file-name.js';

describe('classifyFileName: migrations', () => {
  test('reads version, name and key of a SQL migration', () => {
    assert.deepEqual(classifyFileName('001_create_users.sql'), { type: 'migration', key: '1', version: '001', name: 'create_users', role: 'sql' });
  });

  test('reads 001_2024_report.sql as version 001_2024 and name report', () => {
    assert.deepEqual(classifyFileName('001_2024_report.sql'), { type: 'migration', key: '1_2024', version: '001_2024', name: 'report', role: 'sql' });
  });

  test('reads timestamp and date-group versions', () => {
    assert.deepEqual(classifyFileName('20260128093000_add_email.sql'), { type: 'migration', key: '20260128093000', version: '20260128093000', name: 'add_email', role: 'sql' });
    assert.deepEqual(classifyFileName('2026_01_28_1430_add_email.sql'), { type: 'migration', key: '2026_1_28_1430', version: '2026_01_28_1430', name: 'add_email', role: 'sql' });
  });

  test('accepts the migration_ prefix and leaves it out of version and name', () => {
    assert.deepEqual(classifyFileName('migration_003_seed.sql'), { type: 'migration', key: '3', version: '003', name: 'seed', role: 'sql' });
  });

  test('accepts digits and underscores in the name after its first letter', () => {
    assert.deepEqual(classifyFileName('004_v2_index_2.sql'), { type: 'migration', key: '4', version: '004', name: 'v2_index_2', role: 'sql' });
  });

  test('gives .up.sql the up-sql role and .down.sql the down-sql role', () => {
    assert.deepEqual(classifyFileName('005_users.up.sql'), { type: 'migration', key: '5', version: '005', name: 'users', role: 'up-sql' });
    assert.deepEqual(classifyFileName('005_users.down.sql'), { type: 'migration', key: '5', version: '005', name: 'users', role: 'down-sql' });
  });

  test('gives every code extension the code role', () => {
    for (const ext of ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs']) {
      assert.deepEqual(classifyFileName(`006_backfill.${ext}`), { type: 'migration', key: '6', version: '006', name: 'backfill', role: 'code' }, ext);
    }
  });
});

describe('classifyFileName: malformed', () => {
  for (const name of ['01-init.sql', '002_Add.sql', '003_x.SQL', '004_y.down.ts', '005.sql', '006_.sql', '007_9lives.sql', 'migration_add.sql', 'migration_008-x.ts', '009__double.sql', '010_add-email.js', '011_users.UP.sql']) {
    test(`refuses ${name} as a malformed migration name`, () => {
      const classified = classifyFileName(name);
      assert.equal(classified.type, 'malformed');
    });
  }

  test('explains the grammar in the reason for a malformed name', () => {
    const classified = classifyFileName('002_Add.sql');
    assert.equal(classified.type, 'malformed');
    assert.match((classified as { reason: string }).reason, /<version>_<name>\.<ext>.*002_add_email\.sql/);
  });

  test('explains that code migrations have no .up/.down companions', () => {
    assert.deepEqual(classifyFileName('004_y.down.ts'), {
      type: 'malformed',
      reason: 'only SQL migrations have .down companions; a code migration is one module with up and down',
    });
    assert.equal(classifyFileName('004_y.up.mjs').type, 'malformed');
  });
});

describe('classifyFileName: ignored', () => {
  const cases: readonly [string, string][] = [
    ['README.md', 'not a migration extension'],
    ['001_init.sql.example', 'not a migration extension'],
    ['strata.config.example', 'not a migration extension'],
    ['001_init.d.ts', 'type declarations'],
    ['types.d.mts', 'type declarations'],
    ['001_init.test.ts', 'test file'],
    ['001_init.spec.js', 'test file'],
    ['001_init.js.map', 'source map'],
    ['.001_hidden.sql', 'dot-file'],
    ['.DS_Store', 'dot-file'],
    ['.gitkeep', 'dot-file'],
    ['helpers.ts', 'does not start with a version'],
    ['schema.sql', 'does not start with a version'],
  ];
  for (const [name, reason] of cases) {
    test(`ignores ${name} (${reason})`, () => {
      assert.deepEqual(classifyFileName(name), { type: 'ignored', reason });
    });
  }
});

describe('a version or name longer than the tracking table holds', () => {
  test('is malformed, with the reason (a 255-character version still fits)', () => {
    assert.equal(classifyFileName(`${'1'.repeat(255)}_a.sql`).type, 'migration');
    const long = classifyFileName(`${'1'.repeat(256)}_a.sql`);
    assert.equal(long.type, 'malformed');
    assert.match((long as { reason: string }).reason, /its version is 256 characters long; the tracking table holds at most 255/);
  });
});
