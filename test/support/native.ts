/**
 * The application's own connection to a test database, for any dialect: what a conformance
 * test needs to play "someone else" (hold a table lock, look at rows from outside the driver)
 * and to pass a connection in (the driver must never close it).
 */
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { DialectName } from './dialects.js';

export interface NativeConnection {
  /** Runs one statement, no parameters; the rows it returns. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** The statements that make this connection hold a lock on `table` that DDL must wait for (rolled back by end()). */
  holdTableLock(table: string): Promise<void>;
  /** Ends every other connection to this database (servers), as an administrator or a failover would; how many. */
  endOtherSessions(): Promise<number>;
  end(): Promise<void>;
}

/** A connection object of the kind an application passes to `openDriver` (better-sqlite3 Database, pg Pool, mysql2 pool). */
export interface PassedIn {
  readonly handle: unknown;
  /** Whether it still answers a query (the driver did not close it). */
  alive(): Promise<boolean>;
  end(): Promise<void>;
}

const sqlitePath = (url: string): string => url.replace(/^sqlite:/, '');

export async function nativeConnection(dialect: DialectName, url: string): Promise<NativeConnection> {
  switch (dialect) {
    case 'sqlite': {
      const db = new Database(sqlitePath(url));
      return {
        async query(sql) {
          const statement = db.prepare(sql);
          if (statement.reader) return statement.all() as Record<string, unknown>[];
          statement.run();
          return [];
        },
        async holdTableLock() {
          db.exec('BEGIN IMMEDIATE');
        },
        async endOtherSessions(): Promise<number> {
          throw new Error('a SQLite file has no sessions to end');
        },
        async end() {
          db.close();
        },
      };
    }
    case 'postgres': {
      const client = new pg.Client({ connectionString: url, application_name: 'the-application' });
      client.on('error', () => undefined); // a test may end its backend on purpose
      await client.connect();
      return {
        async query(sql) {
          return (await client.query(sql)).rows as Record<string, unknown>[];
        },
        async holdTableLock(table) {
          await client.query('BEGIN');
          await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
        },
        async endOtherSessions() {
          const { rows } = await client.query('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
          return rows.filter((r: { ended: boolean }) => r.ended).length;
        },
        async end() {
          await client.end();
        },
      };
    }
    case 'mysql': {
      const connection = await mysql.createConnection({ uri: url });
      return {
        async query(sql) {
          const [rows] = await connection.query(sql);
          return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
        },
        async holdTableLock(table) {
          // A transaction that read the table holds a shared metadata lock on it until it ends.
          await connection.query('START TRANSACTION');
          await connection.query(`SELECT * FROM ${table}`);
        },
        async endOtherSessions() {
          const [rows] = await connection.query('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()');
          const ids = (rows as { id: number }[]).map((r) => r.id);
          for (const id of ids) await connection.query(`KILL ${Number(id)}`);
          return ids.length;
        },
        async end() {
          await connection.end();
        },
      };
    }
  }
}

export async function passedInConnection(dialect: DialectName, url: string): Promise<PassedIn> {
  switch (dialect) {
    case 'sqlite': {
      const db = new Database(sqlitePath(url));
      return {
        handle: db,
        async alive() {
          return db.open && db.prepare('SELECT 1 AS one').get() !== undefined;
        },
        async end() {
          if (db.open) db.close();
        },
      };
    }
    case 'postgres': {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      return {
        handle: pool,
        async alive() {
          return (await pool.query('SELECT 1 AS one')).rows.length === 1;
        },
        async end() {
          await pool.end();
        },
      };
    }
    case 'mysql': {
      const pool = mysql.createPool({ uri: url, connectionLimit: 2 });
      return {
        handle: pool,
        async alive() {
          const [rows] = await pool.query('SELECT 1 AS one');
          return (rows as unknown[]).length === 1;
        },
        async end() {
          await pool.end();
        },
      };
    }
  }
}
