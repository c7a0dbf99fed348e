/** `init` and `new`: the files a user starts from. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { nextVersion } from '../../src/cli/scaffold.js';
import { project, strata } from '../support/project.js';

describe('init', () => {
  test('writes strata.config.mjs and migrations/ with a README and templates, and never overwrites', async () => {
    const p = project();
    try {
      p.remove('migrations');
      const first = await strata(['init', '--json'], { cwd: p.dir });
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(first.json().created.sort(), ['migrations/', 'migrations/README.md', 'migrations/template.sql.example', 'migrations/template.ts.example', 'strata.config.mjs'].sort());
      p.write('strata.config.mjs', '// mine\nexport default {};\n');
      const second = await strata(['init', '--json'], { cwd: p.dir });
      assert.equal(second.code, 0);
      assert.deepEqual(second.json().created, []);
      assert.equal(readFileSync(join(p.dir, 'strata.config.mjs'), 'utf8'), '// mine\nexport default {};\n');
      const status = await strata(['status', '--verbose'], { cwd: p.dir });
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /migrations\/README\.md — not a migration extension/, 'templates and README are ignored, and listed with --verbose');
    } finally {
      p.cleanup();
    }
  });
});

describe('new', () => {
  test('numbers files keeping the folder padding, and writes SQL or TypeScript', async () => {
    const p = project({ '0009_a.sql': 'SELECT 1;\n' });
    try {
      const sql = await strata(['new', 'add_users', '--json'], { cwd: p.dir });
      assert.equal(sql.code, 0, sql.stderr);
      assert.deepEqual(sql.json(), { file: 'migrations/0010_add_users.sql', id: '0010_add_users', version: '0010', name: 'add_users' });
      assert.match(readFileSync(join(p.migrations, '0010_add_users.sql'), 'utf8'), /-- migrate:up\n[\s\S]*-- migrate:down/);
      const ts = await strata(['new', 'backfill', '--ts', '--json'], { cwd: p.dir });
      assert.equal(ts.json().file, 'migrations/0011_backfill.ts');
      assert.match(readFileSync(join(p.migrations, '0011_backfill.ts'), 'utf8'), /import \{ defineMigration \} from 'strata-migrate'/);
      const table = await strata(['new', 'create_orders', '--template', 'create-table', '--json'], { cwd: p.dir });
      assert.match(readFileSync(join(p.migrations, `${table.json().id}.sql`), 'utf8'), /CREATE TABLE orders/);
      assert.deepEqual(readdirSync(p.migrations).sort(), ['0009_a.sql', '0010_add_users.sql', '0011_backfill.ts', '0012_create_orders.sql']);
      const plan = await strata(['plan', '--db', 'sqlite::memory:', '--json'], { cwd: p.dir });
      assert.equal(plan.code, 0, `generated files are valid migrations: ${plan.stderr}`);
    } finally {
      p.cleanup();
    }
  });

  test('names with path separators or other characters are refused with exit 2', async () => {
    const p = project();
    try {
      for (const name of ['../evil', 'a/b', 'Users', 'add-email', '1st']) {
        const r = await strata(['new', name], { cwd: p.dir });
        assert.equal(r.code, 2, name);
        assert.match(r.stderr, /is not a migration name/);
      }
      assert.deepEqual(readdirSync(p.migrations), []);
    } finally {
      p.cleanup();
    }
  });

  test('next version: 001 in an empty folder, padding kept, timestamps kept and always increasing', () => {
    const now = new Date('2026-11-25T03:04:05Z');
    assert.equal(nextVersion([], false, now), '001');
    assert.equal(nextVersion(['099_a.sql', '007_b.sql'], false, now), '100');
    assert.equal(nextVersion(['1_a.sql', '2_b.ts'], false, now), '3');
    assert.equal(nextVersion([], true, now), '20261125030405');
    assert.equal(nextVersion(['20200101000000_a.sql'], false, now), '20261125030405', 'a timestamp folder stays timestamped');
    assert.equal(nextVersion(['20261125030405_a.sql'], false, now), '20261125030406', 'same second: still increasing');
    assert.equal(nextVersion(['README.md', 'template.sql.example'], false, now), '001');
  });

  test('next version counts other tools\' spellings (§2): V1__, a bare 0001.sql, Diesel folders', () => {
    const now = new Date('2026-11-25T03:04:05Z');
    assert.equal(nextVersion(['V1__init.sql', 'V2__Add_email.sql', 'R__views.sql'], false, now), '3');
    assert.equal(nextVersion(['0001.sql', '0002.sql'], false, now), '0003');
    assert.equal(nextVersion(['000001_init.up.sql', '000001_init.down.sql'], false, now), '000002');
    assert.equal(nextVersion(['2018-04-27-155151_create_users'], false, now), '20261125030405');
    assert.equal(nextVersion(['V1_1__x.sql'], false, now), '20261125030405', 'a dotted or grouped version is never incremented into a collision');
  });
});
