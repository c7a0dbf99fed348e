import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../../src/core/errors.js';
import type { Db, LoadedMigration, Step } from '../../src/core/model.js';
import { createDirectorySource } from '../../src/sources/directory.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SHAPES = 'test/fixtures/code-shapes';

const shapes = createDirectorySource({ dir: SHAPES, cwd: REPO });

async function loadShape(id: string): Promise<LoadedMigration> {
  const migration = (await shapes.discover()).migrations.find((m) => m.id === id);
  assert.ok(migration, `${id} is not in ${SHAPES}`);
  assert.equal(migration.kind, 'code');
  return shapes.load(migration);
}

/** Runs a code step against a db that records what it was asked to execute. */
async function run(step: Step | null): Promise<string[]> {
  assert.ok(step && step.type === 'code', 'expected a code step');
  const executed: string[] = [];
  const db = { dialect: 'sqlite', exec: async (sql: string) => void executed.push(sql), tableExists: async () => false } as unknown as Db;
  await step.fn(db);
  return executed;
}

async function importFailure(load: () => Promise<unknown>): Promise<ValidationError> {
  const error = await load().then(
    () => assert.fail('expected the load to reject'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ValidationError, String(error));
  assert.equal(error.code, 'import-failed');
  return error;
}

const temps: string[] = [];
after(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A temp migrations folder (outside the repository, so `strata-migrate` resolves only through the alias). */
function tempSource(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'strata-code-'));
  temps.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const source = createDirectorySource({ dir, cwd: dir });
  return { dir, source, load: async (id: string) => source.load((await source.discover()).migrations.find((m) => m.id === id)!) };
}

describe('code migrations: shapes (test/fixtures/code-shapes)', () => {
  test('discovers every module with a migration extension as a code migration', async () => {
    const found = await shapes.discover();
    assert.deepEqual(found.problems, []);
    assert.deepEqual(
      found.migrations.map((m) => [m.id, m.kind, m.meta]),
      [
        ['001_define_object', 'code', null],
        ['002_named_exports', 'code', null],
        ['003_aliases', 'code', null],
        ['004_class_default', 'code', null],
        ['005_irreversible', 'code', null],
        ['006_no_down', 'code', null],
        ['007_throws_on_import', 'code', null],
        ['008_no_up', 'code', null],
        ['009_commonjs', 'code', null],
        ['010_plain_esm', 'code', null],
      ],
    );
  });

  test('reads a defineMigration object: metadata, up, down, precheck and verify', async () => {
    const loaded = await loadShape('001_define_object');
    assert.deepEqual(loaded.meta, { description: 'Create widgets', depends: ['000'], transaction: false });
    assert.deepEqual(await run(loaded.up), ['CREATE TABLE widgets (id INTEGER)']);
    assert.deepEqual(await run(loaded.down), ['DROP TABLE widgets']);
    assert.equal(loaded.irreversibleReason, null);
    const db = { tableExists: async () => false } as unknown as Db;
    assert.equal(await loaded.precheck!(db), true);
    assert.equal(await loaded.verify!(db), false);
    assert.equal(loaded.file, `${SHAPES}/001_define_object.ts`);
  });

  test('reads named exports up, down, description, depends and transaction', async () => {
    const loaded = await loadShape('002_named_exports');
    assert.deepEqual(loaded.meta, { description: 'Add a name to widgets', depends: ['001'], transaction: true });
    assert.deepEqual(await run(loaded.up), ['ALTER TABLE widgets ADD COLUMN name TEXT']);
    assert.deepEqual(await run(loaded.down), ['ALTER TABLE widgets DROP COLUMN name']);
    assert.equal(loaded.precheck, null);
    assert.equal(loaded.verify, null);
  });

  test('reads the aliases upgrade, downgrade and DESCRIPTION', async () => {
    const loaded = await loadShape('003_aliases');
    assert.deepEqual(loaded.meta, { description: 'Index widget names', depends: [], transaction: true });
    assert.deepEqual(await run(loaded.up), ['CREATE INDEX widgets_name ON widgets (name)']);
    assert.deepEqual(await run(loaded.down), ['DROP INDEX widgets_name']);
  });

  test('instantiates a default-exported class and binds its methods to the instance', async () => {
    const loaded = await loadShape('004_class_default');
    assert.deepEqual(loaded.meta, { description: 'Add a price to widgets', depends: ['002'], transaction: true });
    // up and down read `this.column`: they only work when bound to the instance.
    assert.deepEqual(await run(loaded.up), ['ALTER TABLE widgets ADD COLUMN price INTEGER']);
    assert.deepEqual(await run(loaded.down), ['ALTER TABLE widgets DROP COLUMN price']);
  });

  test('makes rollback: false irreversible with its reason, even with a down function', async () => {
    const loaded = await loadShape('005_irreversible');
    assert.equal(loaded.down, null);
    assert.equal(loaded.irreversibleReason, `${SHAPES}/005_irreversible.ts is marked rollback: false (the dropped rows cannot be restored)`);
    assert.deepEqual(await run(loaded.up), ['DROP TABLE legacy_widgets']);
  });

  test('makes a migration without down irreversible', async () => {
    const loaded = await loadShape('006_no_down');
    assert.equal(loaded.down, null);
    assert.equal(loaded.irreversibleReason, `${SHAPES}/006_no_down.ts has no down function`);
    assert.deepEqual(loaded.meta, { description: null, depends: [], transaction: true });
  });

  test('rejects a module that throws while imported with import-failed naming the file and the cause', async () => {
    const error = await importFailure(() => loadShape('007_throws_on_import'));
    const file = `${SHAPES}/007_throws_on_import.ts`;
    assert.equal(error.message, `${file} failed to import: WIDGETS_API_KEY is not set`);
    assert.equal(error.file, file);
    assert.equal(error.migration, '007_throws_on_import');
    assert.match(error.hint!, /nothing was applied/);
    assert.equal((error.cause as Error).message, 'WIDGETS_API_KEY is not set');
    assert.deepEqual(error.problems, [{ code: 'import-failed', message: error.message, file, key: '7' }]);
  });

  test('rejects a module that exports no up with import-failed naming the file', async () => {
    const error = await importFailure(() => loadShape('008_no_up'));
    assert.equal(error.file, `${SHAPES}/008_no_up.ts`);
    assert.match(error.message, /^test\/fixtures\/code-shapes\/008_no_up\.ts exports no migration: /);
    assert.deepEqual(error.problems.map((p) => [p.code, p.key]), [['import-failed', '8']]);
  });

  test('reads a CommonJS module.exports object', async () => {
    const loaded = await loadShape('009_commonjs');
    assert.equal(loaded.meta.description, 'Seed widgets (CommonJS)');
    assert.deepEqual(await run(loaded.up), ['INSERT INTO widgets (id) VALUES (1)']);
    assert.deepEqual(await run(loaded.down), ['DELETE FROM widgets WHERE id = 1']);
  });

  test('reads a plain JavaScript ES module with named exports', async () => {
    const loaded = await loadShape('010_plain_esm');
    assert.equal(loaded.meta.description, 'Seed more widgets (ESM)');
    assert.deepEqual(await run(loaded.up), ['INSERT INTO widgets (id) VALUES (2)']);
  });

  test('keeps the source fields of the discovered migration', async () => {
    const loaded = await loadShape('002_named_exports');
    assert.equal(loaded.id, '002_named_exports');
    assert.equal(loaded.key, '2');
    assert.equal(loaded.kind, 'code');
    assert.match(loaded.checksum!, /^[0-9a-f]{64}$/);
  });
});

describe('code migrations: loading from any folder', () => {
  test('resolves strata-migrate inside a migration to the running strata (src/ when run from source)', async () => {
    const { load } = tempSource({
      '001_probe.ts': [
        "import { defineMigration, migrate } from 'strata-migrate';",
        '',
        '// A ConfigError strata throws (no db): its stack names the files strata runs from.',
        "const where = await migrate({ db: '' }).then(() => 'resolved', (error: Error) => `${error.name}\\n${error.stack}`);",
        'export default defineMigration({ description: where, up() {} });',
      ].join('\n'),
    });
    const description = (await load('001_probe')).meta.description!;
    assert.match(description, /^ConfigError\n/);
    assert.ok(description.includes(`${join(REPO, 'src')}/`), description);
    assert.ok(!description.includes(`${join(REPO, 'dist')}/`), description);
  });

  test('re-imports a code migration edited since it was last loaded', async () => {
    const { dir, load } = tempSource({ '001_a.ts': "export const description = 'first';\nexport function up() {}\n" });
    assert.equal((await load('001_a')).meta.description, 'first');
    const path = join(dir, '001_a.ts');
    writeFileSync(path, "export const description = 'second';\nexport function up() {}\n");
    const later = new Date(statSync(path).mtimeMs + 5_000);
    utimesSync(path, later, later);
    assert.equal((await load('001_a')).meta.description, 'second');
  });

  test('rejects a module with a syntax error with import-failed naming the file', async () => {
    const { load } = tempSource({ '001_broken.ts': 'export function up( {\n' });
    const error = await importFailure(() => load('001_broken'));
    assert.equal(error.file, '001_broken.ts');
    assert.match(error.message, /^001_broken\.ts failed to import: /);
  });

  test('rejects a module whose up is not a function', async () => {
    const { load } = tempSource({ '001_sql_string.ts': "export const up = 'CREATE TABLE t (id INT)';\n" });
    const error = await importFailure(() => load('001_sql_string'));
    assert.match(error.message, /^001_sql_string\.ts exports no migration/);
  });

  test('rejects a member of the wrong type, naming it', async () => {
    const { load } = tempSource({ '001_bad_tx.mjs': "export default { transaction: 'off', up() {} };\n" });
    const error = await importFailure(() => load('001_bad_tx'));
    assert.equal(error.message, '001_bad_tx.mjs has a transaction that is not true or false');
  });

  test('turns numeric dependencies into strings', async () => {
    const { load } = tempSource({ '002_b.mjs': 'export const depends = [1, "003"];\nexport function up() {}\n' });
    assert.deepEqual((await load('002_b')).meta.depends, ['1', '003']);
  });

  test(
    'recognises a default-exported class whose up and down are class fields',
    async () => {
      const { load } = tempSource({
        '001_fields.ts': [
          "import { Migration, type Db } from 'strata-migrate';",
          'export default class Fields extends Migration {',
          "  override description = 'fields';",
          "  up = async (db: Db) => { await db.exec('CREATE TABLE f (id INT)'); };",
          "  override down = async (db: Db) => { await db.exec('DROP TABLE f'); };",
          '}',
        ].join('\n'),
      });
      const loaded = await load('001_fields');
      assert.equal(loaded.meta.description, 'fields');
      assert.deepEqual(await run(loaded.up), ['CREATE TABLE f (id INT)']);
    },
  );
});
