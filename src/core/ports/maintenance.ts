/** The maintenance port: what `info` and `reset` need, and closing what the driver opened. */
import type { LockStrategy } from './lock.js';
import type { SchemaReader } from '../schema.js';
import type { SafetyNet } from './safety-net.js';
import type { BatchSupport } from '../batch/support.js';

export interface TableInfo {
  readonly name: string;
  readonly rows: number;
  /** Catalog estimate (servers) rather than an exact count (SQLite). */
  readonly estimated: boolean;
}

export interface DatabaseInfo {
  readonly engine: string;
  readonly serverVersion: string;
  readonly sizeBytes: number | null;
  readonly tables: readonly TableInfo[];
}

/** A schema object `reset` drops. */
export interface DbObject {
  readonly type: string;
  readonly name: string;
}

export interface Maintenance {
  /** Engine and lock strategy in use (`info`, and the choice the lock is made by). */
  describe(): Promise<{ engine: string; lock: LockStrategy; serverVersion: string }>;
  info(): Promise<DatabaseInfo>;
  /** Every object `reset` drops, in an order that can be dropped. */
  listObjects(): Promise<DbObject[]>;
  dropObjects(objects: readonly DbObject[]): Promise<void>;
  /** Optional. Backups, restores and scratch databases (§7); absent: none of them on this database. */
  safetyNet?(): Promise<SafetyNet>;
  /**
   * Optional. The live schema read from the catalogs, with no external program (`dump`, and
   * the snapshots `test` and `drift` compare). Read-only: creates nothing, takes no lock.
   */
  schemaReader?(): SchemaReader;
  /** Optional: what `db.batch` needs from this dialect (§10); absent, `db.batch` is refused. */
  readonly batch?: BatchSupport;
  /** Closes what the driver opened (never a connection or pool the application passed in). */
  close(): Promise<void>;
}
