/**
 * `db.batch` (§10): walks a table in key order, `size` rows at a time, by keyset pagination.
 * Inside a transaction (a transactional migration) every batch is part of it. Outside one (a
 * `transaction: off` migration, or any code migration on an engine whose DDL commits
 * implicitly) each batch is its own transaction, committed together with its checkpoint and
 * the migration's progress, so a batch's effects and its checkpoint commit together or not at
 * all; `up --resume` starts each walk after its checkpoint.
 */
import { performance } from 'node:perf_hooks';
import type { Driver, Row } from '../ports/index.js';
import type { EventListener } from '../events.js';
import { ensureCheckpointTable, markCheckpointed } from './checkpoints.js';
import { decodeKey, encodeKey } from './key-codec.js';
import { keysetSelect, type KeysetQuery } from './keyset.js';
import { DEFAULT_BATCH_SIZE, checkBatchOptions, type BatchFn, type BatchOptions, type BatchResult } from './options.js';
import type { BatchSupport, Checkpoint } from './support.js';

/** What the walks of one migration share. */
export interface BatchScope {
  readonly driver: Driver;
  readonly version: string;
  readonly signal: AbortSignal | undefined;
  /** `up --resume`: walks start after their checkpoints. */
  readonly resume: boolean;
  readonly emit: EventListener;
  /** Before each batch and before each commit: a stop (signal, lost lease) throws here. */
  readonly safePoint: () => Promise<void>;
  /** The migration's statements so far, recorded with each checkpoint (the dirty row's progress). */
  readonly statementsDone: () => number;
  /** A committed batch counts as a statement of the migration. */
  readonly onStatement: () => void;
}

export type BatchMethod = <T = Record<string, unknown>>(options: BatchOptions, fn: BatchFn<T>) => Promise<BatchResult>;

export function batchMethod(scope: BatchScope): BatchMethod {
  const names = new Set<string>();
  let stored: Map<string, Checkpoint> | null = null;
  const storedCheckpoints = async (support: BatchSupport) => {
    if (!stored) {
      stored = new Map((await support.checkpoints.read(scope.version)).map((c) => [c.name, c]));
      // Resumed: they are removed when the migration completes, whether or not a batch runs.
      if (stored.size > 0) markCheckpointed(scope.driver, scope.version);
    }
    return stored;
  };

  return async <T>(options: BatchOptions, fn: BatchFn<T>): Promise<BatchResult> => {
    checkBatchOptions(options, fn);
    const { driver } = scope;
    const support = driver.batch;
    if (!support) throw new Error('db.batch: this database driver cannot walk a table in batches');
    const key = options.key === undefined ? await support.primaryKey(options.table) : typeof options.key === 'string' ? [options.key] : [...options.key];
    if (key.length === 0) throw new Error(`db.batch: table ${options.table} has no primary key; pass \`key\`: a column (or columns) unique together to walk it by`);
    const name = options.name ?? `${options.table}:${key.join(',')}`;
    if (names.has(name)) throw new Error(`db.batch: the name "${name}" is used twice in this migration; give each db.batch its own \`name\` (its checkpoint is kept under it)`);
    names.add(name);
    const query: KeysetQuery = {
      table: options.table, key, columns: options.columns ?? null, where: options.where ?? null,
      params: options.params ?? [], size: options.size ?? DEFAULT_BATCH_SIZE,
    };
    const dialect = { rowValues: support.rowValues, placeholder: (n: number) => support.placeholder(n), quoteIdentifier: (n: string) => driver.quoteIdentifier(n), quoteTable: (t: string) => support.quoteTable(t) };
    // Outside a transaction each batch commits on its own, with its checkpoint.
    const ownCommits = !driver.inTransaction;

    let after: unknown[] | null = null;
    let batch = 0;
    let done = 0;
    let resumed = false;
    if (ownCommits && scope.resume) {
      const checkpoint = (await storedCheckpoints(support)).get(name);
      if (checkpoint) {
        after = decodeKey(checkpoint.lastKey);
        batch = checkpoint.batches;
        done = checkpoint.rowsDone;
        resumed = true;
      }
    }
    const total = await support.estimateRows(options.table, query.where, query.params);
    if (ownCommits) await ensureCheckpointTable(driver);
    const started = performance.now();
    let rowsThisRun = 0;

    for (;;) {
      await scope.safePoint();
      driver.assertLockHeld();
      if (ownCommits) await driver.begin();
      let rows: Row[];
      try {
        const select = keysetSelect(dialect, query, after);
        rows = await driver.query(select.sql, select.params);
        if (rows.length > 0) {
          await fn(rows as T[], { batch: batch + 1, done, total, totalEstimated: true });
          after = lastKey(rows, key);
          if (ownCommits) {
            const checkpoint = { name, lastKey: encodeKey(after), batches: batch + 1, rowsDone: done + rows.length };
            await support.checkpoints.write(scope.version, checkpoint);
            scope.onStatement();
            // Checked against the lease in the same transaction, like every tracking write.
            await driver.writeProgress(scope.version, scope.statementsDone(), null);
            // A signal during the batch: it rolls back, never committed after the signal (§5).
            await scope.safePoint();
          }
        }
        if (ownCommits) await driver.commit();
      } catch (error) {
        if (ownCommits && driver.inTransaction) await driver.rollback();
        throw error;
      }
      if (rows.length === 0) break;
      if (ownCommits) markCheckpointed(driver, scope.version);
      batch++;
      done += rows.length;
      rowsThisRun += rows.length;
      const seconds = (performance.now() - started) / 1000;
      const rowsPerSecond = seconds > 0 ? Math.round(rowsThisRun / seconds) : 0;
      scope.emit({
        type: 'batch-progress', version: scope.version, name, batch, done, total, totalEstimated: true, rowsPerSecond,
        etaMs: total !== null && rowsPerSecond > 0 ? Math.max(0, Math.round(((total - done) / rowsPerSecond) * 1000)) : null,
      });
      if (rows.length < query.size) break;
      if (options.pauseMs) await pause(options.pauseMs, scope.signal);
    }
    return { name, batches: batch, rows: done, resumed };
  };
}

function lastKey(rows: readonly Row[], key: readonly string[]): unknown[] {
  const last = rows[rows.length - 1]!;
  return key.map((column) => {
    if (!(column in last)) throw new Error(`db.batch: the key column ${column} is not in the rows; add it to \`columns\``);
    const value = last[column];
    if (value === null || value === undefined) throw new Error(`db.batch: the key column ${column} is NULL in a row; walk by a key that is never NULL (the primary key is)`);
    return value;
  });
}

/** Waits `ms`, or less when the signal aborts (the next safe point then stops the walk). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    signal?.addEventListener('abort', finish, { once: true });
  });
}
