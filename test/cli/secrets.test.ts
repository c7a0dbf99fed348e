/** Passwords in URLs never appear in any output, error, log line or JSON (§5). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { createMigrator, migrate, MigrationError } from '../../src/index.js';
import { freshMysql, mysqlConnection } from '../support/mysql.js';
import { freshPostgres, pgClient } from '../support/postgres.js';
import { project, strata, type CliResult } from '../support/project.js';
import { notListed } from '../support/dialects.js';

const SECRET = 'Sup3rS3cretPw';
/** Every character that has a meaning in a URL, written unencoded as users do. */
const SPECIAL = `p@ss:w/o#r?d%&=+ $!'"\\`;

/** No form of `password` (as written, decoded pieces, percent-encoded, JSON-escaped) in `text`. */
function assertNoPassword(text: string, password: string, where: string): void {
  const forms = [password, encodeURIComponent(password), JSON.stringify(password).slice(1, -1)];
  // Pieces between the URL's special characters, long enough to be the password's own.
  const pieces = password.split(/[@:/#?%&=+ $!'"\\]/).filter((piece) => piece.length >= 3);
  for (const form of [...forms, ...pieces, 'ss:w/o', 'o#r?d']) {
    assert.ok(!text.includes(form), `${where}: "${form}" appears in:\n${text}`);
  }
}

function assertClean(r: CliResult, password: string, where: string): void {
  assertNoPassword(r.stdout + r.stderr, password, where);
}

/** The URL as users write it: the password not encoded at all. */
function withPassword(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${user}:${password}@${parsed.host}${parsed.pathname}`;
}

describe('passwords never appear', () => {
  const urls = [
    `postgres://strata_nobody:${SECRET}@127.0.0.1:1/nodb`,
    `postgresql://postgres:${SECRET}@127.0.0.1:5432/strata_no_such_database_x`,
    `mysql://strata_nobody:${SECRET}@127.0.0.1:1/nodb`,
    `mysql://strata_nobody:${SECRET}@127.0.0.1:3306/test`,
    `mariadb://root:${SECRET}@127.0.0.1:1/nodb`,
  ];
  for (const url of urls) {
    // The ports of the machine's servers reach them: those tests need the server listed.
    const skip = { '5432': notListed('postgres'), '3306': notListed('mysql') }[new URL(url).port] ?? false;
    test(`${url.split(':')[0]} connection failure (${new URL(url).port}): exit 2, no password in stdout or stderr`, { skip }, async () => {
      const p = project({ '001_a.sql': 'CREATE TABLE a (id INTEGER);\n' });
      try {
        const up = await strata(['up', '--db', url, '--json'], { cwd: p.dir, timeoutMs: 30_000 });
        assert.equal(up.code, 2, up.stderr);
        assert.match(up.stderr, /^error: /m);
        assert.equal(up.json().error.code, 'connection-failed');
        // A read of a database that does not exist sees nothing applied (exit 0); an unreachable server is exit 2.
        const status = await strata(['status', '--db', url, '--json'], { cwd: p.dir, timeoutMs: 30_000 });
        assert.ok(status.code === 0 || status.code === 2, status.stderr);
        for (const r of [up, status]) {
          assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET));
          assert.doesNotMatch(r.stdout + r.stderr, new RegExp(encodeURIComponent(SECRET)));
        }
      } finally {
        p.cleanup();
      }
    });
  }

  for (const [scheme, port] of [['postgres', 1], ['mysql', 1], ['mariadb', 1]] as const) {
    test(`${scheme}: a password with every special character, unencoded, is parsed as meant and never echoed (connection refused)`, async () => {
      const p = project({ '001_a.sql': 'CREATE TABLE a (id INTEGER);\n' });
      try {
        const url = `${scheme}://strata_nobody:${SPECIAL}@127.0.0.1:${port}/nodb`;
        for (const args of [['up', '--db', url], ['up', '--db', url, '--json'], ['status', '--db', url, '--json'], ['history', '--db', url]]) {
          const r = await strata(args, { cwd: p.dir, timeoutMs: 30_000 });
          assert.equal(r.code, 2, r.stderr);
          // Parsed the way the user meant: the host is 127.0.0.1, not a piece of the password.
          assert.match(r.stderr, /^error: cannot connect to \w+:\/\/strata_nobody:\*\*\*@127\.0\.0\.1:1\/nodb/m);
          assertClean(r, SPECIAL, args.join(' '));
        }
        const fromEnv = await strata(['up', '--json'], { cwd: p.dir, env: { DATABASE_URL: url }, timeoutMs: 30_000 });
        assert.equal(fromEnv.json().error.code, 'connection-failed');
        assertClean(fromEnv, SPECIAL, 'DATABASE_URL');
        const encoded = await strata(['up', '--db', `${scheme}://strata_nobody:${encodeURIComponent(SPECIAL)}@127.0.0.1:${port}/nodb`], { cwd: p.dir, timeoutMs: 30_000 });
        assert.equal(encoded.code, 2);
        assertClean(encoded, SPECIAL, 'percent-encoded');
      } finally {
        p.cleanup();
      }
    });
  }

  test('a URL that cannot be parsed at all is refused without its password', async () => {
    const p = project({ '001_a.sql': 'CREATE TABLE a (id INTEGER);\n' });
    try {
      const r = await strata(['status', '--db', `postgres://u:${SPECIAL}@bad host name/db`], { cwd: p.dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^error: bad database URL/m);
      assertClean(r, SPECIAL, 'bad URL');
    } finally {
      p.cleanup();
    }
  });

  test('postgres: an error text holding the URL is stored and shown redacted (log, dirty row, history, status, --json, db.log)', { skip: notListed('postgres') }, async () => {
    const database = await freshPostgres();
    const p = project({
      // A failed transactional migration: only a `failed` log row, its error quoting the URL.
      '001_quote.mjs': 'export async function up(db) { db.log("connecting to", process.env.DATABASE_URL); await db.exec(`SELECT $q$${process.env.DATABASE_URL}$q$::int`); }\n',
    });
    try {
      // trust authentication: the password is accepted, so the URL must reach pg intact.
      const url = withPassword(database.url, 'postgres', SPECIAL);
      const env = { DATABASE_URL: url };
      const up = await strata(['up'], { cwd: p.dir, env });
      assert.equal(up.code, 1, up.stderr);
      assert.match(up.stderr, /001_quote\.mjs failed/);
      assert.match(up.stderr, /connecting to postgres:\/\/postgres:\*\*\*@/, 'db.log printed, redacted');
      assertClean(up, SPECIAL, 'up');
      const upJson = await strata(['up', '--json'], { cwd: p.dir, env });
      assert.equal(upJson.json().error.code, 'migration-failed');
      assertClean(upJson, SPECIAL, 'up --json');

      // A failed non-transactional one: its row stays dirty with the error.
      p.remove('migrations/001_quote.mjs');
      p.write('migrations/001_dirty.mjs', 'export const transaction = false;\nexport async function up(db) { await db.exec("CREATE TABLE t1 (i int)"); await db.exec(`SELECT $q$${process.env.DATABASE_URL}$q$::int`); }\n');
      const dirty = await strata(['up', '--json'], { cwd: p.dir, env });
      assert.equal(dirty.code, 1, dirty.stderr);
      assertClean(dirty, SPECIAL, 'dirty up');

      const client = await pgClient(database.database);
      try {
        const log = await client.query('SELECT error FROM strata_migrations_log WHERE status = $1', ['failed']);
        assert.equal(log.rows.length, 3);
        for (const row of log.rows) {
          assert.match(row.error, /postgres:\/\/postgres:\*\*\*@/);
          assertNoPassword(row.error, SPECIAL, 'strata_migrations_log.error');
        }
        const applied = await client.query('SELECT state, error FROM strata_migrations');
        assert.equal(applied.rows[0].state, 'dirty');
        assert.match(applied.rows[0].error, /postgres:\/\/postgres:\*\*\*@/);
        assertNoPassword(applied.rows[0].error, SPECIAL, 'strata_migrations.error');
      } finally {
        await client.end();
      }
      for (const args of [['history'], ['history', '--json'], ['status'], ['status', '--json'], ['status', '--verbose']]) {
        const r = await strata(args, { cwd: p.dir, env });
        assert.equal(r.code, 0, r.stderr);
        assertClean(r, SPECIAL, args.join(' '));
      }
      const history = await strata(['history', '--json'], { cwd: p.dir, env });
      assert.match(history.json().entries[0].error, /\*\*\*/);
    } finally {
      p.cleanup();
      await database.drop();
    }
  });

  test('mysql: a user whose password has every special character connects, and errors quoting the URL are stored redacted', { skip: notListed('mysql') }, async () => {
    const database = await freshMysql();
    const user = `strata_pw_${process.pid}`;
    const admin = await mysqlConnection();
    const p = project({});
    try {
      await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY ?`, [SPECIAL]);
      await admin.query(`GRANT ALL ON \`${database.database}\`.* TO '${user}'@'%'`);
      const url = withPassword(database.url, user, SPECIAL);
      p.write('migrations/001_quote.mjs', [
        'export async function up(db) {',
        '  db.log(process.env.DATABASE_URL);',
        '  await db.exec("CREATE TABLE t1 (i int)");',
        '  throw new Error(`could not reach ${process.env.DATABASE_URL}`);',
        '}',
        '',
      ].join('\n'));
      const env = { DATABASE_URL: url };
      const up = await strata(['up', '--json'], { cwd: p.dir, env });
      assert.equal(up.code, 1, up.stderr);
      assert.match(up.json().error.message, /could not reach mysql:\/\/strata_pw_\d+:\*\*\*@/);
      assertClean(up, SPECIAL, 'up');
      const [rows] = await admin.query(`SELECT error FROM \`${database.database}\`.strata_migrations UNION ALL SELECT error FROM \`${database.database}\`.strata_migrations_log`);
      const errors = (rows as { error: string | null }[]).map((r) => r.error).filter((e): e is string => e !== null);
      assert.ok(errors.length >= 2, JSON.stringify(errors));
      for (const error of errors) assertNoPassword(error, SPECIAL, 'stored error');
      for (const args of [['history', '--json'], ['status'], ['status', '--json']]) {
        const r = await strata(args, { cwd: p.dir, env });
        assertClean(r, SPECIAL, args.join(' '));
      }
    } finally {
      p.cleanup();
      await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await admin.end();
      await database.drop();
    }
  });

  test('library: the thrown error, its cause, the logger and history() carry no password', { skip: notListed('postgres') }, async () => {
    const database = await freshPostgres();
    const p = project({ '001_quote.mjs': 'export async function up(db) { db.log("url", process.env.STRATA_TEST_URL); throw new Error(`cannot reach ${process.env.STRATA_TEST_URL}`); }\n' });
    const url = withPassword(database.url, 'postgres', SPECIAL);
    process.env.STRATA_TEST_URL = url;
    const logged: string[] = [];
    const logger = { info: (m: string) => logged.push(m), error: (m: string) => logged.push(m) };
    const migrator = await createMigrator({ db: url, dir: p.migrations, logger });
    try {
      const error = await migrator.up().then(() => null, (e: unknown) => e);
      assert.ok(error instanceof MigrationError);
      const cause = error.cause as Error;
      assertNoPassword([error.message, error.stack, error.hint, cause.message, cause.stack].join('\n'), SPECIAL, 'thrown error');
      assert.ok(logged.some((line) => line.includes('url postgres://postgres:***@')), logged.join('\n'));
      assertNoPassword(logged.join('\n'), SPECIAL, 'logger');
      const { entries } = await migrator.history();
      assertNoPassword(JSON.stringify(entries), SPECIAL, 'history()');
    } finally {
      delete process.env.STRATA_TEST_URL;
      await migrator.close();
      p.cleanup();
      await database.drop();
    }
  });

  test('library: the password of a pg Pool the application passes is scrubbed like a URL\'s', { skip: notListed('postgres') }, async () => {
    const database = await freshPostgres();
    const p = project({ '001_leak.mjs': 'export async function up() { throw new Error(`login with ${process.env.STRATA_TEST_PW} failed`); }\n' });
    process.env.STRATA_TEST_PW = SPECIAL;
    const pool = new pg.Pool({ connectionString: database.url, password: SPECIAL, max: 2 });
    try {
      const error = await migrate({ db: pool, dir: p.migrations }).then(() => null, (e: unknown) => e);
      assert.ok(error instanceof MigrationError);
      assert.match(error.message, /login with \*\*\* failed/);
      assertNoPassword([error.message, error.stack, (error.cause as Error).message].join('\n'), SPECIAL, 'pool error');
      const client = await pgClient(database.database);
      try {
        const { rows } = await client.query('SELECT error FROM strata_migrations_log');
        assert.match(rows[0].error, /login with \*\*\* failed/);
      } finally {
        await client.end();
      }
    } finally {
      delete process.env.STRATA_TEST_PW;
      await pool.end();
      p.cleanup();
      await database.drop();
    }
  });

  test('PGPASSWORD is never printed either', async () => {
    const p = project({ '001_a.sql': 'CREATE TABLE a (id INTEGER);\n' });
    try {
      const r = await strata(['up', '--db', 'postgres://strata_nobody@127.0.0.1:1/nodb', '--json'], { cwd: p.dir, env: { PGPASSWORD: SPECIAL } });
      assert.equal(r.code, 2);
      assertClean(r, SPECIAL, 'PGPASSWORD');
    } finally {
      p.cleanup();
    }
  });
});
