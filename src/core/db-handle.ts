/** The `db` handle a code migration receives (§2), built from the driver's primitives. */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { DialectFacts, Executor, Introspector } from './ports/index.js';
import { splitScript } from '../sql/split.js';
import { MigrationError, messageOf } from './errors.js';
import type { BatchMethod } from './batch/walk.js';
import type { Db } from './model.js';
import { recreateTable, type RebuildDriver } from './table-rebuild.js';

export interface DbHandleOptions {
  readonly driver: DialectFacts & Executor & Introspector & RebuildDriver;
  /** The migrations folder: `execFile` paths resolve inside it. null for list migrations. */
  readonly dir: string | null;
  /** Reads a file `execFile` names, as UTF-8 (the core opens no file itself). */
  readonly readFile: (path: string) => string;
  readonly log: (message: string) => void;
  /** Runs before every statement: stops at a safe point after a signal or a lost lease. */
  readonly beforeStatement: () => Promise<void>;
  /** Counts statements, for a non-transactional migration's progress. */
  readonly onStatement: () => void;
  /** `db.batch`, bound to the migration that runs (absent: the handle cannot batch). */
  readonly batch?: BatchMethod;
}

export function createDbHandle(options: DbHandleOptions): Db {
  const { driver, beforeStatement, onStatement } = options;
  // The driver knows which statements wait for other transactions (no lock timeout for them).
  const runOne = async (sql: string): Promise<void> => {
    await beforeStatement();
    await driver.execute(sql);
    onStatement();
  };
  const exec = async (sql: string): Promise<void> => {
    const { statements, unterminated } = splitScript(sql, driver.syntax);
    if (unterminated) {
      // The rest of the text would be one string or a comment: run none of it rather than part.
      throw new MigrationError('migration-failed', `db.exec: the ${unterminated.kind} that opens on line ${unterminated.line} of its SQL with ${unterminated.opener} is never closed; none of that SQL ran`, {
        line: unterminated.line,
        hint: 'close the string or comment in the SQL given to db.exec',
      });
    }
    for (const statement of statements) await runOne(statement.text);
  };
  const query = async <T>(sql: string, params?: readonly unknown[]): Promise<T[]> => {
    await beforeStatement();
    const rows = (await driver.query(sql, params)) as T[];
    onStatement();
    return rows;
  };
  const db: Db = {
    dialect: driver.dialect,
    exec: withCallSite(exec),
    query: withCallSite(query) as Db['query'],
    queryOne: withCallSite(async (sql: string, params?: readonly unknown[]) => (await query(sql, params))[0]) as Db['queryOne'],
    run: withCallSite(async (sql: string, params?: readonly unknown[]) => {
      await beforeStatement();
      const result = await driver.run(sql, params);
      onStatement();
      return result;
    }),
    tableExists: (table) => driver.tableExists(table),
    columnExists: (table, column) => driver.columnExists(table, column),
    indexExists: (index) => driver.indexExists(index),
    createTableIfNotExists: withCallSite(async (table: string, ddl: string) => {
      if (await driver.tableExists(table)) return false;
      await exec(ddl);
      return true;
    }),
    createIndexIfNotExists: withCallSite(async (index: string, ddl: string) => {
      if (await driver.indexExists(index)) return false;
      await exec(ddl);
      return true;
    }),
    addColumnIfNotExists: withCallSite(async (table: string, column: string, typeSql: string) => {
      if (await driver.columnExists(table, column)) return false;
      await exec(`ALTER TABLE ${table} ADD COLUMN ${driver.quoteIdentifier(column)} ${typeSql}`);
      return true;
    }),
    // A refused execFile is the migration's own mistake, like any error it throws: a plain
    // Error, which the runner reports as that migration's failure (exit 1), naming its file
    // and the line of the call.
    execFile: withCallSite(async (path: string) => {
      if (options.dir === null) throw new Error(`execFile("${path}") needs a migrations folder, and this migration came from a list: pass the SQL text to db.exec instead`);
      const full = resolve(options.dir, path);
      const inside = relative(options.dir, full);
      if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
        throw new Error(`execFile("${path}") resolves to ${full}, outside the migrations folder ${options.dir}: keep the SQL files a migration runs inside that folder`);
      }
      await exec(options.readFile(full));
    }),
    batch: withCallSite(async (batchOptions, fn) => {
      if (!options.batch) throw new Error('db.batch is available only inside a migration that strata runs');
      return options.batch(batchOptions, fn);
    }) as Db['batch'],
    recreateTable: withCallSite(async (table: string, newCreateSql: string, rebuildOptions?: unknown) => {
      await recreateTable(driver, table, newCreateSql, rebuildOptions, runOne, (error) => options.log(`could not roll back db.recreateTable("${String(table)}"): ${messageOf(error)}`));
    }),
    log(...args) {
      options.log(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    },
  };
  return db;
}

/**
 * A database error is raised where the driver reads the server's answer, so its stack does
 * not show the migration's own line. The handle notes the caller's frames when a call starts
 * and adds them to a failure's stack, where the runner finds the migration file's line.
 */
function withCallSite<A extends unknown[], R>(method: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  const traced = async (...args: A): Promise<R> => {
    const site: { stack?: string } = {};
    Error.captureStackTrace(site, traced);
    try {
      return await method(...args);
    } catch (error) {
      if (error instanceof Error && site.stack) {
        error.stack = `${error.stack ?? String(error)}\n${site.stack.slice(site.stack.indexOf('\n') + 1)}`;
      }
      throw error;
    }
  };
  return traced;
}
