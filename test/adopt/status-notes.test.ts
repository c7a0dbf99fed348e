/**
 * §12: `status` names the import command when it finds another tool's history table and none
 * of strata's, and says whose files a folder holds while strata has recorded nothing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { allDialects, notListed, type DialectName } from '../support/dialects.js';
import { project, strata } from '../support/project.js';
import { harness, insert, quoteOf, raw } from './support.js';

const SQL = (table: string) => `CREATE TABLE ${table} (id INTEGER PRIMARY KEY);\n`;

const HISTORIES: { name: string; setup: (d: DialectName) => string[]; command: RegExp }[] = [
  {
    name: "golang-migrate's schema_migrations (dirty column)",
    setup: (d) => [`CREATE TABLE ${quoteOf(d)}schema_migrations${quoteOf(d)} (version bigint not null primary key, dirty boolean not null)`, insert('schema_migrations', quoteOf(d), { version: 1, dirty: false })],
    command: /holds golang-migrate's history \(schema_migrations\) and none of strata's: run `strata import golang-migrate --dry-run`/,
  },
  {
    name: "Drizzle's __drizzle_migrations (in schema drizzle on PostgreSQL)",
    setup: (d) => d === 'postgres'
      ? ['CREATE SCHEMA IF NOT EXISTS "drizzle"', 'CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)']
      : [`CREATE TABLE ${quoteOf(d)}__drizzle_migrations${quoteOf(d)} (id INTEGER PRIMARY KEY, hash text NOT NULL, created_at bigint)`],
    command: /`strata import drizzle --dry-run`/,
  },
  {
    name: 'a home-grown schema_migrations(migration_id)',
    setup: () => ['CREATE TABLE schema_migrations (migration_id VARCHAR(100) PRIMARY KEY)'],
    command: /holds a home-grown runner's history \(schema_migrations\).*`strata import table --from-table schema_migrations --version-column migration_id --dry-run`/,
  },
];

describe('status: another tool\'s history and none of strata\'s (§12)', () => {
  for (const h of HISTORIES) {
    for (const d of allDialects()) {
      test(`${h.name} on ${d.name}`, { skip: notListed(d.name) }, async () => {
        const x = await harness(d, { '001_init.sql': SQL('a') });
        try {
          await raw(d.name, x.url, h.setup(d.name));
          const status = await x.status();
          assert.equal(status.notes.length, 1, JSON.stringify(status.notes));
          assert.match(status.notes[0]!, h.command);
          assert.deepEqual(status.problems, [], 'a note, not a problem: status --exit-code is unchanged');
        } finally {
          await x.done();
        }
      });
    }
  }

  test('once strata has rows (after the import) the note is gone; the CLI prints it as a note and in --json', { skip: notListed('sqlite') }, async () => {
    const p = project({ '001_init.sql': SQL('a'), '002_b.sql': SQL('b') });
    const db = `sqlite:${join(p.dir, 'app.db')}`;
    try {
      await raw('sqlite', db, ['create table `knex_migrations` (`id` integer not null primary key autoincrement, `name` varchar(255), `batch` integer, `migration_time` datetime)', "INSERT INTO knex_migrations (name, batch) VALUES ('001_init.js', 1)"]);
      p.write('migrations/001_init.js', 'exports.up = () => {};\n');
      p.remove('migrations/001_init.sql');
      const human = await strata(['status', '--db', db], { cwd: p.dir });
      assert.match(human.stdout, /^note: .*holds Knex's history \(knex_migrations\) and none of strata's: run `strata import knex --dry-run`/m);
      const json = await strata(['status', '--db', db, '--json'], { cwd: p.dir });
      assert.equal(json.json().notes.length, 1);
      assert.equal((await strata(['import', 'knex', '--db', db], { cwd: p.dir })).code, 0);
      const after = await strata(['status', '--db', db, '--json'], { cwd: p.dir });
      assert.deepEqual(after.json().notes, []);
    } finally {
      p.cleanup();
    }
  });
});

describe('status: a folder of another tool\'s files while strata has no rows', () => {
  const cases: { tool: string; files: Record<string, string>; says: RegExp }[] = [
    { tool: 'Flyway', files: { 'V1__init.sql': SQL('a'), 'V1_1__more.sql': SQL('b') }, says: /look like Flyway's \(migrations\/V1__init\.sql\).*`strata import flyway`/ },
    { tool: 'Prisma', files: { '20210101000000_init/migration.sql': SQL('a') }, says: /look like Prisma's .*migration\.sql.*`strata import prisma`/ },
    { tool: 'golang-migrate', files: { '000001_init.up.sql': SQL('a'), '000001_init.down.sql': 'DROP TABLE a;\n' }, says: /look like golang-migrate's .*`strata import golang-migrate`/ },
    { tool: 'Drizzle', files: { '0000_init.sql': SQL('a'), 'meta/_journal.json': '{"entries":[]}' }, says: /look like Drizzle's .*_journal\.json.*`strata import drizzle`/ },
  ];
  for (const c of cases) {
    test(`${c.tool}: a note, and status still creates nothing`, async () => {
      const p = project();
      for (const [name, text] of Object.entries(c.files)) p.write(`migrations/${name}`, text);
      try {
        const result = await strata(['status', '--db', `sqlite:${join(p.dir, 'app.db')}`, '--json'], { cwd: p.dir });
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.json().notes.join('\n'), c.says);
        assert.equal(existsSync(join(p.dir, 'app.db')), false);
      } finally {
        p.cleanup();
      }
    });
  }

  test('strata\'s own file names get no note', async () => {
    const p = project({ '001_init.sql': SQL('a') });
    try {
      const result = await strata(['status', '--db', `sqlite:${join(p.dir, 'app.db')}`, '--json'], { cwd: p.dir });
      assert.deepEqual(result.json().notes, []);
    } finally {
      p.cleanup();
    }
  });
});
