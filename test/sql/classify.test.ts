import { describe, it } from 'node:test';
import { SYNTAX } from '../support/syntax.js';
import assert from 'node:assert/strict';
import {
  findDestructive,
  cannotRunInTransaction,
  isConcurrently,
  isCopyFromStdin,
  isPsqlMetaCommand,
  isTransactionControl,
  tableOfStatement,
} from '../../src/sql/classify.js';
import { splitStatements } from '../../src/sql/split.js';

describe('isTransactionControl', () => {
  const control = [
    'BEGIN',
    'begin;',
    'BEGIN TRANSACTION',
    'BEGIN WORK',
    'BEGIN IMMEDIATE TRANSACTION',
    'BEGIN EXCLUSIVE',
    'BEGIN ISOLATION LEVEL SERIALIZABLE',
    'BEGIN READ ONLY',
    'BEGIN NOT DEFERRABLE',
    'START TRANSACTION',
    'start transaction read only',
    'COMMIT',
    'COMMIT WORK',
    'COMMIT AND CHAIN',
    'END',
    'END TRANSACTION',
    'ROLLBACK',
    'ROLLBACK TO SAVEPOINT s1',
    'rollback to s1',
    'ABORT',
    "PREPARE TRANSACTION 'tx1'",
    "COMMIT PREPARED 'tx1'",
    "XA START 'x'",
  ];
  for (const text of control) {
    it(`recognises ${JSON.stringify(text)}`, () => {
      assert.equal(isTransactionControl(text, SYNTAX.postgres), true);
    });
  }

  it('ignores leading comments, in the dialect given', () => {
    assert.equal(isTransactionControl('-- finish\n/* now */ COMMIT', SYNTAX.postgres), true);
    assert.equal(isTransactionControl('# finish\nCOMMIT', SYNTAX.mysql), true);
  });

  const notControl = [
    'CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END',
    'BEGIN ATOMIC SELECT 1; END',
    'BEGIN NOT ATOMIC SELECT 1; END',
    'BEGIN SELECT 1; END',
    "SELECT 'BEGIN'",
    'SELECT begin_date FROM t',
    'SAVEPOINT s1',
    'RELEASE SAVEPOINT s1',
    'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
    "PREPARE q AS SELECT 1",
    'START SLAVE',
    '-- COMMIT\nSELECT 1',
    '"begin"',
  ];
  for (const text of notControl) {
    it(`does not take ${JSON.stringify(text)} for transaction control`, () => {
      assert.equal(isTransactionControl(text, SYNTAX.postgres), false);
    });
  }

  it('sees through the splitter: a trigger body is not, a BEGIN before it is', () => {
    const statements = splitStatements('BEGIN;\nCREATE TRIGGER t AFTER INSERT ON x BEGIN DELETE FROM y; END;\nCOMMIT;', SYNTAX.sqlite);
    assert.deepEqual(
      statements.map((statement) => isTransactionControl(statement.text, SYNTAX.sqlite)),
      [true, false, true],
    );
  });
});

describe('isPsqlMetaCommand', () => {
  it('recognises lines starting with a backslash', () => {
    assert.equal(isPsqlMetaCommand('\\connect app'), true);
    assert.equal(isPsqlMetaCommand('  \\i other.sql'), true);
    assert.equal(isPsqlMetaCommand('\\.'), true);
  });

  it('does not take other statements for meta-commands', () => {
    assert.equal(isPsqlMetaCommand("SELECT '\\connect'"), false);
    assert.equal(isPsqlMetaCommand('SELECT 1'), false);
  });
});

describe('isCopyFromStdin', () => {
  it('recognises COPY … FROM STDIN in any case', () => {
    assert.equal(isCopyFromStdin('COPY users FROM stdin', SYNTAX.postgres), true);
    assert.equal(isCopyFromStdin('copy public.users (id, name) from STDIN with (format csv)', SYNTAX.postgres), true);
    assert.equal(isCopyFromStdin('/* load */ COPY t FROM stdin', SYNTAX.postgres), true);
  });

  it('does not take other COPY forms or mentions of stdin for it', () => {
    assert.equal(isCopyFromStdin("COPY users FROM '/tmp/users.csv'", SYNTAX.postgres), false);
    assert.equal(isCopyFromStdin('COPY users TO STDOUT', SYNTAX.postgres), false);
    assert.equal(isCopyFromStdin("SELECT 'COPY t FROM stdin'", SYNTAX.postgres), false);
    assert.equal(isCopyFromStdin("COPY t FROM '/x' WHERE note = 'from stdin'", SYNTAX.postgres), false);
  });
});

describe('isConcurrently', () => {
  const concurrent = [
    'CREATE INDEX CONCURRENTLY users_email ON users (email)',
    'create unique index concurrently if not exists u ON t (a)',
    'DROP INDEX CONCURRENTLY IF EXISTS users_email',
    'REINDEX INDEX CONCURRENTLY users_email',
    'REINDEX (VERBOSE, CONCURRENTLY) TABLE users',
    'REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals',
    'ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY',
    '-- build without blocking writes\nCREATE INDEX CONCURRENTLY i ON t (a)',
  ];
  for (const text of concurrent) {
    it(`recognises ${JSON.stringify(text)}`, () => {
      assert.equal(isConcurrently(text, SYNTAX.postgres), true);
    });
  }

  const blocking = [
    'CREATE INDEX users_email ON users (email)',
    'DROP INDEX users_email',
    'REINDEX TABLE users',
    'REFRESH MATERIALIZED VIEW daily_totals',
    'ALTER TABLE measurements DETACH PARTITION measurements_2020',
    "CREATE INDEX i ON t (a) WHERE note <> 'CONCURRENTLY'",
    'CREATE TABLE concurrently (id INT)',
  ];
  for (const text of blocking) {
    it(`does not take ${JSON.stringify(text)} for a concurrent statement`, () => {
      assert.equal(isConcurrently(text, SYNTAX.postgres), false);
    });
  }
});

describe('findDestructive', () => {
  it('flags DROP TABLE, naming the table', () => {
    assert.deepEqual(findDestructive('DROP TABLE IF EXISTS public.users', SYNTAX.postgres), {
      code: 'drop-table',
      message: 'DROP TABLE public.users deletes the table and every row in it',
    });
  });

  it('flags ALTER TABLE … DROP COLUMN, naming table and column', () => {
    assert.deepEqual(findDestructive('ALTER TABLE users DROP COLUMN email', SYNTAX.sqlite), {
      code: 'drop-column',
      message: 'ALTER TABLE users drops column email and its data',
    });
  });

  it('flags a DROP without COLUMN among several ALTER TABLE actions (MySQL, PostgreSQL)', () => {
    assert.equal(findDestructive('ALTER TABLE `users` ADD COLUMN a INT, DROP `legacy`', SYNTAX.mysql)?.message, 'ALTER TABLE users drops column legacy and its data');
    assert.equal(findDestructive('ALTER TABLE ONLY users DROP IF EXISTS "Legacy" CASCADE', SYNTAX.postgres)?.message, 'ALTER TABLE users drops column Legacy and its data');
  });

  it('does not flag ALTER TABLE drops that remove no column data', () => {
    assert.equal(findDestructive('ALTER TABLE users DROP CONSTRAINT users_email_key', SYNTAX.postgres), null);
    assert.equal(findDestructive('ALTER TABLE users ALTER COLUMN email DROP NOT NULL, ALTER COLUMN name DROP DEFAULT', SYNTAX.postgres), null);
    assert.equal(findDestructive('ALTER TABLE users DROP INDEX i, DROP PRIMARY KEY, DROP FOREIGN KEY fk', SYNTAX.mysql), null);
    assert.equal(findDestructive('ALTER TABLE users ADD COLUMN dropped BOOLEAN', SYNTAX.postgres), null);
  });

  it('flags TRUNCATE', () => {
    assert.deepEqual(findDestructive('TRUNCATE TABLE sessions', SYNTAX.postgres), { code: 'truncate', message: 'TRUNCATE sessions deletes every row' });
  });

  it('flags DELETE and UPDATE without a WHERE clause', () => {
    assert.deepEqual(findDestructive('DELETE FROM sessions', SYNTAX.postgres), {
      code: 'delete-without-where',
      message: 'DELETE from sessions has no WHERE clause: it deletes every row',
    });
    assert.deepEqual(findDestructive("UPDATE users SET plan = 'free'", SYNTAX.postgres), {
      code: 'update-without-where',
      message: 'UPDATE of users has no WHERE clause: it changes every row',
    });
  });

  it('does not count a WHERE inside a subquery, string or comment', () => {
    assert.equal(findDestructive('UPDATE users SET plan = (SELECT p FROM plans WHERE id = 1)', SYNTAX.postgres)?.code, 'update-without-where');
    assert.equal(findDestructive("DELETE FROM t -- WHERE id = 1\n", SYNTAX.postgres)?.code, 'delete-without-where');
    assert.equal(findDestructive("UPDATE t SET note = ' WHERE '", SYNTAX.postgres)?.code, 'update-without-where');
    assert.equal(findDestructive("UPDATE t SET note = 'it\\'s WHERE' # WHERE", SYNTAX.mysql)?.code, 'update-without-where');
  });

  it('does not flag DELETE or UPDATE with a WHERE clause', () => {
    assert.equal(findDestructive('DELETE FROM sessions WHERE expires_at < now()', SYNTAX.postgres), null);
    assert.equal(findDestructive("UPDATE users SET plan = 'free' WHERE plan IS NULL", SYNTAX.postgres), null);
    assert.equal(findDestructive('WITH old AS (SELECT id FROM s) DELETE FROM s WHERE id IN (SELECT id FROM old)', SYNTAX.postgres), null);
    assert.equal(findDestructive("UPDATE t SET note = 'it\\'s' WHERE id = 1", SYNTAX.mysql), null);
  });

  it('flags a DELETE after a WITH clause whose only WHERE is in the CTE', () => {
    assert.equal(findDestructive('WITH x AS (SELECT 1 WHERE true) DELETE FROM s', SYNTAX.postgres)?.message, 'DELETE from s has no WHERE clause: it deletes every row');
  });

  it('does not flag statements that only mention destructive words', () => {
    assert.equal(findDestructive('INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = 2', SYNTAX.mysql), null);
    assert.equal(findDestructive("INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 2", SYNTAX.postgres), null);
    assert.equal(findDestructive("SELECT 'DROP TABLE users'", SYNTAX.postgres), null);
    assert.equal(findDestructive('DROP INDEX users_email', SYNTAX.postgres), null);
    assert.equal(findDestructive('CREATE TRIGGER t AFTER INSERT ON x BEGIN DELETE FROM y; END', SYNTAX.sqlite), null);
  });
});

describe('tableOfStatement', () => {
  const cases: ReadonlyArray<readonly [string, string | null]> = [
    ['ALTER TABLE users ADD COLUMN email TEXT', 'users'],
    ['ALTER TABLE IF EXISTS ONLY public.users ADD COLUMN email TEXT', 'public.users'],
    ['ALTER TABLE "My Schema"."Odd ""Name""" ADD x INT', 'My Schema.Odd "Name"'],
    ['CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON public.users (email)', 'public.users'],
    ['CREATE UNIQUE INDEX ON users USING btree (email)', 'users'],
    ['DROP TABLE IF EXISTS old_users CASCADE', 'old_users'],
    ['LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE', 'accounts'],
    ['LOCK accounts', 'accounts'],
    ['TRUNCATE TABLE ONLY sessions', 'sessions'],
    ['INSERT INTO audit (a) VALUES (1)', 'audit'],
    ['INSERT OR REPLACE INTO settings VALUES (1)', 'settings'],
    ['UPDATE ONLY users SET a = 1', 'users'],
    ['UPDATE OR IGNORE users SET a = 1', 'users'],
    ['DELETE FROM ONLY sessions WHERE id = 1', 'sessions'],
    ['WITH gone AS (SELECT 1) DELETE FROM sessions', 'sessions'],
    ['SELECT * FROM users', null],
    ['CREATE TABLE users (id INT)', null],
    ['DROP INDEX users_email', null],
  ];
  for (const [text, table] of cases) {
    it(`finds ${JSON.stringify(table)} in ${JSON.stringify(text)}`, () => {
      assert.equal(tableOfStatement(text, SYNTAX.postgres), table);
    });
  }

  it('unquotes MySQL backticks and SQLite brackets', () => {
    assert.equal(tableOfStatement('ALTER IGNORE TABLE `shop`.`orders` ADD INDEX (a)', SYNTAX.mysql), 'shop.orders');
    assert.equal(tableOfStatement('DELETE LOW_PRIORITY FROM `orders`', SYNTAX.mysql), 'orders');
    assert.equal(tableOfStatement('LOCK TABLES orders WRITE, items READ', SYNTAX.mysql), 'orders');
    assert.equal(tableOfStatement('REPLACE INTO kv VALUES (1)', SYNTAX.mysql), 'kv');
    assert.equal(tableOfStatement('UPDATE [order items] SET n = 1', SYNTAX.sqlite), 'order items');
  });
});

describe('cannotRunInTransaction (issue 13, defect 10)', () => {
  const postgres: [string, boolean][] = [
    ['CREATE INDEX CONCURRENTLY users_email ON users (email)', true],
    ['create unique index concurrently if not exists u ON users (email)', true],
    ['DROP INDEX CONCURRENTLY IF EXISTS users_email', true],
    ['REINDEX INDEX CONCURRENTLY users_email', true],
    ['REINDEX (VERBOSE) TABLE CONCURRENTLY users', true],
    ['REINDEX DATABASE app', true],
    ['REINDEX (VERBOSE) SYSTEM app', true],
    ['ALTER TABLE t DETACH PARTITION t_2020 CONCURRENTLY', true],
    ['VACUUM', true],
    ['VACUUM (ANALYZE) users', true],
    ['CREATE DATABASE other', true],
    ['DROP DATABASE IF EXISTS other', true],
    ['CREATE TABLESPACE fast LOCATION \'/ssd\'', true],
    ['ALTER SYSTEM SET work_mem = \'64MB\'', true],
    ['CREATE INDEX users_email ON users (email)', false],
    ['REINDEX TABLE users', false],
    ['REFRESH MATERIALIZED VIEW CONCURRENTLY totals', false],
    ["ALTER TYPE mood ADD VALUE 'meh'", false],
    ["INSERT INTO notes VALUES ('VACUUM')", false],
    ['/* VACUUM */ SELECT 1', false],
    ['ANALYZE users', false],
  ];
  for (const [text, expected] of postgres) {
    it(`PostgreSQL: ${expected ? 'refuses' : 'allows'} ${text}`, () => {
      assert.equal(cannotRunInTransaction(text, SYNTAX.postgres), expected);
    });
  }

  it('SQLite: VACUUM (also VACUUM INTO) only', () => {
    assert.equal(cannotRunInTransaction('VACUUM', SYNTAX.sqlite), true);
    assert.equal(cannotRunInTransaction("vacuum INTO 'copy.db'", SYNTAX.sqlite), true);
    assert.equal(cannotRunInTransaction('CREATE INDEX CONCURRENTLY i ON t (a)', SYNTAX.sqlite), false);
    assert.equal(cannotRunInTransaction('CREATE DATABASE x', SYNTAX.sqlite), false);
  });

  it('MySQL: nothing (its DDL commits implicitly; strata never wraps it)', () => {
    assert.equal(cannotRunInTransaction('CREATE DATABASE x', SYNTAX.mysql), false);
  });
});
