/**
 * §12: the first `up` over another tool's history. While strata has no rows, a database whose
 * history table (built as each tool builds it, with its rows: cases.ts, cases-more.ts) names
 * another tool refuses `up`, `up --dry-run` and `migrate()` (exit 3, `other-tool-history`)
 * unless `--ignore-other-history` / `ignoreOtherHistory: true`; a home-grown shape is a note;
 * an unrelated `migrations` table, an empty history table and a database strata manages are
 * not looked at twice.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createMigrator, migrate, ValidationError, type StrataEvent, type UpOptions } from '../../src/index.js';
import { allDialects, notListed, type DialectName, type DialectUnderTest } from '../support/dialects.js';
import { project, strata } from '../support/project.js';
import { CASES } from './cases.js';
import { CASES as MORE } from './cases-more.js';
import { harness, insert, quoteOf, raw, type Harness } from './support.js';

const FILES = { '001_guard_a.sql': 'CREATE TABLE guard_a (id INTEGER PRIMARY KEY);\n', '002_guard_b.sql': 'CREATE TABLE guard_b (id INTEGER PRIMARY KEY);\n' };

async function up(h: Harness, options: UpOptions = {}, events: StrataEvent[] = []) {
  const m = await createMigrator({ db: h.url, dir: h.p.migrations, onEvent: (e) => events.push(e) });
  try {
    return await m.up(options);
  } finally {
    await m.close();
  }
}

const refused = (table: string) => (e: unknown) => {
  assert.ok(e instanceof ValidationError, String(e));
  assert.equal(e.code, 'other-tool-history');
  assert.match(e.message, new RegExp(`^up refused: .* holds .*'s history \\(${table}\\), with applied migrations, and none of strata's`));
  assert.match(e.hint ?? '', /run `strata import [a-z-]+ --dry-run`.*`strata baseline <version>`.*--ignore-other-history/);
  return true;
};

/** The table each case's tool keeps its history in (as the refusal names it). */
const TABLES: Record<string, string> = {
  flyway: 'flyway_schema_history', knex: 'knex_migrations', dbmate: 'schema_migrations', 'golang-migrate': 'schema_migrations', sqlx: '_sqlx_migrations',
  prisma: '_prisma_migrations', 'node-pg-migrate': 'pgmigrations', typeorm: 'migrations', sequelize: 'SequelizeMeta', drizzle: '__drizzle_migrations',
};

async function withHarness(d: DialectUnderTest, files: Record<string, string>, fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = await harness(d, files);
  try {
    await fn(h);
  } finally {
    await h.done();
  }
}

describe("the first up over another tool's history (§12)", () => {
  for (const c of [...CASES, ...MORE]) {
    for (const d of allDialects().filter((x) => c.dialects.includes(x.name))) {
      test(`${c.name} on ${d.name}: refused, nothing applied; ignoreOtherHistory runs it`, { skip: notListed(d.name) }, () =>
        withHarness(d, FILES, async (h) => {
          const made = c.make();
          await raw(d.name, h.url, made.setup(d.name));
          await assert.rejects(up(h), refused(TABLES[made.tool]!));
          const status = await h.status();
          assert.equal(status.applied, 0);
          assert.equal(await tableThere(d.name, h.url, 'guard_a'), false, 'no migration ran');
          assert.deepEqual((await up(h, { ignoreOtherHistory: true })).applied, ['001', '002']);
        }));
    }
  }

  for (const d of allDialects()) {
    test(`an unrelated table named migrations, with rows, does not block (${d.name})`, { skip: notListed(d.name) }, () =>
      withHarness(d, FILES, async (h) => {
        await raw(d.name, h.url, [
          `CREATE TABLE ${quoteOf(d.name)}migrations${quoteOf(d.name)} (id INTEGER PRIMARY KEY, title VARCHAR(100), created_at VARCHAR(40))`,
          insert('migrations', quoteOf(d.name), { id: 1, title: 'move the office', created_at: '2026-01-01' }),
        ]);
        const events: StrataEvent[] = [];
        assert.deepEqual((await up(h, {}, events)).applied, ['001', '002']);
        assert.deepEqual(events.filter((e) => e.type === 'note'), []);
      }));

    test(`a home-grown migrations(version) with rows is a note, not a refusal (${d.name})`, { skip: notListed(d.name) }, () =>
      withHarness(d, FILES, async (h) => {
        await raw(d.name, h.url, ['CREATE TABLE migrations (version INTEGER PRIMARY KEY)', 'INSERT INTO migrations (version) VALUES (1)']);
        const events: StrataEvent[] = [];
        assert.deepEqual((await up(h, {}, events)).applied, ['001', '002']);
        const notes = events.flatMap((e) => (e.type === 'note' ? [e.message] : []));
        assert.equal(notes.length, 1, JSON.stringify(notes));
        assert.match(notes[0]!, /has a migrations table with rows.*`strata import table --from-table migrations --version-column version --dry-run`/);
      }));

    test(`an empty history table of another tool does not block (${d.name})`, { skip: notListed(d.name) }, () =>
      withHarness(d, FILES, async (h) => {
        await raw(d.name, h.url, [`CREATE TABLE ${quoteOf(d.name)}schema_migrations${quoteOf(d.name)} (version bigint not null primary key, dirty boolean not null)`]);
        assert.deepEqual((await up(h)).applied, ['001', '002']);
      }));
  }

  for (const d of allDialects().filter((x) => x.name !== 'mysql')) {
    test(`a history table that cannot be read counts as holding rows: refused (${d.name})`, { skip: notListed(d.name) }, () =>
      withHarness(d, FILES, async (h) => {
        // A view that fails when read (SQLite: integer overflow; PostgreSQL: division by zero).
        const boom = d.name === 'sqlite' ? 'abs(-9223372036854775808) > 0' : '1 / (SELECT 0) = 1';
        await raw(d.name, h.url, [`CREATE VIEW knex_migrations AS SELECT 'x' AS name, 1 AS batch WHERE ${boom}`]);
        await assert.rejects(raw(d.name, h.url, ['SELECT 1 FROM knex_migrations LIMIT 1']), 'the view fails when read');
        await assert.rejects(up(h), refused('knex_migrations'));
        assert.deepEqual((await up(h, { ignoreOtherHistory: true })).applied, ['001', '002']);
      }));
  }

  test('once strata has rows (strata baseline), up runs with the other table still there: no check', { skip: notListed('sqlite') }, () =>
    withHarness(allDialects().find((d) => d.name === 'sqlite')!, FILES, async (h) => {
      await raw('sqlite', h.url, CASES.find((c) => c.name === 'knex')!.make().setup('sqlite'));
      await assert.rejects(up(h), refused('knex_migrations'));
      const m = await createMigrator({ db: h.url, dir: h.p.migrations });
      try {
        await m.baseline('001');
      } finally {
        await m.close();
      }
      assert.deepEqual((await up(h)).applied, ['002']);
    }));

  test('an empty plan is not refused (nothing would run again)', { skip: notListed('sqlite') }, () =>
    withHarness(allDialects().find((d) => d.name === 'sqlite')!, {}, async (h) => {
      await raw('sqlite', h.url, CASES.find((c) => c.name === 'knex')!.make().setup('sqlite'));
      assert.equal((await up(h)).status, 'up-to-date');
    }));

  test('migrate() refuses too, and runs with ignoreOtherHistory: true', { skip: notListed('sqlite') }, async () => {
    const p = project(FILES);
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    try {
      await raw('sqlite', db, CASES.find((c) => c.name === 'flyway')!.make().setup('sqlite'));
      await assert.rejects(migrate({ db, dir: p.migrations }), refused('flyway_schema_history'));
      assert.equal((await migrate({ db, dir: p.migrations, ignoreOtherHistory: true })).count, 2);
    } finally {
      p.cleanup();
    }
  });

  test('the CLI: exit 3 with the error and hint lines, --json, up --dry-run, --ignore-other-history, a note on stderr', { skip: notListed('sqlite') }, async () => {
    const p = project(FILES);
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    try {
      await raw('sqlite', db, MORE.find((c) => c.name.startsWith('sequelize'))!.make().setup('sqlite'));
      const human = await strata(['up', '--db', db], { cwd: p.dir });
      assert.equal(human.code, 3, human.stderr);
      assert.match(human.stderr, /^error: up refused: sqlite:.* holds Sequelize's history \(SequelizeMeta\), with applied migrations, and none of strata's: up would run every migration again/m);
      assert.match(human.stderr, /^hint: run `strata import sequelize --dry-run`, then `strata import sequelize`/m);
      const json = await strata(['up', '--db', db, '--json'], { cwd: p.dir });
      assert.equal(json.code, 3);
      assert.equal(json.json().error.code, 'other-tool-history');
      const dry = await strata(['up', '--dry-run', '--db', db], { cwd: p.dir });
      assert.equal(dry.code, 3, dry.stderr);
      const forced = await strata(['up', '--ignore-other-history', '--db', db], { cwd: p.dir });
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(forced.stdout, /applied 2 migrations/);
    } finally {
      p.cleanup();
    }
    const q = project(FILES);
    const home = `sqlite:${join(q.dir, 'app.db')}`;
    try {
      await raw('sqlite', home, ['CREATE TABLE schema_versions (version TEXT PRIMARY KEY)', "INSERT INTO schema_versions VALUES ('2026_01_28')"]);
      const noted = await strata(['up', '--db', home], { cwd: q.dir });
      assert.equal(noted.code, 0, noted.stderr);
      assert.match(noted.stderr, /^note: .*schema_versions table with rows .*`strata import table --from-table schema_versions --version-column version --dry-run`/m);
    } finally {
      q.cleanup();
    }
  });
});

async function tableThere(d: DialectName, url: string, table: string): Promise<boolean> {
  const sql = d === 'sqlite'
    ? `SELECT name FROM sqlite_master WHERE name = '${table}'`
    : `SELECT table_name FROM information_schema.tables WHERE table_name = '${table}' AND table_schema = ${d === 'mysql' ? 'DATABASE()' : 'current_schema()'}`;
  return (await raw(d, url, [sql])).length > 0;
}
