/**
 * `dump` (the live schema as SQL) and `wait` (until the database accepts connections).
 */
import { dumpCommand, type DumpFlags } from '../dump.js';
import { timeoutAsWait, waitForDatabase } from '../wait.js';
import type { CommandFactory, Runner } from '../main.js';

export function addDatabaseCommands(command: CommandFactory, run: Runner, redact: (text: string) => string): void {
  command('dump', 'the live schema as SQL, read from the catalogs (no pg_dump or mysqldump needed)')
    .option('--out <file>', 'write the SQL to this file instead of stdout')
    .option('--include-tracking', "also strata's own tracking tables")
    .action(run(async ({ out, migrator }, args) => {
      await dumpCommand(out, migrator, args[0] as DumpFlags, redact);
    }));

  command('wait', 'wait until the database accepts connections (exit 0), or exit 2 after --timeout')
    .option('--timeout <seconds>', 'how long to wait (default 60)')
    .hook('preAction', (_program, cmd) => timeoutAsWait(cmd))
    .action(run(({ out, migrator, database }) => waitForDatabase(out, migrator, database)));
}
