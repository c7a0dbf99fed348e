/** `strata backup`, `strata backups`, `strata restore <file>` (§7), and how backup events are shown. */
import type { Command } from 'commander';
import { relative } from 'node:path';
import type { BackupFile, StrataEvent } from '../index.js';
import { confirm } from './confirm.js';
import type { Runner } from './main.js';
import type { Output } from './output.js';

export function addBackupCommands(command: (name: string, description: string) => Command, run: Runner): void {
  command('backup', 'make a backup of the database now (see docs/backups.md)').action(run(async ({ out, migrator }) => {
    const result = await migrator.backup();
    out.document(backupDocument(result));
    out.line(`backed up to ${shown(result.file)} (${size(result.sizeBytes)}, version ${result.version ?? 'none'})`);
  }));

  command('backups', 'list the backups of the database: file, size, time, version').action(run(async ({ out, migrator }) => {
    const result = await migrator.backups();
    out.document({ backups: result.backups.map(backupDocument) });
    if (result.backups.length === 0) out.line('no backups yet');
    for (const b of result.backups) out.line(`${shown(b.file)}  ${size(b.sizeBytes).padStart(9)}  ${b.createdAt}  ${b.version ?? '(none applied)'}`);
  }));

  command('restore', 'put a backup back into the database (asks unless --yes)')
    .argument('<file>', 'a backup file, as `strata backups` lists it')
    .option('--force', 'restore even a protected environment')
    .action(run(async ({ out, flags, migrator, database }, args) => {
      const file = args[0] as string;
      const options = args[1] as { force?: boolean };
      await confirm(out, flags, `replace everything in ${database} with ${file}?`);
      const result = await migrator.restore(file, { force: options.force });
      out.document({ restored: result.restored, version: result.version, versionBefore: result.versionBefore });
      out.line(`restored ${shown(result.restored)}: version ${result.versionBefore ?? 'none'} → ${result.version ?? 'none'}${result.logRowsKept ? ` (${result.logRowsKept} later log entries kept)` : ''}`);
    }));
}

/** Renders the backup events; false for any other event. */
export function renderBackupEvent(out: Output, event: StrataEvent): boolean {
  if (event.type === 'backup-progress') {
    const what = event.operation === 'backup' ? 'backing up to' : 'restoring';
    const percent = event.fraction === null ? '' : ` ${Math.floor(event.fraction * 100)}%`;
    if (process.stderr.isTTY && !out.quiet) {
      process.stderr.write(`\r\u001b[2K${what} ${shown(event.file)}${percent} (${Math.round(event.elapsedMs / 1000)} s)`);
      lineShown = true;
    } else if (!progressNoted.has(event.file)) {
      progressNoted.add(event.file);
      out.note(`strata: ${what} ${shown(event.file)}…`);
    }
    return true;
  }
  if (event.type === 'backup-done') {
    if (lineShown) process.stderr.write('\r\u001b[2K');
    lineShown = false;
    if (event.operation === 'backup') out.note(`strata: restore point ${shown(event.file)} (${size(event.sizeBytes)}, ${event.durationMs} ms)`);
    return true;
  }
  return false;
}

const progressNoted = new Set<string>();
let lineShown = false;

function backupDocument({ file, sizeBytes, createdAt, version }: BackupFile) {
  return { file, sizeBytes, createdAt, version };
}

/** A path relative to the working folder when it is inside it. */
function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') || rel === '' ? file : rel;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}
