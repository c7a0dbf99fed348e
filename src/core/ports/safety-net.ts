/**
 * What a driver offers for §7: copying its database to a file and back (restore points,
 * `backup`, `restore`), and creating throw-away databases on the same server (scratch
 * databases for `test` and `drift`). Each dialect builds one in its own `safety-net.ts`; the
 * operations ask the driver for it (`Driver.safetyNet`) and never for a dialect's name.
 */

/** Called while a copy runs: `fraction` 0…1 where the copy can tell how far it is, else null. */
export type CopyProgress = (fraction: number | null) => void;

export interface BackupTarget {
  /** The database's name in backup file names: a SQLite file's name without its extension, a server database's name. */
  readonly name: string;
  /**
   * Where backups go when the `backups` option is not set: `<dir of db>/backups` for a SQLite
   * file; null for a server (the caller then uses `backups/` in its working folder).
   */
  readonly defaultFolder: string | null;
  /** `.db`, `.dump` (pg_dump's custom format) or `.sql` (mysqldump). */
  readonly extension: string;
  /** Whether a restore point is taken when the `backup` option is not set (SQLite yes, servers no). */
  readonly onByDefault: boolean;
  /**
   * true: restoreFrom replaces the whole database (a file copy). false: it restores the objects
   * the backup holds, so the caller first drops the others and forgets what is applied.
   */
  readonly replacesWholeDatabase: boolean;
  /**
   * Writes a consistent copy of the database to `file` (which does not exist yet). Rejects with
   * a BackupError (exit 1) when the copy fails and a ConfigError `backup-failed` (exit 2) when
   * the program it needs is missing. Never leaves a partial `file` behind.
   */
  copyTo(file: string, progress: CopyProgress, signal?: AbortSignal): Promise<void>;
  /**
   * Puts `file` back into the live database, in place: on SQLite through the backup API, so
   * other processes' open connections see the restored data. Called with the migration lock held.
   */
  restoreFrom(file: string, progress: CopyProgress, signal?: AbortSignal): Promise<void>;
  /** Rejects with a BackupError when `file` is not a backup this database can restore; called before anything changes. */
  verify(file: string): Promise<void>;
}

/** Creating and dropping throw-away databases (scratch databases, §7). */
export interface ScratchPort {
  /** Creates the database `name` (`strata_scratch_…`) and returns a URL that connects to it. */
  create(name: string): Promise<string>;
  /** Drops it, also when connections to it are still open. Never throws for one that is gone. */
  drop(name: string): Promise<void>;
  /** The names of databases (or files) starting with `prefix` that this port can see. */
  list(prefix: string): Promise<string[]>;
  /** Whether `error` (from create) says the user may not create databases. */
  isPermissionDenied(error: unknown): boolean;
}

/** What a server driver hands its safety net: the connection's own settings and its statements. */
export interface ServerConnectionPorts<Login> {
  /** The settings the run's connection was opened with (host, port, user, password, database); null when unknown. */
  readonly login: Login | null;
  readonly query: (sql: string, params?: readonly unknown[]) => Promise<Record<string, unknown>[]>;
  readonly execute: (sql: string) => Promise<void>;
  /** Passwords to remove from a program's messages. */
  readonly secrets: readonly string[];
}

export interface SafetyNet {
  /** null: this database cannot be copied to a file (`:memory:`). */
  readonly backup: BackupTarget | null;
  /** null: strata does not know how to reach the server again (an application's pool without its settings). */
  readonly scratch: ScratchPort | null;
}
