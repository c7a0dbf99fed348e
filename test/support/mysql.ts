/**
 * A fresh MariaDB/MySQL database per test, dropped afterwards. The server is the machine's
 * MariaDB (root, empty password) unless STRATA_TEST_MYSQL_URL names another. A server that
 * cannot be reached throws: the tests that use it fail, never skip.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

export const MYSQL_SERVER_URL = process.env.STRATA_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

export interface FreshMysql {
  /** `mysql://…/<database>` */
  readonly url: string;
  readonly database: string;
  drop(): Promise<void>;
}

let counter = 0;

/** A raw mysql2 connection for a test's own setup and checks (to `database`, or the server's default one). */
export async function mysqlConnection(database?: string): Promise<mysql.Connection> {
  const url = new URL(MYSQL_SERVER_URL);
  if (database !== undefined) url.pathname = `/${database}`;
  return mysql.createConnection({ uri: url.toString() });
}

export async function freshMysql(): Promise<FreshMysql> {
  const database = `strata_t${process.pid}_${Date.now().toString(36)}_${counter++}_${randomBytes(2).toString('hex')}`;
  const admin = await mysqlConnection();
  try {
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  } finally {
    await admin.end();
  }
  const url = new URL(MYSQL_SERVER_URL);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    database,
    async drop() {
      const connection = await mysqlConnection();
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await connection.end();
      }
    },
  };
}
