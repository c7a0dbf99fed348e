/**
 * What `db.batch` (§10) needs from a dialect: its placeholders, whether a row-value
 * comparison `(a, b) > (?, ?)` is usable, the primary key of a table, a row estimate, and the
 * checkpoint store in strata's own tables. Drivers implement it as `Driver.batch`; the core
 * never asks for a dialect's name.
 */
import type { Row } from '../ports/index.js';

/** Where one `db.batch` of a `transaction: off` migration got to: committed with its batch. */
export interface Checkpoint {
  readonly name: string;
  /** The last key of the last committed batch, encoded by ./key-codec.ts. */
  readonly lastKey: string;
  readonly batches: number;
  readonly rowsDone: number;
}

/**
 * The `<table>_ckpt` table: one row per (migration version, batch name). Written inside the
 * batch's own transaction, so a batch's effects and its checkpoint commit together.
 */
export interface CheckpointStore {
  /** Creates the table when missing. Called outside any transaction, before the first write. */
  ensure(): Promise<void>;
  /** The migration's checkpoints; [] when the table does not exist. Read-only. */
  read(version: string): Promise<Checkpoint[]>;
  /** Versions that have checkpoints; [] when the table does not exist. Read-only. */
  versions(): Promise<string[]>;
  /** Insert or replace, inside the caller's transaction. */
  write(version: string, checkpoint: Checkpoint): Promise<void>;
  /** Removes the migration's checkpoints, inside the caller's transaction when one is open. */
  clear(version: string): Promise<void>;
}

export interface BatchSupport {
  /** `(a, b) > (x, y)` is supported and uses a composite index; else the expanded OR form is used. */
  readonly rowValues: boolean;
  /** The n-th (1-based) parameter placeholder of a statement: `?` or `$n`. */
  placeholder(n: number): string;
  /** `table` as it appears after FROM: each dot-separated part quoted. */
  quoteTable(table: string): string;
  /** The primary key's columns in key order; [] when the table has none. Throws when the table does not exist. */
  primaryKey(table: string): Promise<string[]>;
  /**
   * How many rows the walk will see, or null when unknown: catalog statistics on servers
   * (the whole table, cheap), `count(*)` with the `where` on SQLite.
   */
  estimateRows(table: string, where: string | null, params: readonly unknown[]): Promise<number | null>;
  readonly checkpoints: CheckpointStore;
}

export type { Row };
