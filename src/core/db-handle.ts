/** The `db` handle a code migration receives (§2), built from the driver's primitives. */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Driver } from '../drivers/driver.js';
import { isConcurrently } from '../sql/classify.js';
import { splitStatements } from '../sql/split.js';
import { ConfigError } from './errors.js';
import type { Db } from './model.js';

export interface DbHandleOptions {
  readonly driver: Driver;
  /** The migrations folder: `execFile` paths resolve inside it. null for list migrations. */
  readonly dir: string | null;
  readonly log: (message: string) => void;
  /** Runs before every statement: stops at a safe point after a signal or a lost lease. */
  readonly beforeStatement: () => void;
  /** Counts statements, for a non-transactional migration's progress. */
  readonly onStatement: () => void;
}

export function createDbHandle(options: DbHandleOptions): Db {
  const { driver, beforeStatement, onStatement } = options;
  const exec = async (sql: string): Promise<void> => {
    for (const statement of splitStatements(sql, driver.syntax)) {
      beforeStatement();
      // CONCURRENTLY waits for old transactions by design: no lock timeout for it.
      await driver.execute(statement.text, { lockTimeout: !isConcurrently(statement.text, driver.syntax) });
      onStatement();
    }
  };
  const db: Db = {
    dialect: driver.dialect,
    exec,
    async query<T>(sql: string, params?: readonly unknown[]) {
      beforeStatement();
      const rows = (await driver.query(sql, params)) as T[];
      onStatement();
      return rows;
    },
    async queryOne<T>(sql: string, params?: readonly unknown[]) {
      return (await db.query<T>(sql, params))[0];
    },
    async run(sql: string, params?: readonly unknown[]) {
      beforeStatement();
      const result = await driver.run(sql, params);
      onStatement();
      return result;
    },
    tableExists: (table) => driver.tableExists(table),
    columnExists: (table, column) => driver.columnExists(table, column),
    indexExists: (index) => driver.indexExists(index),
    async createTableIfNotExists(table, ddl) {
      if (await driver.tableExists(table)) return false;
      await exec(ddl);
      return true;
    },
    async createIndexIfNotExists(index, ddl) {
      if (await driver.indexExists(index)) return false;
      await exec(ddl);
      return true;
    },
    async addColumnIfNotExists(table, column, typeSql) {
      if (await driver.columnExists(table, column)) return false;
      const q = driver.dialect === 'mysql' ? '`' : '"';
      await exec(`ALTER TABLE ${table} ADD COLUMN ${q}${column}${q} ${typeSql}`);
      return true;
    },
    async execFile(path) {
      if (options.dir === null) throw new ConfigError('usage', 'execFile needs a migrations folder (this migration came from a list)');
      const full = resolve(options.dir, path);
      const inside = relative(options.dir, full);
      if (inside.startsWith('..') || isAbsolute(inside)) {
        throw new ConfigError('usage', `execFile("${path}") points outside the migrations folder`, { hint: 'keep SQL files that migrations run inside the migrations folder' });
      }
      await exec(readFileSync(full, 'utf8'));
    },
    log(...args) {
      options.log(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    },
  };
  return db;
}
