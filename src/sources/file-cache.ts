/**
 * Keeps a migrations folder's file texts between calls in one process. A file-system watch
 * (inotify on Linux) tells which files changed, so a later start-up check re-reads only
 * those — and, when nothing changed, touches the disk not at all (stat-ing 1,000 files
 * alone costs several milliseconds). Where a folder cannot be watched, or a file is a
 * symlink whose target the watch would not see, each file is validated by (size, mtime).
 */
import { readFileSync, statSync, watch, type Dirent, type FSWatcher } from 'node:fs';
import { sep } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { checksumOf, normalizeText } from '../core/checksum.js';

export interface CachedFile {
  readonly text: string;
  /** Checksum of this file alone (the common case: no .down.sql companion). */
  readonly checksum: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** Filled by the reader of the text (e.g. a parsed SQL file), kept with it. */
  parsed?: unknown;
}

/** At most this many folders are watched per process; the oldest is dropped first. */
const MAX_FOLDERS = 32;
const folders = new Map<string, FolderCache>();

export class FolderCache {
  private readonly files = new Map<string, CachedFile>();
  private watcher: FSWatcher | null = null;
  /** Names changed since the last scan; 'all' when the watch could not say which. */
  private changed: Set<string> | 'all' = 'all';
  private lastEntries: Dirent[] | null = null;
  /** The last complete discovery built from these files, per way of showing paths. */
  private readonly results = new Map<string, unknown>();

  private constructor(private readonly dir: string) {}

  static for(dir: string): FolderCache {
    let cache = folders.get(dir);
    if (!cache) {
      if (folders.size >= MAX_FOLDERS) {
        const [oldest, entry] = folders.entries().next().value as [string, FolderCache];
        entry.close();
        folders.delete(oldest);
      }
      cache = new FolderCache(dir);
      folders.set(dir, cache);
    }
    return cache;
  }

  /**
   * The folder's entries, and whether any may have changed since the last call. Waits one
   * turn of the event loop first, so a change made before this call has been reported.
   */
  async entries(readEntries: () => Dirent[]): Promise<{ entries: Dirent[]; unchanged: boolean }> {
    if (this.watcher) await nextTurn();
    // A symlink's target is outside the watch: folders with symlinks are always re-checked.
    if (this.watcher && this.changed !== 'all' && this.changed.size === 0 && this.lastEntries && !this.lastEntries.some((e) => e.isSymbolicLink())) {
      return { entries: this.lastEntries, unchanged: true };
    }
    // Watch before reading, so a change during the read is not missed.
    if (!this.watcher) this.startWatching();
    const entries = readEntries();
    this.lastEntries = entries;
    return { entries, unchanged: false };
  }

  /** A file's text and checksum, read again only when it may have changed. */
  read(name: string, symlink: boolean): CachedFile {
    const path = this.dir + sep + name; // path.join's normalising costs more than the read
    const hit = this.files.get(name);
    const trustWatch = this.watcher !== null && !symlink && this.changed !== 'all' && !this.changed.has(name);
    if (hit && trustWatch) return hit;
    const stats = hit || !this.watcher || symlink ? statSync(path) : null;
    if (hit && stats && hit.size === stats.size && hit.mtimeMs === stats.mtimeMs) return hit;
    // readFileSync with an encoding opens, reads and closes in one call into Node's C++ side:
    // cheaper than three wrapped calls from JavaScript for each of 1,000 small files.
    const text = normalizeText(readFileSync(path, 'utf8'));
    const entry: CachedFile = { text, checksum: checksumOf(text), size: stats?.size ?? Buffer.byteLength(text), mtimeMs: stats?.mtimeMs ?? -1 };
    this.files.set(name, entry);
    return entry;
  }

  /** Called after a complete scan: the files read so far are current, and `result` is what they make. */
  scanned(resultKey: string, result: unknown): void {
    if (!this.watcher) return;
    this.changed = new Set();
    this.results.set(resultKey, result);
  }

  /** The result of the last complete scan when nothing changed since, else undefined. */
  resultIfUnchanged(resultKey: string, unchanged: boolean): unknown {
    if (!unchanged) {
      this.results.clear();
      return undefined;
    }
    return this.results.get(resultKey);
  }

  close(): void {
    this.results.clear();
    this.watcher?.close();
    this.watcher = null;
    this.changed = 'all';
  }

  private startWatching(): void {
    try {
      const watcher = watch(this.dir, { persistent: false }, (_event, name) => {
        if (this.changed === 'all') return;
        if (name === null || name === undefined) this.changed = 'all';
        else this.changed.add(String(name));
      });
      watcher.on('error', () => {
        this.close();
        this.files.clear();
      });
      this.watcher = watcher;
      this.changed = 'all';
    } catch {
      this.watcher = null;
    }
  }
}
