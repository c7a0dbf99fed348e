/**
 * The databases the reliability suite runs against, each a fresh database with a raw
 * connection for the checks: SQLite (a file in a temp folder), the machine's PostgreSQL and
 * MariaDB, and the two-node Galera cluster of scripts/galera.sh (started only by
 * crashes.test.ts, the one file of the suite that owns it — see docs/test-servers.md).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import type pg from 'pg';
import { freshMysql, mysqlConnection } from '../../test/support/mysql.js';
import { freshPostgres, pgClient } from '../../test/support/postgres.js';

export type TargetName = 'sqlite' | 'postgres' | 'mariadb' | 'galera';
export type Flavor = 'sqlite' | 'postgres' | 'mysql';

export interface Target {
  readonly name: TargetName;
  /** The SQL the generated migrations are written in. */
  readonly flavor: Flavor;
  /** §6: whether a migration and its tracking row commit together (false: the dirty protocol for every migration). */
  readonly transactionalDdl: boolean;
  /** URLs a runner may use (Galera: one per node; a runner picks one). */
  readonly urls: readonly string[];
  /** Extra config (strata.config.json) a project on this target needs. */
  readonly config: Record<string, unknown>;
  /** Rows of one statement, on the checker's own connection. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /**
   * Waits until no session but the checker's is connected to the database, so that what a
   * killed runner's server session still does (a PostgreSQL backend or a MariaDB thread
   * finishing its statement and rolling back) is over before the state is read.
   */
  quiesce(): Promise<void>;
  /** Closes the checker's connection and drops the database. */
  dispose(): Promise<void>;
}

export const GALERA_PORTS = [3307, 3308] as const;
const QUIESCE_MS = 60_000;

export async function openTarget(name: TargetName): Promise<Target> {
  if (name === 'sqlite') return sqliteTarget();
  if (name === 'postgres') return postgresTarget();
  if (name === 'mariadb') return mariadbTarget();
  return galeraTarget();
}

function sqliteTarget(): Target {
  const dir = mkdtempSync(join(tmpdir(), 'strata-rel-'));
  const file = join(dir, 'app.db');
  return {
    name: 'sqlite',
    flavor: 'sqlite',
    transactionalDdl: true,
    urls: [`sqlite:${file}`],
    config: {},
    async query<T>(sql: string) {
      // A connection per statement: a checker holding the file open between checks could
      // only hide problems (and a killed runner's journal is recovered by whoever opens next).
      const db = new Database(file, { timeout: 30_000 });
      try {
        const statement = db.prepare(sql);
        return (statement.reader ? statement.all() : (statement.run(), [])) as T[];
      } finally {
        db.close();
      }
    },
    async quiesce() {
      // A SIGKILLed process holds nothing: the OS released its file locks.
    },
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresTarget(): Promise<Target> {
  const fresh = await freshPostgres();
  const client: pg.Client = await pgClient(fresh.database, 'strata-reliability');
  return {
    name: 'postgres',
    flavor: 'postgres',
    transactionalDdl: true,
    urls: [fresh.url],
    config: {},
    async query<T>(sql: string) {
      return (await client.query(sql)).rows as T[];
    },
    async quiesce() {
      await until(async () => {
        const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
        return Number(rows[0]!.n) === 0;
      }, 'PostgreSQL sessions of killed runners to end');
    },
    async dispose() {
      await client.end();
      await fresh.drop();
    },
  };
}

async function mariadbTarget(): Promise<Target> {
  const fresh = await freshMysql();
  const connection = await mysqlConnection(fresh.database);
  return mysqlTarget('mariadb', [fresh.url], [connection], {}, async () => {
    await connection.end();
    await fresh.drop();
  });
}

async function galeraTarget(): Promise<Target> {
  const database = `strata_rel_${process.pid}_${randomUUID().slice(0, 8)}`;
  const node1 = await galeraConnection(GALERA_PORTS[0]);
  await node1.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  await node1.query(`USE \`${database}\``);
  const node2 = await galeraConnection(GALERA_PORTS[1]);
  await until(async () => {
    const [rows] = await node2.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database]);
    return rows.length === 1;
  }, `database ${database} to reach node 2`);
  await node2.query(`USE \`${database}\``);
  const urls = GALERA_PORTS.map((port) => `mysql://root@127.0.0.1:${port}/${database}`);
  // A SIGKILLed runner leaves its lease row behind until it expires: a shorter TTL keeps a
  // kill from costing the next run 30 s. Not much shorter: with TTL 4 s, renewals (every
  // TTL/3) came late on the loaded 2-core machine and a healthy run lost its lease (exit 4).
  return mysqlTarget('galera', urls, [node1, node2], { leaseTtl: 12 }, async () => {
    await node1.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await node1.end();
    await node2.end();
  });
}

async function galeraConnection(port: number): Promise<mysql.Connection> {
  const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 5_000 });
  // A node applies the other node's commits a moment later: wait for them before each read.
  await connection.query('SET SESSION wsrep_sync_wait = 1');
  return connection;
}

function mysqlTarget(name: 'mariadb' | 'galera', urls: string[], connections: mysql.Connection[], config: Record<string, unknown>, dispose: () => Promise<void>): Target {
  const checker = connections[0]!;
  return {
    name,
    flavor: 'mysql',
    transactionalDdl: false,
    urls,
    config,
    async query<T>(sql: string) {
      const [rows] = await checker.query(sql);
      return (Array.isArray(rows) ? rows : []) as T[];
    },
    async quiesce() {
      for (const connection of connections) {
        await until(async () => {
          const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT count(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()');
          return Number(rows[0]!.n) === 0;
        }, `${name} sessions of killed runners to end`);
      }
    },
    dispose,
  };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + QUIESCE_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The targets to run: all of `names`, or those of them RELIABILITY_TARGETS lists (e.g. `sqlite,postgres`). */
export function selected<T extends TargetName>(names: readonly T[]): T[] {
  const listed = process.env.RELIABILITY_TARGETS;
  if (listed === undefined || listed.trim() === '') return [...names];
  const wanted = listed.split(',').map((s) => s.trim());
  for (const w of wanted) if (!['sqlite', 'postgres', 'mariadb', 'galera'].includes(w)) throw new Error(`RELIABILITY_TARGETS lists unknown target "${w}"`);
  return names.filter((n) => wanted.includes(n));
}
