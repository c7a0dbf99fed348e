/**
 * Sessions behave like the dialect's own client (§2): on MySQL/MariaDB the server's default
 * sql_mode and its collation for utf8mb4, no client-library flag; and `initSql` runs on each
 * connection before migrating, on every dialect.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import mysql2 from 'mysql2/promise';
import { ConfigError, migrate } from '../../src/index.js';
import { MYSQL_SERVER_URL, freshMysql, mysqlConnection } from '../support/mysql.js';
import { freshPostgres, pgClient } from '../support/postgres.js';
import { project, strata } from '../support/project.js';
import { notListed } from '../support/dialects.js';

/** Runs SQL through the `mysql` command-line client, as a user of the reference client would. */
function mysqlClient(database: string, sql: string): void {
  const server = new URL(MYSQL_SERVER_URL);
  const args = ['-h', server.hostname, '-P', server.port || '3306', '-u', decodeURIComponent(server.username), '--default-character-set=utf8mb4', database, '-e', sql];
  const env = { ...process.env, ...(server.password ? { MYSQL_PWD: decodeURIComponent(server.password) } : {}) };
  const r = spawnSync('mysql', args, { encoding: 'utf8', env });
  assert.equal(r.status, 0, `mysql ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
}

describe('MySQL/MariaDB sessions are the mysql client\'s', { skip: notListed('mysql') }, () => {
  test('CREATE TABLE count (i INT) applies: no IGNORE_SPACE', async () => {
    const database = await freshMysql();
    const p = project({ '001_count.sql': 'CREATE TABLE count (i INT);\nINSERT INTO count (i) VALUES (1);\n' });
    try {
      const r = await strata(['up', '--db', database.url], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      const connection = await mysqlConnection(database.database);
      try {
        const [rows] = await connection.query('SELECT i FROM `count`');
        assert.deepEqual(rows, [{ i: 1 }]);
      } finally {
        await connection.end();
      }
    } finally {
      p.cleanup();
      await database.drop();
    }
  });

  test('library: a mysql2 pool of the application (IGNORE_SPACE by default) applies CREATE TABLE count too, and gets its sql_mode back', async () => {
    const database = await freshMysql();
    const p = project({ '001_count.sql': 'CREATE TABLE count (i INT);\n' });
    const pool = mysql2.createPool({ uri: database.url, connectionLimit: 1 });
    try {
      const [[before]] = (await pool.query('SELECT @@SESSION.sql_mode AS m')) as unknown as [{ m: string }[]];
      assert.match(before!.m, /IGNORE_SPACE/, "mysql2's default");
      const result = await migrate({ db: pool, dir: p.migrations });
      assert.deepEqual(result.applied, ['001']);
      const [[after]] = (await pool.query('SELECT @@SESSION.sql_mode AS m')) as unknown as [{ m: string }[]];
      assert.equal(after!.m, before!.m, 'the pooled connection is given back as it was');
    } finally {
      await pool.end();
      p.cleanup();
      await database.drop();
    }
  });

  test('a procedure created by strata records the sql_mode and collations of one created by the mysql client', async () => {
    const database = await freshMysql();
    const p = project({ '001_proc.sql': 'CREATE PROCEDURE by_strata() SELECT 1;\n' });
    try {
      const r = await strata(['up', '--db', database.url], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      mysqlClient(database.database, 'CREATE PROCEDURE by_client() SELECT 1');
      const connection = await mysqlConnection(database.database);
      try {
        const [rows] = await connection.query(
          'SELECT ROUTINE_NAME AS name, SQL_MODE AS sqlMode, CHARACTER_SET_CLIENT AS charset, COLLATION_CONNECTION AS collation, DATABASE_COLLATION AS databaseCollation FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_NAME',
          [database.database],
        );
        const [client, strataRow] = rows as Record<string, string>[];
        assert.equal(client!.name, 'by_client');
        assert.deepEqual({ ...strataRow, name: 'by_client' }, client);
        assert.doesNotMatch(strataRow!.sqlMode!, /IGNORE_SPACE/);
        const [[serverDefault]] = (await connection.query("SELECT COLLATION_NAME AS c FROM information_schema.COLLATIONS WHERE CHARACTER_SET_NAME = 'utf8mb4' AND IS_DEFAULT = 'Yes'")) as unknown as [{ c: string }[]];
        assert.equal(strataRow!.collation, serverDefault!.c, "the server's collation for utf8mb4");
        const [[global]] = (await connection.query('SELECT @@GLOBAL.sql_mode AS m')) as unknown as [{ m: string }[]];
        assert.equal(strataRow!.sqlMode, global!.m, "the server's default sql_mode");
      } finally {
        await connection.end();
      }
    } finally {
      p.cleanup();
      await database.drop();
    }
  });
});

describe('initSql runs on each connection before migrating', () => {
  test('mysql: SET FOREIGN_KEY_CHECKS = 0 (config, one statement) lets a child table name a parent created later', { skip: notListed('mysql') }, async () => {
    const database = await freshMysql();
    const p = project({
      '001_child.sql': 'CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, FOREIGN KEY (parent_id) REFERENCES parent (id));\nINSERT INTO child VALUES (1, 7);\n',
      '002_parent.sql': 'CREATE TABLE parent (id INT PRIMARY KEY);\nCREATE TABLE seen AS SELECT @@SESSION.foreign_key_checks AS fk;\n',
    });
    try {
      const without = await strata(['up', '--db', database.url], { cwd: p.dir });
      assert.equal(without.code, 1, 'without initSql the foreign key is checked');
      assert.equal((await strata(['repair', '--rolled-back', '001', '--yes', '--db', database.url], { cwd: p.dir })).code, 0);
      p.write('strata.config.json', JSON.stringify({ initSql: 'SET FOREIGN_KEY_CHECKS = 0' }));
      const r = await strata(['up', '--db', database.url], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      const connection = await mysqlConnection(database.database);
      try {
        const [rows] = await connection.query('SELECT fk FROM seen');
        assert.deepEqual(rows, [{ fk: 0 }]);
      } finally {
        await connection.end();
      }
    } finally {
      p.cleanup();
      await database.drop();
    }
  });

  test('postgres: a list of statements (config) runs before the session is read; the migration sees them', { skip: notListed('postgres') }, async () => {
    const database = await freshPostgres();
    const p = project({ '001_seen.sql': "CREATE TABLE seen AS SELECT current_setting('strata_test.flag') AS flag, current_schema() AS schema;\n" });
    try {
      const client = await pgClient(database.database);
      await client.query('CREATE SCHEMA app');
      await client.end();
      p.write('strata.config.json', JSON.stringify({ initSql: ["SET strata_test.flag = 'on'", 'SET search_path = app'] }));
      const r = await strata(['up', '--db', database.url], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      const check = await pgClient(database.database);
      try {
        const { rows } = await check.query('SELECT flag, schema FROM app.seen');
        assert.deepEqual(rows, [{ flag: 'on', schema: 'app' }]);
        const tracking = await check.query("SELECT table_schema FROM information_schema.tables WHERE table_name = 'strata_migrations'");
        assert.deepEqual(tracking.rows, [{ table_schema: 'app' }], 'the tracking table follows the search_path initSql set');
      } finally {
        await check.end();
      }
    } finally {
      p.cleanup();
      await database.drop();
    }
  });

  test('sqlite: several statements in one string (library option) run on the connection', async () => {
    const p = project({ '001_seen.sql': 'CREATE TABLE seen AS SELECT (SELECT recursive_triggers FROM pragma_recursive_triggers) AS rt, (SELECT v FROM temp.marker) AS v;\n' });
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      const result = await migrate({ db, dir: p.migrations, initSql: 'PRAGMA recursive_triggers = ON; CREATE TEMP TABLE marker AS SELECT 42 AS v;' });
      assert.deepEqual(result.applied, ['001']);
      const sqlite = new Database(join(p.dir, 'app.db'));
      try {
        assert.deepEqual(sqlite.prepare('SELECT rt, v FROM seen').all(), [{ rt: 1, v: 42 }]);
      } finally {
        sqlite.close();
      }
    } finally {
      p.cleanup();
    }
  });

  test('a failing initSql statement is exit 2 (config) naming it; nothing is migrated', async () => {
    const p = project({ '001_a.sql': 'CREATE TABLE a (id INTEGER);\n' });
    try {
      p.write('strata.config.json', JSON.stringify({ db: 'sqlite:./app.db', initSql: ['PRAGMA foreign_keys = ON', 'SELEC 1'] }));
      const r = await strata(['up', '--json'], { cwd: p.dir });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.json().error.code, 'config');
      assert.match(r.stderr, /^error: initSql statement failed: SELEC 1: /m);
      await assert.rejects(
        migrate({ db: `sqlite:${join(p.dir, 'lib.db')}`, dir: p.migrations, initSql: [42 as unknown as string] }),
        (error: unknown) => error instanceof ConfigError && /initSql must be a SQL statement or a list of them/.test(error.message),
      );
    } finally {
      p.cleanup();
    }
  });
});
