/**
 * The Migrator's events as progress and notes on the terminal (stderr under --json).
 */
import { migrationId, type StrataEvent } from '../index.js';
import { renderBackupEvent } from './backup-commands.js';
import type { BatchProgress } from './batch-progress.js';
import { databaseWaitNote } from './wait.js';
import type { Output } from './output.js';
import type { Progress } from './progress.js';

export function onEvent(out: Output, progress: Progress, event: StrataEvent, batches: BatchProgress): void {
  if (event.type === 'migration-done' || event.type === 'migration-failed') batches.stop();
  if (renderBackupEvent(out, event)) return;
  switch (event.type) {
    case 'batch-progress':
      progress.clear();
      batches.update(event);
      break;
    case 'lock-wait':
      out.note(`strata: waiting for the migration lock${event.holder ? ` (held by ${event.holder})` : ''}…`);
      break;
    case 'database-wait': {
      const note = databaseWaitNote(event);
      if (note) out.note(note);
      break;
    }
    case 'migration-start':
      progress.update(event.index, event.total, `${event.direction === 'up' ? 'applying' : 'rolling back'} ${migrationId(event.version, event.name)}`);
      break;
    case 'migration-done':
      progress.clear();
      out.line(`${event.direction === 'up' ? 'applied' : 'rolled back'} ${migrationId(event.version, event.name)} (${event.durationMs} ms)`);
      break;
    case 'ddl-retry':
      out.note(`strata: ${event.version} waited too long for a lock${event.table ? ` on ${event.table}` : ''}; retrying (${event.attempt})`);
      break;
    case 'log':
      out.note(event.message);
      break;
    case 'note':
      out.note(`note: ${event.message}`);
      break;
    default:
      break;
  }
}

