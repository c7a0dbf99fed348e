/**
 * `strata wait` and `--wait <seconds>` (issue 18, SPEC §5): containers start before their
 * database. The waiting itself is the library's (`wait` option, `Migrator.connect()`).
 */
import type { Command } from 'commander';
import { ConfigError, type Migrator, type StrataEvent } from '../index.js';
import type { Output } from './output.js';

/** The commands that change the database, each of which takes `--wait`. */
export const CHANGING_COMMANDS: readonly string[] = ['up', 'down', 'redo', 'reset', 'baseline', 'mark-applied', 'unmark', 'repair', 'backup', 'restore', 'import'];

export const DEFAULT_WAIT_TIMEOUT = '60';

/** Adds `--wait <seconds>` to every changing command of `program`. */
export function addWaitOptions(program: Command): void {
  for (const command of program.commands) {
    if (CHANGING_COMMANDS.includes(command.name())) {
      command.option('--wait <seconds>', 'first wait up to this long for the database to accept connections (default: no waiting)');
    }
  }
}

/** Before `strata wait` runs: its `--timeout` (default 60) is the migrator's `wait`. */
export function timeoutAsWait(command: Command): void {
  const timeout = (command.opts() as { timeout?: string }).timeout ?? DEFAULT_WAIT_TIMEOUT;
  const seconds = Number(timeout);
  if (timeout.trim() === '' || !Number.isFinite(seconds) || seconds < 0) throw new ConfigError('usage', `--timeout takes a number of seconds (got "${timeout}")`);
  command.setOptionValue('wait', timeout);
}

export async function waitForDatabase(out: Output, migrator: Migrator, database: string): Promise<void> {
  const { attempts, waitedMs } = await migrator.connect();
  out.document({ ready: true, attempts, waitedMs });
  out.line(attempts === 1 ? `${database} accepts connections` : `${database} accepts connections (after ${(waitedMs / 1000).toFixed(1)} s, ${attempts} attempts)`);
}

/** The stderr note of a `database-wait` event: said once, on the first failed attempt. */
export function databaseWaitNote(event: Extract<StrataEvent, { type: 'database-wait' }>): string | null {
  if (event.attempt !== 1) return null;
  return `strata: the database does not accept connections yet (${event.error}); waiting up to ${event.timeoutMs / 1000} s…`;
}
