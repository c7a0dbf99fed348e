/**
 * `strata dump` on every dialect of the matrix, through the real binary: a realistic schema
 * dumps, loads into an empty database (with strata and with the database's own client) and
 * dumps again to the same bytes; strata's tables are left out unless asked; --json; nothing
 * is created by a dump.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { allDialects, notListed, type DialectName, type FreshDatabase } from '../support/dialects.js';
import { nativeConnection } from '../support/native.js';
import { suiteResources } from '../support/suite-resources.js';
import { project, strata, type Project } from '../support/project.js';
import { SCHEMAS, REORDERED } from '../support/dump-schemas.js';

/** The database's own command-line client, and the arguments that load a file with it; null when not installed. */
function referenceClient(dialect: DialectName, url: string, file: string): { program: string; args: string[]; input?: string } | null {
  const u = new URL(url.replace(/^sqlite:/, 'sqlite://'));
  if (dialect === 'sqlite') return { program: 'sqlite3', args: ['-bail', url.replace(/^sqlite:/, ''), `.read ${file}`] };
  if (dialect === 'postgres') return { program: 'psql', args: ['-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file] };
  return { program: 'mysql', args: ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username), ...(u.password ? [`-p${decodeURIComponent(u.password)}`] : []), u.pathname.slice(1)], input: readFileSync(file, 'utf8') };
}

const installed = (program: string): boolean => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
const CLIENT: Record<DialectName, string> = { sqlite: 'sqlite3', postgres: 'psql', mysql: 'mysql' };

for (const dialect of allDialects()) {
  describe(`dump on ${dialect.name}`, { skip: notListed(dialect.name) }, () => {
    const { fresh, withMigrations } = suiteResources(dialect);
    let source: FreshDatabase;
    let p: Project;
    let dumped: string;

    before(async () => {
      source = await fresh();
      p = withMigrations({ '001_schema.sql': SCHEMAS[dialect.name] });
      const up = await strata(['up', '--db', source.url], { cwd: p.dir });
      assert.equal(up.code, 0, up.stderr);
      const r = await strata(['dump', '--db', source.url, '--out', 'schema.sql'], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /wrote \d+ objects to .*schema\.sql/);
      assert.equal(r.stdout, '', '--out leaves stdout empty');
      dumped = readFileSync(join(p.dir, 'schema.sql'), 'utf8');
    });
    test('the dump holds every kind of object, and no database name, server or time', () => {
      for (const pattern of EXPECTED[dialect.name]) assert.match(dumped, pattern);
      const name = new URL(source.url.replace(/^sqlite:/, 'sqlite://x')).pathname.split('/').pop()!;
      assert.ok(!dumped.includes(name), `the database's name ${name} is not in the dump`);
      assert.doesNotMatch(dumped, /127\.0\.0\.1|localhost|DEFINER|AUTO_INCREMENT=|20\d\d-\d\d-\d\d[ T]\d\d/);
      assert.doesNotMatch(dumped, /strata_migrations/, "strata's own tables are left out");
    });

    test('the dump loads into an empty database with strata and dumps again to the same bytes', async () => {
      const target = await fresh();
      const q = withMigrations({ '001_loaded.sql': dumped });
      const up = await strata(['up', '--db', target.url], { cwd: q.dir });
      assert.equal(up.code, 0, up.stderr);
      const again = await strata(['dump', '--db', target.url], { cwd: q.dir });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, dumped);
    });

    test(`the dump loads with ${CLIENT[dialect.name]} and dumps again to the same bytes`, { skip: installed(CLIENT[dialect.name]) ? false : `${CLIENT[dialect.name]} is not installed` }, async () => {
      const target = await fresh();
      const client = referenceClient(dialect.name, target.url, join(p.dir, 'schema.sql'))!;
      const loaded = spawnSync(client.program, client.args, { input: client.input, encoding: 'utf8' });
      assert.equal(loaded.status, 0, loaded.stderr);
      const again = await strata(['dump', '--db', target.url], { cwd: p.dir });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, dumped);
    });

    test('two databases with the same schema made in another order dump to the same bytes', async () => {
      const other = await fresh();
      const q = withMigrations({ '001_reordered.sql': REORDERED[dialect.name] });
      const up = await strata(['up', '--db', other.url], { cwd: q.dir });
      assert.equal(up.code, 0, up.stderr);
      const mine = await strata(['dump', '--db', other.url], { cwd: q.dir });
      const theirs = await strata(['dump', '--db', source.url], { cwd: q.dir });
      assert.equal(mine.stdout, theirs.stdout);
    });

    test("--include-tracking adds strata's tables", async () => {
      const r = await strata(['dump', '--db', source.url, '--include-tracking', '--json'], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      const tables = r.json().objects.filter((o: { type: string }) => o.type === 'table').map((o: { name: string }) => o.name);
      assert.ok(tables.includes('strata_migrations') && tables.includes('strata_migrations_log'), tables.join(', '));
      const plain = await strata(['dump', '--db', source.url, '--json'], { cwd: p.dir });
      assert.ok(!plain.json().objects.some((o: { name: string }) => o.name.startsWith('strata_migrations')));
    });

    test('--json gives the objects as { type, name, sql }, in the order of the SQL dump', async () => {
      const r = await strata(['dump', '--db', source.url, '--json'], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      const doc = r.json();
      assert.deepEqual(Object.keys(doc), ['objects']);
      assert.ok(doc.objects.length >= 6);
      let at = 0;
      for (const o of doc.objects) {
        assert.deepEqual(Object.keys(o), ['type', 'name', 'sql']);
        assert.ok(o.sql.trimEnd().endsWith(';'), `${o.type} ${o.name} ends with ;`);
        const first = o.sql.split('\n')[0];
        const found = dumped.indexOf(first, at);
        assert.ok(found >= at, `${o.type} ${o.name} is in the SQL dump, in order`);
        at = found;
      }
    });

    test('a dump of an empty database creates nothing: no table, no tracking table', async () => {
      const empty = await fresh();
      const r = await strata(['dump', '--db', empty.url], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '-- Schema dumped by strata (`strata dump`): load it into an empty database.\n');
      if (dialect.name === 'sqlite') {
        assert.equal(existsSync(empty.url.replace(/^sqlite:/, '')), false, 'the SQLite file was not created');
        return;
      }
      const native = await nativeConnection(dialect.name, empty.url);
      try {
        const rows = await native.query(dialect.name === 'postgres'
          ? `SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`
          : 'SELECT count(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()');
        assert.equal(Number(rows[0]!.n), 0);
      } finally {
        await native.end();
      }
    });

    test('--out into a folder that does not exist is exit 2 naming the file', async () => {
      const r = await strata(['dump', '--db', source.url, '--out', 'no/such/folder/schema.sql', '--json'], { cwd: p.dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^error: cannot write the dump to .*no\/such\/folder\/schema\.sql/m);
      assert.equal(r.json().error.code, 'config');
    });
  });
}

/** What each dialect's dump must show of the schema in SCHEMAS. */
const EXPECTED: Record<DialectName, RegExp[]> = {
  sqlite: [/CREATE TABLE users/, /CHECK \(age >= 0\)/, /REFERENCES users/, /CREATE INDEX posts_title_lower ON posts \(lower\(title\)\) WHERE published = 1;/, /CREATE VIEW/, /CREATE TRIGGER/],
  postgres: [
    /CREATE EXTENSION IF NOT EXISTS citext;/, /CREATE TYPE mood AS ENUM \('sad', 'ok', 'happy'\);/, /CREATE DOMAIN positive/, /CREATE SEQUENCE invoice_no/,
    /ALTER SEQUENCE users_id_seq OWNED BY users\.id;/, /GENERATED BY DEFAULT AS IDENTITY/, /GENERATED ALWAYS AS \(lower\(email::text\)\) STORED|GENERATED ALWAYS AS \(lower\(\(email\)::text\)\) STORED/,
    /ALTER TABLE posts ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY \(user_id\) REFERENCES users\(id\) ON DELETE CASCADE;/,
    /CREATE INDEX posts_title_lower ON posts USING btree \(lower\(title\)\) WHERE published;/, /CREATE VIEW published_posts AS/, /CREATE MATERIALIZED VIEW/,
    /CREATE OR REPLACE FUNCTION touch\(\)/, /CREATE OR REPLACE PROCEDURE/, /CREATE TRIGGER posts_touch BEFORE INSERT OR UPDATE ON posts/, /SET check_function_bodies = false;/,
    /COMMENT ON TABLE users IS 'People who sign in';\nCOMMENT ON COLUMN users\.email IS 'Unique, case-insensitive';/,
  ],
  mysql: [
    /CREATE TABLE `users`/, /CHECK \(`age` >= 0\)/, /ALTER TABLE `posts` ADD CONSTRAINT `posts_user` FOREIGN KEY/, /KEY `posts_title` \(`title`\(20\)\)/,
    /CREATE VIEW `published_posts` AS select/, /DELIMITER ;;\nCREATE PROCEDURE `publish_all`/, /CREATE FUNCTION `twice`/, /CREATE TRIGGER posts_trim/, /CREATE EVENT `purge_drafts`/,
  ],
};

describe('dump on postgres with --schema', { skip: notListed('postgres') }, () => {
  test("dumps the configured schema alone, without its name, and it loads into another database's public schema", async () => {
    const { freshPostgres, pgClient } = await import('../support/postgres.js');
    const source = await freshPostgres();
    const target = await freshPostgres();
    const p = project({});
    try {
      const client = await pgClient(source.database);
      try {
        await client.query(`CREATE SCHEMA app; CREATE TABLE public.elsewhere (id int);
          CREATE TABLE app.users (id serial PRIMARY KEY, email text NOT NULL);
          CREATE INDEX users_email ON app.users (lower(email));
          CREATE FUNCTION app.norm(t text) RETURNS text LANGUAGE sql AS $$ SELECT lower(t) $$;
          CREATE VIEW app.emails AS SELECT app.norm(email) AS email FROM app.users;
          CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
          CREATE TRIGGER users_touch BEFORE INSERT ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();`);
      } finally {
        await client.end();
      }
      const r = await strata(['dump', '--db', source.url, '--schema', 'app', '--lock', 'lease'], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /elsewhere|\bapp\./);
      assert.match(r.stdout, /CREATE INDEX users_email ON users USING btree \(lower\(email\)\);/);
      assert.match(r.stdout, /CREATE TRIGGER users_touch BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION touch\(\);/);
      p.write('migrations/001_schema.sql', r.stdout);
      const up = await strata(['up', '--db', target.url], { cwd: p.dir });
      assert.equal(up.code, 0, up.stderr);
      const again = await strata(['dump', '--db', target.url], { cwd: p.dir });
      assert.equal(again.stdout, r.stdout);
    } finally {
      await source.drop();
      await target.drop();
      p.cleanup();
    }
  });
});

describe('dump on mysql as a user who cannot see a definition', { skip: notListed('mysql') }, () => {
  test('is exit 2 naming the object and the privileges to grant, never a dump without it', async () => {
    const { freshMysql, mysqlConnection } = await import('../support/mysql.js');
    const db = await freshMysql();
    const user = `strata_dump_${process.pid}`;
    const p = project({});
    const admin = await mysqlConnection(db.database);
    try {
      await admin.query('CREATE TABLE t (id INT PRIMARY KEY)');
      await admin.query('CREATE VIEW v AS SELECT id FROM t');
      await admin.query(`CREATE USER '${user}'@'%'`);
      await admin.query(`GRANT SELECT ON \`${db.database}\`.* TO '${user}'@'%'`);
      const url = new URL(db.url);
      url.username = user;
      const r = await strata(['dump', '--db', url.toString()], { cwd: p.dir });
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^error: cannot dump view v: .*denied/m);
      assert.match(r.stderr, /^hint: dump as a user that may see every definition \(SHOW VIEW/m);
    } finally {
      await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await admin.end();
      await db.drop();
      p.cleanup();
    }
  });
});
