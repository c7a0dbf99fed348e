import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyFileName, classifyFolderName } from '../../src/sources/file-name.js';

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

describe('classifyFileName: other tools\' names (§2)', () => {
  const cases: readonly [string, string, string, string, string][] = [
    // file, version, name, key, role
    ['002_Add.sql', '002', 'Add', '2', 'sql'],
    ['01-init.sql', '01', 'init', '1', 'sql'],
    ['0001.sql', '0001', '', '1', 'sql'],
    ['1.1.sql', '1.1', '', '1_1', 'sql'],
    ['V1__init.sql', '1', 'init', '1', 'sql'],
    ['V1_1__Add_email.sql', '1_1', 'Add_email', '1_1', 'sql'],
    ['V0001.Initial_Schema.up.sql', '0001', 'Initial_Schema', '1', 'up-sql'],
    ['000002_add_users.up.sql', '000002', 'add_users', '2', 'up-sql'],
    ['000002_add_users.down.sql', '000002', 'add_users', '2', 'down-sql'],
    ['20210425153745_create-history.sql', '20210425153745', 'create-history', '20210425153745', 'sql'],
    ['2018-04-27-155151_create_users.sql', '2018-04-27-155151', 'create_users', '2018_4_27_155151', 'sql'],
    ['migration_008-x.ts', '008', 'x', '8', 'code'],
    ['009__double.sql', '009', 'double', '9', 'sql'],
    ['010_add-email.js', '010', 'add-email', '10', 'code'],
    ['5.down.sql', '5', 'down', '5', 'sql'], // §2's expression, as written, reads .down here as the name
  ];
  for (const [file, version, name, key, role] of cases) {
    test(`reads ${file} as version ${version}${name ? `, name ${name}` : ', no name'}`, () => {
      assert.deepEqual(classifyFileName(file), { type: 'migration', key, version, name, role });
    });
  }

  test('gives versions written with different separators the same key', () => {
    const keyOf = (file: string) => (classifyFileName(file) as { key: string }).key;
    assert.equal(keyOf('1.1_a.sql'), keyOf('1_1_b.sql'));
    assert.equal(keyOf('01-1_b.sql'), keyOf('V1_1__a.sql'));
  });
});

describe('classifyFileName: malformed', () => {
  for (const name of ['01 init.sql', '002_.sql', '003_x.SQL', '004_y.down.ts', '006_.sql', 'migration_add.sql', '011_users.UP.sql', 'V2__.sql', 'V3_caf\u00e9.sql', '002_caf\u00e9.sql', '12__.ts', '007_9lives.sql']) {
    test(`refuses ${name} as a malformed migration name`, () => {
      const classified = classifyFileName(name);
      assert.equal(classified.type, 'malformed');
    });
  }

  test('explains the grammar in the reason for a malformed name', () => {
    const classified = classifyFileName('01 init.sql');
    assert.equal(classified.type, 'malformed');
    assert.match((classified as { reason: string }).reason, /<version>\[_<name>\].*002_add_email\.sql/);
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
    ['v1__lower_v.sql', 'does not start with a version'],
  ];
  for (const [name, reason] of cases) {
    test(`ignores ${name} (${reason})`, () => {
      assert.deepEqual(classifyFileName(name), { type: 'ignored', reason });
    });
  }
});

describe('classifyFileName: other tools\' files that strata does not run', () => {
  for (const name of ['R__views.sql', 'R__Refresh_stats.sql', 'U2__undo_users.sql', 'U1_1__x.sql', '0001_initial.py', '__init__.py']) {
    test(`ignores ${name}, naming it as another tool's`, () => {
      const classified = classifyFileName(name);
      assert.equal(classified.type, 'ignored');
      assert.ok(classified.type === 'ignored' && classified.otherTool, JSON.stringify(classified));
      assert.match((classified as { reason: string }).reason, /not (supported|run) by strata/);
    });
  }

  test('names Flyway in the reason for R__ and U__ files', () => {
    assert.match((classifyFileName('R__views.sql') as { reason: string }).reason, /Flyway repeatable/);
    assert.match((classifyFileName('U2__undo.sql') as { reason: string }).reason, /Flyway undo/);
  });
});

describe('classifyFolderName', () => {
  test('reads Diesel and Prisma folder names; refuses names with an extension', () => {
    assert.deepEqual(classifyFolderName('2018-04-27-155151_create_users'), { key: '2018_4_27_155151', version: '2018-04-27-155151', name: 'create_users' });
    assert.deepEqual(classifyFolderName('20210101000000_init'), { key: '20210101000000', version: '20210101000000', name: 'init' });
    assert.deepEqual(classifyFolderName('00000000000000_diesel_initial_setup'), { key: '0', version: '00000000000000', name: 'diesel_initial_setup' });
    assert.equal(classifyFolderName('old'), null);
    assert.equal(classifyFolderName('001_x.sql'), null);
  });
});

describe('a version or name longer than the tracking table holds', () => {
  test('is malformed, with the reason (a 255-character version still fits)', () => {
    assert.equal(classifyFileName(`${'1'.repeat(255)}_a.sql`).type, 'migration');
    const long = classifyFileName(`${'1'.repeat(256)}_a.sql`);
    assert.equal(long.type, 'malformed');
    assert.match((long as { reason: string }).reason, /its version is 256 characters long; the tracking table holds at most 255/);
  });
});
