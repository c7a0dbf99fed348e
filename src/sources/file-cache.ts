/**
 * Keeps a migrations folder's file texts between calls in one process, and never serves a
 * stale one (§9: a replaced folder, or a file edited, added or removed, is seen on the very
 * next call).
 *
 * Each call resolves the folder's real path (a Capistrano `current → releases/N` swap is a
 * different folder) and stats it: another (device, inode, birth time) means the folder was
 * deleted and re-created, and everything cached for it is dropped. Within one folder, on
 * Linux, an inotify watch says which files changed, so a later start-up check on unchanged
 * files reads nothing (stat-ing 1,000 files alone costs 3–10 ms here, over §9's 2 ms).
 * inotify queues an event during the write itself, so a change made before a call is known
 * to the process by then; the call lets one event-loop poll pass before trusting the watch.
 *
 * Where the watch cannot be trusted — other platforms (FSEvents and ReadDirectoryChangesW
 * report late), network and FUSE file systems (another host's writes raise no event), a
 * file that is a symlink (the watch does not see its target), a watch that was lost — each
 * file is checked by stat: (inode, size, mtime, ctime) in nanoseconds. A file changed less
 * than RACY_NS before it was stat-ed is read again on the next check whatever its stat says
 * (git's "racily clean" rule): timestamps tick coarsely (a kernel jiffy, 2 s on FAT), so an
 * edit of the same size within one tick keeps every field. docs/decisions.md has the rest.
 */
import { readFileSync, readdirSync, realpathSync, statSync, statfsSync, watch, type BigIntStats, type Dirent, type FSWatcher } from 'node:fs';
import { basename, sep } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { checksumOf, normalizeText } from '../core/checksum.js';

export interface CachedFile {
  readonly text: string;
  /** Checksum of this file alone (the common case: no .down.sql companion). */
  readonly checksum: string;
  /** What stat said just before the text was read; null when read under a trusted watch without one. */
  readonly stamp: FileStamp | null;
  /** Filled by the reader of the text (e.g. a parsed SQL file), kept with it. */
  parsed?: unknown;
}

interface FileStamp {
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  /** Changed so recently that an edit within the same timestamp tick would keep this stamp. */
  readonly racy: boolean;
}

/** At most this many folders are watched per process; the oldest is dropped first. */
const MAX_FOLDERS = 32;
/** 2 s: FAT's timestamp granularity, far above a kernel jiffy, and some clock skew on network shares. */
const RACY_NS = 2_000_000_000n;
/**
 * statfs magic numbers of file systems whose changes may come from elsewhere than this
 * kernel: NFS, SMB/CIFS (three), FUSE (also virtiofs, sshfs), 9p (WSL, VM shares), AFS,
 * Ceph, Coda, NCP, GFS2, OCFS2, Lustre.
 */
const REMOTE_FILE_SYSTEMS = new Set([0x6969, 0x517b, 0xff534d42, 0xfe534d42, 0x65735546, 0x01021997, 0x5346414f, 0x00c36400, 0x73757245, 0x564c, 0x01161970, 0x7461636f, 0x0bd00bd0]);

const folders = new Map<string, FolderCache>();

export class FolderCache {
  private readonly files = new Map<string, CachedFile>();
  private watcher: FSWatcher | null = null;
  /** Names the watch reported since the last scan; 'all' when it could not say which. */
  private changed: Set<string> | 'all' = 'all';
  /** The folder's stat at this call, and at the last complete scan. */
  private folderStats: BigIntStats;
  private scannedStats: BigIntStats | null = null;
  private lastEntries: Dirent[] | null = null;
  /** For this scan: names the watch reported (read again whatever stat says), or every file checked by stat. */
  private reported: ReadonlySet<string> = new Set();
  private statEveryFile = true;
  /** The last scan ran to its end (a file that failed to read leaves it false). */
  private scanComplete = false;
  /** The last complete discovery built from these files, per way of showing paths. */
  private readonly results = new Map<string, unknown>();

  private constructor(
    /** The folder's real path: files are read through it, never through a symlink that may be swapped. */
    private readonly dir: string,
    stats: BigIntStats,
    private readonly watchable: boolean,
  ) {
    this.folderStats = stats;
  }

  /**
   * The cache of the folder `dir` names now. Throws the file system's error (ENOENT,
   * ENOTDIR, EACCES) when it cannot be resolved.
   */
  static for(dir: string): FolderCache {
    const real = realpathSync.native(dir);
    const stats = statSync(real, { bigint: true });
    let cache = folders.get(real);
    if (cache && !cache.isSameFolder(stats)) {
      // Deleted and re-created (or another file system mounted there): nothing cached is its.
      cache.close();
      folders.delete(real);
      cache = undefined;
    }
    if (!cache) {
      if (folders.size >= MAX_FOLDERS) {
        const [oldest, entry] = folders.entries().next().value as [string, FolderCache];
        entry.close();
        folders.delete(oldest);
      }
      cache = new FolderCache(real, stats, watchTrusted(real));
      folders.set(real, cache);
    }
    cache.folderStats = stats;
    return cache;
  }

  /**
   * The folder's entries, and whether none may have changed since the last scan. Lets the
   * event loop poll once first, so the watch has reported every change made before this call.
   */
  async entries(): Promise<{ entries: Dirent[]; unchanged: boolean }> {
    if (this.watcher) {
      // Called from an I/O callback, the first turn runs before this iteration's poll has read
      // the inotify queue again; the second comes after one poll, which has.
      await nextTurn();
      await nextTurn();
    }
    const folderChanged = this.scannedStats === null || this.scannedStats.mtimeNs !== this.folderStats.mtimeNs || this.scannedStats.ctimeNs !== this.folderStats.ctimeNs;
    const changed = this.changed;
    const watched = this.watcher !== null && changed !== 'all';
    if (watched && changed.size === 0 && !folderChanged && this.scanComplete && !this.lastEntries!.some((e) => e.isSymbolicLink())) {
      return { entries: this.lastEntries!, unchanged: true };
    }
    // A changed folder the watch said nothing about means the watch missed something: check every file.
    this.statEveryFile = !watched || (folderChanged && changed.size === 0) || !this.scanComplete;
    // Names reported before a scan that stopped part-way are still owed a read.
    this.reported = watched ? new Set([...this.reported, ...(changed as Set<string>)]) : new Set();
    this.scanComplete = false;
    // Watch before reading, so a change during the read is not missed.
    if (!this.watcher && this.watchable) this.startWatching();
    // From here on the watch collects changes for the next call.
    if (this.watcher) this.changed = new Set();
    const entries = readdirSync(this.dir, { withFileTypes: true });
    this.lastEntries = entries;
    return { entries, unchanged: false };
  }

  /** A file's text and checksum, read again unless the watch or its stat vouches for the cached one. */
  read(name: string, symlink: boolean): CachedFile {
    const path = this.dir + sep + name; // path.join's normalising costs more than the read
    const hit = this.files.get(name);
    if (hit && !this.reported.has(name)) {
      if (!this.statEveryFile && !symlink) return hit;
      const stats = regularFile(path);
      if (hit.stamp && !hit.stamp.racy && sameFile(hit.stamp, stats)) return hit;
      return this.load(name, path, stats);
    }
    // On the first read under a trusted watch no stat is needed (1,000 of them cost as much
    // as reading the files): the watch reports every later change, and the folder listing
    // said this name is a regular file.
    return this.load(name, path, this.watcher && !symlink ? null : regularFile(path));
  }

  /** Called after a complete scan: the files read so far are current, and `result` is what they make. */
  scanned(resultKey: string, result: unknown): void {
    this.scannedStats = this.folderStats;
    this.reported = new Set();
    this.scanComplete = true;
    if (!this.watcher) return;
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

  private isSameFolder(stats: BigIntStats): boolean {
    const was = this.folderStats;
    return was.dev === stats.dev && was.ino === stats.ino && was.birthtimeNs === stats.birthtimeNs;
  }

  private load(name: string, path: string, stats: BigIntStats | null): CachedFile {
    // readFileSync with an encoding opens, reads and closes in one call into Node's C++ side:
    // cheaper than three wrapped calls from JavaScript for each of 1,000 small files.
    const text = normalizeText(readFileSync(path, 'utf8'));
    const entry: CachedFile = { text, checksum: checksumOf(text), stamp: stats ? stampOf(stats) : null };
    this.files.set(name, entry);
    return entry;
  }

  private startWatching(): void {
    const self = basename(this.dir);
    try {
      const watcher = watch(this.dir, { persistent: false }, (_event, name) => {
        if (this.changed === 'all') return;
        // inotify names the watched folder itself when it is deleted or moved (the watch then
        // goes quiet): drop it, so the next call checks every file and watches afresh.
        if (name === null || name === undefined || String(name) === self) this.watchLost();
        else this.changed.add(String(name));
      });
      watcher.on('error', () => this.watchLost());
      this.watcher = watcher;
      this.changed = 'all';
    } catch {
      // Out of inotify watches, or a file system that cannot be watched: stat every file instead.
      this.watcher = null;
    }
  }

  private watchLost(): void {
    this.close();
  }
}

function watchTrusted(dir: string): boolean {
  if (process.platform !== 'linux') return false;
  return !REMOTE_FILE_SYSTEMS.has(statfsSync(dir).type);
}

/** The stat of the file at `path` (through a symlink); a FIFO or device there would block or never end a read. */
function regularFile(path: string): BigIntStats {
  const stats = statSync(path, { bigint: true });
  if (stats.isFile()) return stats;
  const code = stats.isDirectory() ? 'EISDIR' : 'ENOTREG';
  throw Object.assign(new Error(`${code}: not a regular file, read '${path}'`), { code, path });
}

function stampOf(stats: BigIntStats): FileStamp {
  const changedAt = stats.mtimeNs > stats.ctimeNs ? stats.mtimeNs : stats.ctimeNs;
  const now = BigInt(Date.now()) * 1_000_000n;
  return { ino: stats.ino, size: stats.size, mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs, racy: now - changedAt < RACY_NS };
}

function sameFile(stamp: FileStamp, stats: BigIntStats): boolean {
  return stamp.ino === stats.ino && stamp.size === stats.size && stamp.mtimeNs === stats.mtimeNs && stamp.ctimeNs === stats.ctimeNs;
}
