/**
 * Connections kept open for a short while after a run closes them, one per database file,
 * so the next call in the same process (an application calling `migrate()` again, a test
 * suite, a watch-mode server) skips opening the file and parsing its schema: with 1,000
 * tables those alone cost more than the whole no-op check.
 *
 * A parked connection holds no lock and no transaction. It is taken back only when the
 * file at the path is still the same file (device and inode), closed after IDLE_MS unused,
 * and closed when the process exits. Windows keeps open files from being deleted, so there
 * nothing is parked.
 */
import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';

const IDLE_MS = 10_000;
const MAX_PARKED = 8;

interface Parked {
  readonly db: Database.Database;
  readonly identity: string;
  readonly timer: NodeJS.Timeout;
}

const parked = new Map<string, Parked>();
let exitHookInstalled = false;

/** The file's device and inode, or null when it does not exist. */
export function fileIdentity(file: string): string | null {
  const stats = statSync(file, { throwIfNoEntry: false });
  return stats ? `${stats.dev}:${stats.ino}` : null;
}

/** Keeps `db` for a later `takeParked(file)`; closes it instead when it cannot be kept. */
export function park(file: string, identity: string | null, db: Database.Database): void {
  if (process.platform === 'win32' || identity === null || db.inTransaction || !db.open) {
    db.close();
    return;
  }
  discard(file);
  if (parked.size >= MAX_PARKED) discard(parked.keys().next().value as string);
  const timer = setTimeout(() => discard(file), IDLE_MS);
  timer.unref();
  parked.set(file, { db, identity, timer });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', closeParked);
  }
}

/** The connection parked for `file`, when the file there is still the one it has open. */
export function takeParked(file: string): { db: Database.Database; identity: string } | null {
  const entry = parked.get(file);
  if (!entry) return null;
  parked.delete(file);
  clearTimeout(entry.timer);
  if (fileIdentity(file) !== entry.identity) {
    entry.db.close(); // deleted or replaced since: a fresh open sees the new file
    return null;
  }
  return { db: entry.db, identity: entry.identity };
}

/** Closes every parked connection (also run when the process exits). */
export function closeParked(): void {
  for (const file of [...parked.keys()]) discard(file);
}

function discard(file: string): void {
  const entry = parked.get(file);
  if (!entry) return;
  parked.delete(file);
  clearTimeout(entry.timer);
  try {
    entry.db.close();
  } catch {
    // already closed by its owner: nothing to release
  }
}
