/** Opening the SQLite file: its folder, the native addon, and a file that is not a database, named. */
import type Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConnectionError, messageOf } from '../../core/errors.js';
import { sqliteAddonPath } from '../peer.js';

export interface OpenFileOptions {
  /** false for a read: a missing file is not created (null: nothing is applied). */
  readonly create: boolean;
  readonly memory: boolean;
  readonly displayName: string;
  /** Create a missing folder (the CLI's built-in default only); else a missing folder is an error. */
  readonly createDirectory: boolean;
  /** Settings and initSql, run before the first read. */
  readonly configure: (db: Database.Database) => void;
}

/**
 * Opens the database. For a read (`create` false) a missing file is not created: it means
 * nothing is applied. An explicit path in a missing folder is a configuration error.
 */
export function openFile(BetterSqlite: typeof Database, file: string, options: OpenFileOptions): Database.Database | null {
  if (!options.memory && !existsSync(file)) {
    if (!options.create) return null;
    const folder = dirname(file);
    if (!existsSync(folder)) {
      if (!options.createDirectory) {
        throw new ConnectionError('connection-failed', `cannot create ${options.displayName}: the folder ${folder} does not exist`, {
          hint: 'create the folder first, or fix the path in --db / DATABASE_URL',
        });
      }
      mkdirSync(folder, { recursive: true });
    }
  }
  let db: Database.Database;
  try {
    const nativeBinding = sqliteAddonPath();
    db = new BetterSqlite(file, { fileMustExist: !options.create && !options.memory, ...(nativeBinding ? { nativeBinding } : {}) });
  } catch (error) {
    throw new ConnectionError('connection-failed', `cannot open ${options.displayName}: ${messageOf(error)}`, {
      hint: 'check that the path is right and the file and its folder are writable',
    }, { cause: error });
  }
  try {
    options.configure(db);
    // Opening reads nothing: compile one statement now, which reads the header and the
    // schema, so a file that is not a database fails here, named, and not in the middle of
    // whatever statement happens to come first.
    db.prepare('SELECT 1 FROM sqlite_master LIMIT 0');
  } catch (error) {
    db.close();
    const code = (error as { code?: string }).code;
    if (code !== 'SQLITE_NOTADB' && code !== 'SQLITE_CORRUPT') throw error;
    throw new ConnectionError('connection-failed', `cannot open ${options.displayName}: ${file} is not a SQLite database, or is damaged (${messageOf(error)})`, {
      hint: 'check that --db / DATABASE_URL names the right file; restore a damaged database from a backup, or recover it with the sqlite3 shell\'s `.recover`',
    }, { cause: error });
  }
  return db;
}
