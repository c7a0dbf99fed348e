/**
 * The SQLite driver's one connection: the application's Database, or a file opened on first
 * use (or this file's connection parked by the last run, taken again), set up with the busy
 * timeout and `initSql`, and parked again at the end.
 */
import type Database from 'better-sqlite3';
import { resolve } from 'node:path';
import type { DriverOptions } from '../driver.js';
import { initSqlFailed } from '../init-sql.js';
import { splitStatements } from '../../sql/split.js';
import { openFile } from './open-file.js';
import { fileIdentity, park, takeParked } from './parked.js';
import { SQLITE_SYNTAX } from './syntax.js';

export type DatabaseConstructor = typeof Database;

export interface SqliteTarget {
  /** A file path or `:memory:`; or an open Database the application passed in. */
  readonly path?: string;
  readonly database?: Database.Database;
}

export class SqliteConnection {
  db: Database.Database | null;
  readonly path: string;
  readonly displayName: string;
  private readonly ownsDb: boolean;
  /** Device and inode of the file strata opened, so release() can park the connection. */
  private identity: string | null = null;

  constructor(
    private readonly BetterSqlite: DatabaseConstructor | null,
    target: SqliteTarget,
    private readonly options: DriverOptions,
  ) {
    this.db = target.database ?? null;
    this.ownsDb = !target.database;
    this.path = target.database ? target.database.name : target.path!;
    this.displayName = `sqlite:${this.path}`;
    if (this.db) this.configure(this.db);
  }

  /** Opens the database (open-file.ts), or takes this file's parked connection. */
  open(create: boolean): Database.Database | null {
    if (this.db) return this.db;
    const memory = this.path === ':memory:';
    const file = memory ? this.path : resolve(this.path);
    const warm = memory ? null : takeParked(file);
    if (warm) {
      this.db = warm.db;
      this.identity = warm.identity;
      this.configure(this.db);
      return this.db;
    }
    const db = openFile(this.BetterSqlite!, file, { create, memory, displayName: this.displayName, createDirectory: this.options.createDirectory, configure: (d) => this.configure(d) });
    if (!db) return null;
    this.db = db;
    if (!memory) this.identity = fileIdentity(file);
    return this.db;
  }

  private configure(db: Database.Database): void {
    db.pragma(`busy_timeout = ${Math.max(0, Math.round(this.options.lockTimeoutMs))}`);
    // initSql runs on every connection handed to a run, a parked one taken again included.
    for (const entry of this.options.initSql ?? []) {
      for (const statement of splitStatements(entry, SQLITE_SYNTAX)) {
        try {
          db.exec(statement.text);
        } catch (error) {
          throw initSqlFailed(statement.text, error, []);
        }
      }
    }
  }

  /** better-sqlite3's constructor: the loaded one, or that of the Database the application passed. */
  get databaseConstructor(): DatabaseConstructor {
    return this.BetterSqlite ?? (this.db!.constructor as DatabaseConstructor);
  }

  /** Closes an in-memory database or parks the file's connection for the next run; the application's Database stays open. */
  release(): void {
    if (this.ownsDb && this.db) {
      if (this.path === ':memory:') this.db.close();
      else park(resolve(this.path), this.identity, this.db);
      this.db = null;
    }
  }
}
