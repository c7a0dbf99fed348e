/**
 * A DDL lock-wait failure tells the user how to find the session holding the lock in their
 * own database's terms, and only those: the driver supplies the text (issue 14).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MigrationError, migrate } from '../../src/index.js';
import { allDialects, notListed } from '../support/dialects.js';
import { freshMysql, mysqlConnection } from '../support/mysql.js';
import { freshPostgres, pgClient } from '../support/postgres.js';
import { project } from '../support/project.js';

interface Holder {
  readonly url: string;
  hold(): Promise<void>;
  close(): Promise<void>;
}

const SERVERS: Record<string, { own: RegExp; other: RegExp; open(): Promise<Holder> }> = {
  postgres: {
    own: /pg_stat_activity/,
    other: /PROCESSLIST/,
    async open() {
      const db = await freshPostgres();
      const client = await pgClient(db.database);
      return {
        url: db.url,
        async hold() {
          await client.query('BEGIN');
          await client.query('LOCK TABLE t IN ACCESS SHARE MODE');
        },
        async close() {
          await client.end();
          await db.drop();
        },
      };
    },
  },
  mysql: {
    own: /SHOW PROCESSLIST/,
    other: /pg_stat_activity/,
    async open() {
      const db = await freshMysql();
      const connection = await mysqlConnection(db.database);
      return {
        url: db.url,
        async hold() {
          // A read in an open transaction holds t's metadata lock until the transaction ends.
          await connection.query('START TRANSACTION');
          await connection.query('SELECT COUNT(*) FROM t');
        },
        async close() {
          await connection.end();
          await db.drop();
        },
      };
    },
  },
};

for (const dialect of allDialects()) {
  const server = SERVERS[dialect.name];
  if (server === undefined) continue;
  describe(`the ddl-lock-timeout hint (${dialect.name})`, { skip: notListed(dialect.name) }, () => {
    test('names this database\'s way to find the lock holder, not another\'s', { timeout: 60_000 }, async () => {
      const holder = await server.open();
      const p = project({
        '001_create_t.sql': 'CREATE TABLE t (id INT PRIMARY KEY);\n',
        '002_add_note.sql': 'ALTER TABLE t ADD COLUMN note VARCHAR(20);\n',
      });
      try {
        await migrate({ db: holder.url, dir: p.migrations, target: '001' });
        await holder.hold();
        const failure = await migrate({ db: holder.url, dir: p.migrations, ddlLockTimeout: 1, ddlRetries: 0 }).then(
          () => assert.fail('migrate should fail on the held lock'),
          (error: unknown) => error,
        );
        assert.ok(failure instanceof MigrationError, String(failure));
        assert.equal(failure.code, 'ddl-lock-timeout');
        assert.match(failure.hint ?? '', /another session holds a lock on t/);
        assert.match(failure.hint ?? '', server.own);
        assert.doesNotMatch(failure.hint ?? '', server.other);
      } finally {
        p.cleanup();
        await holder.close();
      }
    });
  });
}
