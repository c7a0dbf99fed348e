/**
 * Backup files on disk: their names (`<dbname>_<YYYYMMDDTHHMMSSZ>_<version><ext>`, §7), the
 * list of one database's backups, and pruning to `keep`. Two backups in the same second get
 * `~2`, `~3`… before the extension so neither overwrites the other.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The version part of a backup of a database where nothing is applied yet. */
export const NOTHING_APPLIED = 'none';

export interface BackupFile {
  /** Absolute path. */
  readonly file: string;
  readonly sizeBytes: number;
  /** ISO-8601 UTC, from the name (to the second). */
  readonly createdAt: string;
  /** The version applied when it was made; null when nothing was applied. */
  readonly version: string | null;
}

const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function stampOf(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** A new file name in `folder` for a backup of `name` made at `date` with `version` applied. */
export function backupFileName(folder: string, name: string, date: Date, version: string | null, extension: string): string {
  const base = `${name}_${stampOf(date)}_${safe(version ?? NOTHING_APPLIED)}`;
  let file = join(folder, `${base}${extension}`);
  for (let n = 2; existsSync(file) || existsSync(`${file}.partial`); n++) file = join(folder, `${base}~${n}${extension}`);
  return file;
}

/** Every backup of database `name` in `folder`, oldest first. [] when the folder does not exist. */
export function listBackups(folder: string, name: string, extension: string): BackupFile[] {
  if (!existsSync(folder)) return [];
  // Oldest first: by the second in the name, then (two in one second, for different versions)
  // by when the file was written, then by the `~n` that a same-named one gets.
  const found: { file: BackupFile; stamp: string; written: number; n: number }[] = [];
  for (const entry of readdirSync(folder)) {
    const parsed = parseName(entry, name, extension);
    if (!parsed) continue;
    const file = join(folder, entry);
    const stats = statSync(file, { throwIfNoEntry: false });
    if (!stats?.isFile()) continue;
    found.push({ file: { file, sizeBytes: stats.size, createdAt: parsed.createdAt, version: parsed.version }, stamp: parsed.stamp, written: stats.mtimeMs, n: parsed.n });
  }
  return found.sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.written - b.written || a.n - b.n)).map((f) => f.file);
}

/** Removes the oldest backups of `name` beyond the newest `keep` (0 keeps all). Returns the removed files. */
export function pruneBackups(folder: string, name: string, extension: string, keep: number): string[] {
  if (keep <= 0) return [];
  const all = listBackups(folder, name, extension);
  const removed = all.slice(0, Math.max(0, all.length - keep)).map((b) => b.file);
  for (const file of removed) rmSync(file, { force: true });
  return removed;
}

function parseName(entry: string, name: string, extension: string): { stamp: string; n: number; createdAt: string; version: string | null } | null {
  if (!entry.startsWith(`${name}_`) || !entry.endsWith(extension)) return null;
  const rest = entry.slice(name.length + 1, entry.length - extension.length);
  const match = /^(\d{8}T\d{6}Z)_(.+?)(?:~(\d+))?$/.exec(rest);
  if (!match) return null;
  const stamp = STAMP.exec(match[1]!);
  if (!stamp) return null;
  const [, y, mo, d, h, mi, s] = stamp;
  const version = match[2]!;
  return { stamp: match[1]!, n: Number(match[3] ?? 1), createdAt: `${y}-${mo}-${d}T${h}:${mi}:${s}.000Z`, version: version === NOTHING_APPLIED ? null : version };
}

/** A version as it may appear in a file name (versions come from file names, so this rarely changes anything). */
function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '-');
}
