/**
 * Making one backup (§7): the restore point a changing command takes once it holds the lock
 * and knows its plan is not empty, and `strata backup`. The copy itself is the driver's
 * (`safetyNet().backup`); this file decides where it goes, names it, reports its progress and
 * prunes the oldest beyond `keep`.
 */
import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AbortError, BackupError, ConfigError, StrataError, messageOf } from '../core/errors.js';
import type { EventListener } from '../core/events.js';
import type { AppliedMigration } from '../core/model.js';
import type { Driver } from '../core/ports/index.js';
import type { BackupTarget } from '../core/ports/safety-net.js';
import { backupFileName, listBackups, pruneBackups, type BackupFile } from './files.js';

export interface BackupSettings {
  /** The `backup` option: true / false, or null for the database's default (SQLite on, servers off). */
  readonly enabled: boolean | null;
  /** The `backups` option, absolute; null: `<dir of db>/backups` for SQLite, `<cwd>/backups` for servers. */
  readonly folder: string | null;
  /** How many backups stay per database (0 keeps all). */
  readonly keep: number;
  readonly cwd: string;
}

export const DEFAULT_KEEP = 10;

/** A progress event at most this often, and only once a copy has run this long. */
const PROGRESS_AFTER_MS = 1000;
const PROGRESS_EVERY_MS = 200;

export interface BackupContext {
  readonly backup: BackupSettings;
  readonly emit: EventListener;
  readonly signal: AbortSignal | undefined;
}

/** The restore point before a change: null when backups are off here or the database cannot be copied (`:memory:`). */
export async function takeRestorePoint(ctx: BackupContext, driver: Driver, applied: readonly AppliedMigration[]): Promise<BackupFile | null> {
  const target = (await driver.safetyNet?.())?.backup ?? null;
  if (!target || !(ctx.backup.enabled ?? target.onByDefault)) return null;
  return makeBackup(ctx, target, currentVersion(applied));
}

/** The database's backup target, or a ConfigError saying why there is none (`backup`, `backups`, `restore`). */
export async function backupTargetOf(driver: Driver): Promise<BackupTarget> {
  const target = (await driver.safetyNet?.())?.backup ?? null;
  if (!target) {
    throw new ConfigError('backup-failed', `${driver.displayName} cannot be backed up (an in-memory database has no file to copy)`, {
      hint: 'use a database file or a server database',
    });
  }
  return target;
}

export function backupFolder(settings: BackupSettings, target: BackupTarget): string {
  return settings.folder ?? target.defaultFolder ?? resolve(settings.cwd, 'backups');
}

export function listOf(settings: BackupSettings, target: BackupTarget): BackupFile[] {
  return listBackups(backupFolder(settings, target), target.name, target.extension);
}

/** Copies the database now, then removes the oldest beyond `keep`. */
export async function makeBackup(ctx: BackupContext, target: BackupTarget, version: string | null): Promise<BackupFile> {
  const folder = backupFolder(ctx.backup, target);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new BackupError('backup-failed', `cannot create the backup folder ${folder}: ${messageOf(error)}`, {
      hint: 'make the folder writable, set `backups` to another folder, or run with --no-backup; nothing was changed',
    }, { cause: error });
  }
  const createdAt = new Date();
  const file = backupFileName(folder, target.name, createdAt, version, target.extension);
  const started = performance.now();
  try {
    await target.copyTo(file, progressReporter(ctx, 'backup', file, started), ctx.signal);
  } catch (error) {
    if (error instanceof AbortError) throw error;
    if (error instanceof StrataError) throw withNothingChanged(error, file);
    throw new BackupError('backup-failed', `cannot write the backup ${file}: ${messageOf(error)}`, {
      file,
      hint: 'check that the folder is writable and has room, set `backups` to another folder, or run with --no-backup; nothing was changed',
    }, { cause: error });
  }
  const sizeBytes = statSync(file).size;
  ctx.emit({ type: 'backup-done', operation: 'backup', file, sizeBytes, durationMs: Math.round(performance.now() - started) });
  pruneBackups(folder, target.name, target.extension, ctx.backup.keep);
  return { file, sizeBytes, createdAt: new Date(Math.floor(createdAt.getTime() / 1000) * 1000).toISOString(), version };
}

export function progressReporter(ctx: BackupContext, operation: 'backup' | 'restore', file: string, started: number) {
  let last = 0;
  return (fraction: number | null): void => {
    const now = performance.now();
    if (now - started < PROGRESS_AFTER_MS || now - last < PROGRESS_EVERY_MS) return;
    last = now;
    ctx.emit({ type: 'backup-progress', operation, file, fraction, elapsedMs: Math.round(now - started) });
  };
}

/** The version applied now: the last applied row's, null when nothing is applied. */
export function currentVersion(applied: readonly AppliedMigration[]): string | null {
  return applied.filter((row) => row.state === 'applied').at(-1)?.version ?? null;
}

function withNothingChanged(error: StrataError, file: string): StrataError {
  if (error.file === null) Object.defineProperty(error, 'file', { value: file, enumerable: true });
  return error;
}
