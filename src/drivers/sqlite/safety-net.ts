/**
 * SQLite's side of §7: restore points through SQLite's online backup API (a consistent copy
 * while other connections keep writing: a write by another connection restarts the copy), a
 * restore through the same API into the live file, and scratch databases as temporary files.
 */
import type Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { AbortError, BackupError, messageOf } from '../../core/errors.js';
import type { BackupTarget, CopyProgress, SafetyNet, ScratchPort } from '../safety-net.js';

/**
 * Pages copied per step of the backup API (16 MB at the default 4 KB page): between steps the
 * event loop turns (progress, signals) and other connections may write. Far fewer, larger steps
 * than better-sqlite3's default of 100 pages, which spends most of a large copy yielding.
 */
const PAGES_PER_STEP = 4096;

export interface SqliteFiles {
  /** The run's connection to the live database; null when the file does not exist. */
  readonly live: () => Database.Database | null;
  /** The database's path, or `:memory:`. */
  readonly path: string;
  /** The lease table, quoted: a copy must not carry the lease of the run that made it. */
  readonly lockTable: string;
  /** Opens another file with the same better-sqlite3 build. */
  readonly open: (file: string, options: { readonly: boolean }) => Database.Database;
}

export function sqliteSafetyNet(files: SqliteFiles): SafetyNet {
  return { backup: files.path === ':memory:' ? null : backupTarget(files), scratch: scratchFiles() };
}

function backupTarget(files: SqliteFiles): BackupTarget {
  const live = resolve(files.path);
  return {
    name: basename(live).replace(/\.[^.]+$/, '') || basename(live),
    defaultFolder: join(dirname(live), 'backups'),
    extension: '.db',
    onByDefault: true,
    replacesWholeDatabase: true,
    async copyTo(file, progress, signal) {
      const db = files.live();
      if (!db) throw new BackupError('backup-failed', `cannot back up ${live}: the file does not exist`, { hint: 'nothing to back up yet' });
      const partial = `${file}.partial`;
      try {
        await copy(db, partial, progress, signal);
        // The copy was made under this run's lease: restored, it would name a run long gone.
        const copyDb = files.open(partial, { readonly: false });
        try {
          const hasLock = copyDb.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(unquote(files.lockTable));
          if (hasLock) copyDb.exec(`DELETE FROM ${files.lockTable}`);
        } finally {
          copyDb.close();
        }
        renameSync(partial, file);
      } catch (error) {
        rmSync(partial, { force: true });
        for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${partial}${suffix}`, { force: true });
        throw copyFailed(error, `cannot write the backup ${file}`, 'check that the folder exists, is writable and has room (or set `backups` to another folder, or run with --no-backup)');
      }
    },
    async verify(file) {
      openBackup(files, file).close();
    },
    async restoreFrom(file, progress, signal) {
      const source = openBackup(files, file);
      try {
        // Into the live file, page by page under SQLite's locks: every open connection, in
        // this process or another, sees the restored database on its next read.
        await copy(source, live, progress, signal, ALL_PAGES);
      } catch (error) {
        throw copyFailed(error, `restoring ${file} into ${live} failed`, 'the database is as it was if the copy stopped before its last step; check it with `strata status`, then run the restore again');
      } finally {
        source.close();
      }
    },
  };
}

/**
 * A backup copies in steps (the event loop turns between them, and a write by another
 * connection restarts it). A restore copies in one step: the destination is the live file,
 * whose write lock the copy holds from its first step to its last, and the run's own
 * connection would otherwise block the event loop in its busy handler (renewing the lease)
 * between two steps — for its whole busy timeout, at every renewal.
 */
async function copy(from: Database.Database, to: string, progress: CopyProgress, signal: AbortSignal | undefined, pagesPerStep = PAGES_PER_STEP): Promise<void> {
  await from.backup(to, {
    progress({ totalPages, remainingPages }) {
      if (signal?.aborted) throw new AbortError('stopped while copying the database: nothing was changed');
      progress(totalPages > 0 ? (totalPages - remainingPages) / totalPages : null);
      return pagesPerStep;
    },
  });
}

/** All remaining pages in one step (better-sqlite3 takes no negative count). */
const ALL_PAGES = 0x7fffffff;

function openBackup(files: SqliteFiles, file: string): Database.Database {
  try {
    const db = files.open(file, { readonly: true });
    try {
      db.prepare('SELECT 1 FROM sqlite_master LIMIT 0');
    } catch (error) {
      db.close();
      throw error;
    }
    return db;
  } catch (error) {
    throw new BackupError('backup-failed', `cannot restore ${file}: it is not a SQLite database, or is damaged (${messageOf(error)})`, {
      file,
      hint: 'name a file that `strata backups` lists; nothing was changed',
    }, { cause: error });
  }
}

function copyFailed(error: unknown, what: string, hint: string): Error {
  if (error instanceof AbortError) return error;
  return new BackupError('backup-failed', `${what}: ${messageOf(error)}`, { hint }, { cause: error });
}

function unquote(quoted: string): string {
  return quoted.slice(1, -1).replace(/""/g, '"');
}

/** A scratch database is a file in its own temporary folder, removed with the folder. */
function scratchFiles(): ScratchPort {
  const root = tmpdir();
  const foldersOf = (name: string) => readdirSync(root).filter((entry) => entry.startsWith(`${name}-`)).map((entry) => join(root, entry));
  return {
    async create(name) {
      const folder = mkdtempSync(join(root, `${name}-`));
      return `sqlite:${join(folder, `${name}.db`)}`;
    },
    async drop(name) {
      for (const folder of foldersOf(name)) if (existsSync(folder)) rmSync(folder, { recursive: true, force: true });
    },
    async list(prefix) {
      return readdirSync(root).filter((entry) => entry.startsWith(prefix)).map((entry) => entry.replace(/-[^-]+$/, ''));
    },
    isPermissionDenied: () => false,
  };
}
