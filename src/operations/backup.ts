/**
 * `backup` (a restore point now), `backups` (the list) and `restore <file>` (§7). A restore
 * takes the lock, puts the file back, keeps the audit trail (log rows written after the
 * backup was made are appended again) and appends a `restore` row.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BackupError, ConfigError, StrataError, messageOf } from '../core/errors.js';
import type { LogEntry, LogRow } from '../core/model.js';
import type { Driver } from '../core/ports/index.js';
import type { BackupFile } from '../backups/files.js';
import { backupTargetOf, currentVersion, listOf, makeBackup, progressReporter } from '../backups/restore-point.js';
import { withLock, type OperationContext } from './context.js';
import { log } from './record.js';
import { refuseProtected } from './reset.js';

export type { BackupFile } from '../backups/files.js';

export interface BackupsResult {
  readonly backups: BackupFile[];
}

export interface RestoreOptions {
  /** Restore even a protected environment. */
  readonly force?: boolean | undefined;
}

export interface RestoreResult {
  /** The file put back (absolute). */
  readonly restored: string;
  /** The version applied after the restore (the backup's); null when nothing is. */
  readonly version: string | null;
  /** The version applied before it; null when nothing was. */
  readonly versionBefore: string | null;
  /** Log rows written after the backup was made, appended again so the audit trail survives. */
  readonly logRowsKept: number;
}

/** Everything the log can hold: a restore reads it whole to append again what the backup lacks. */
const WHOLE_LOG = 2 ** 31 - 1;

/** `backup`: one now, under the lock (no migration runs while the copy is made). */
export async function backup(ctx: OperationContext): Promise<BackupFile> {
  return withLock(ctx, async (driver, { applied }) => makeBackup(ctx, await backupTargetOf(driver), currentVersion(applied)));
}

/** `backups`: this database's backups, oldest first. Read-only. */
export async function backups(ctx: OperationContext): Promise<BackupsResult> {
  const driver = await ctx.driver();
  return { backups: listOf(ctx.backup, await backupTargetOf(driver)) };
}

export async function restore(ctx: OperationContext, file: string, options: RestoreOptions = {}): Promise<RestoreResult> {
  if (typeof file !== 'string' || file.trim() === '') throw new ConfigError('usage', 'restore needs the backup file to put back', { hint: '`strata backups` lists them' });
  const path = resolve(ctx.backup.cwd, file);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new ConfigError('usage', `cannot restore ${path}: no such file`, { file: path, hint: '`strata backups` lists the backups of this database; nothing was changed' });
  }
  const driver = await ctx.driver();
  const target = await backupTargetOf(driver);
  await refuseProtected(ctx, driver, options, 'restore', 'restore replaces the whole database with the backup');
  return withLock(ctx, async (driver, { applied }) => {
    const versionBefore = currentVersion(applied);
    const logBefore = await driver.readLog(WHOLE_LOG);
    await target.verify(path);
    const started = performance.now();
    if (!target.replacesWholeDatabase) await clearForRestore(driver, path);
    await target.restoreFrom(path, progressReporter(ctx, 'restore', path, started), ctx.signal);
    ctx.emit({ type: 'backup-done', operation: 'restore', file: path, sizeBytes: statSync(path).size, durationMs: Math.round(performance.now() - started) });
    // The restored database holds the lock as the backup had it (a lease row gone, or one of a
    // run long over): take it again before writing to the log.
    await driver.releaseLock();
    await driver.acquireLock({ timeoutMs: ctx.lockTimeoutMs, signal: ctx.signal });
    await driver.ensureTracking();
    const version = currentVersion((await driver.readApplied()) ?? []);
    const kept = await appendLostLogRows(driver, logBefore, await driver.readLog(WHOLE_LOG));
    await log(ctx, driver, { version, name: null, checksum: null }, 'restore', { file: path, versionBefore, versionAfter: version, logRowsKept: kept });
    return { restored: path, version, versionBefore, logRowsKept: kept };
  });
}

/**
 * A server restore puts back the objects the backup holds: drop the others first (a table a
 * later migration created would stay and clash with the restored tracking rows), and forget
 * what is applied (a backup made before the tracking table existed restores none).
 */
async function clearForRestore(driver: Driver, file: string): Promise<void> {
  try {
    await driver.dropObjects(await driver.listObjects());
    await driver.deleteAllApplied();
  } catch (error) {
    if (error instanceof StrataError) throw error;
    throw new BackupError('backup-failed', `cannot restore ${file}: clearing the database first failed: ${messageOf(error)}`, {
      file,
      hint: 'check the user\'s rights to drop objects; nothing was restored',
    }, { cause: error });
  }
}

/** Appends, oldest first, the log rows of `before` that the restored log lacks (written after the backup). Returns how many. */
async function appendLostLogRows(driver: Driver, before: readonly LogRow[], after: readonly LogRow[]): Promise<number> {
  const key = (row: LogRow) => `${row.runId}|${row.startedAt}|${row.operation}|${row.version ?? ''}|${row.status}`;
  const restored = new Set(after.map(key));
  const lost = before.filter((row) => !restored.has(key(row))).sort((a, b) => a.id - b.id);
  for (const { id: _id, ...entry } of lost) await driver.appendLog(entry as LogEntry);
  return lost.length;
}
