/**
 * A fresh PostgreSQL database per test, dropped afterwards. The server is the machine's
 * PostgreSQL (postgres, trust auth, database `test` to connect through) unless
 * STRATA_TEST_PG_URL names another. A server that cannot be reached throws: the tests that use
 * it fail, never skip.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_SERVER_URL = process.env.STRATA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface FreshPostgres {
  /** `postgres://…/<database>` */
  readonly url: string;
  readonly database: string;
  drop(): Promise<void>;
}

let counter = 0;

/** The server URL with another database. */
export function postgresUrl(database?: string): string {
  const url = new URL(POSTGRES_SERVER_URL);
  if (database !== undefined) url.pathname = `/${database}`;
  return url.toString();
}

/** A connected raw pg Client for a test's own setup and checks (to `database`, or the server's default one). */
export async function pgClient(database?: string, applicationName = 'strata-test'): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: postgresUrl(database), application_name: applicationName, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined); // a test may terminate its backend on purpose
  await client.connect();
  return client;
}

export async function freshPostgres(): Promise<FreshPostgres> {
  const database = `strata_t${process.pid}_${Date.now().toString(36)}_${counter++}_${randomBytes(2).toString('hex')}`;
  const admin = await pgClient();
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  return {
    url: postgresUrl(database),
    database,
    async drop() {
      const client = await pgClient();
      try {
        // FORCE (PostgreSQL 13): a connection a failed test left open does not keep it alive.
        await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
