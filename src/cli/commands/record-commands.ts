/**
 * The commands that change the tracking table without running migrations: `baseline`,
 * `mark-applied`, `unmark`, `import`, `repair`, and `reset` (drop all, apply all again).
 */
import { confirm } from '../confirm.js';
import { runImport, type ImportFlags } from '../import-command.js';
import { renderRepairPlan } from '../render.js';
import type { CommandFactory, Runner } from '../main.js';

export function addRecordCommands(command: CommandFactory, run: Runner): void {
  command('baseline', 'record migrations up to <version> as applied without running them (adopt an existing database)')
    .argument('<version>')
    .action(run(async ({ out, migrator }, args) => {
      const result = await migrator.baseline(args[0] as string);
      out.document(result);
      out.line(`baselined ${result.baselined.length} migration${result.baselined.length === 1 ? '' : 's'}${result.baselined.length ? `: ${result.baselined.join(', ')}` : ''}`);
    }));

  command('mark-applied', 'record one migration as applied without running it')
    .argument('<version>')
    .action(run(async ({ out, migrator }, args) => {
      const result = await migrator.markApplied(args[0] as string);
      out.document(result);
      out.line(`marked ${result.marked} applied`);
    }));

  command('unmark', 'forget one applied (or dirty) migration without running its down')
    .argument('<version>')
    .action(run(async ({ out, migrator }, args) => {
      const result = await migrator.unmark(args[0] as string);
      out.document(result);
      out.line(`unmarked ${result.unmarked}`);
    }));

  command('import', "adopt another tool's history: record the migrations it applied as applied (§12)")
    .argument('<tool>', 'flyway, knex, dbmate, golang-migrate, prisma, node-pg-migrate, typeorm, sequelize, sqlx, drizzle, table or user-version')
    .option('--dry-run', 'show the mapping, write nothing')
    .option('--accept-unmatched', 'import what matches even when some rows do not (those are not recorded)')
    .option('--from-table <name>', 'table: the home-grown table of applied versions')
    .option('--version-column <column>', 'table: its column of versions')
    .action(run(async ({ out, migrator }, args) => runImport(out, migrator, args[0] as string, args[1] as ImportFlags)));

  command('repair', 're-record checksums of edited applied migrations; resolve a dirty one by name')
    .option('--applied <version>', 'the dirty migration was finished by hand: record it applied')
    .option('--rolled-back <version>', 'the dirty migration was undone by hand: forget it')
    .action(run(async ({ out, flags, migrator }, args) => {
      const options = args[0] as { applied?: string; rolledBack?: string };
      const planned = await migrator.planRepair(options);
      renderRepairPlan(out, planned);
      if (planned.repaired.length > 0) await confirm(out, flags, 'repair the tracking table as listed above?');
      const result = planned.repaired.length > 0 || planned.unresolvedDirty.length > 0 ? await migrator.repair(options) : { repaired: [] };
      out.document(result);
      if (result.repaired.length > 0) out.line(`repaired ${result.repaired.length}`);
    }));

  command('reset', 'drop everything strata can see, forget what was applied, apply all again')
    .option('--force', 'reset even a protected environment')
    .option('--no-backup', 'take no restore point first')
    .action(run(async ({ out, flags, migrator, database }, args) => {
      const options = args[0] as { force?: boolean };
      const planned = await migrator.planReset(options);
      out.line(`reset will drop ${planned.dropped.length} object${planned.dropped.length === 1 ? '' : 's'} in ${database}:`);
      for (const object of planned.dropped) out.line(`  ${object.type} ${object.name}`);
      await confirm(out, flags, `drop ${planned.dropped.length} objects in ${database} and apply every migration again?`);
      const result = await migrator.reset(options);
      out.document({ dropped: result.dropped, applied: result.applied, count: result.count });
      out.line(`dropped ${result.dropped.length}, applied ${result.count}`);
    }));
}
