/**
 * The commands that run migrations: `up`, `down`, `redo` and `plan` (= `up --dry-run`).
 */
import { ConfigError } from '../../index.js';
import { renderPlan } from '../render.js';
import type { CommandFactory, Runner } from '../main.js';

export function addRunCommands(command: CommandFactory, run: Runner): void {
  command('up', 'apply pending migrations')
    .aliases(['migrate', 'run'])
    .option('--target <version>', 'apply up to and including this version')
    .option('--dry-run', 'print what would run, change nothing')
    .option('--atomic', 'run the whole plan in one transaction')
    .option('--resume', 'run a code migration an interrupted run left dirty again, each db.batch after its checkpoint')
    .option('--allow-out-of-order', 'apply pending migrations older than applied ones')
    .option('--no-backup', 'take no restore point first (see docs/backups.md)')
    .option('--ignore-other-history', "run even though strata has no rows here and another tool's history table has (see docs/moving-to-strata.md)")
    .action(run(async ({ out, migrator }, args) => {
      const options = args[0] as { target?: string; dryRun?: boolean; atomic?: boolean; resume?: boolean; ignoreOtherHistory?: boolean };
      if (options.dryRun) {
        const result = await migrator.plan({ target: options.target, atomic: options.atomic, resume: options.resume, ignoreOtherHistory: options.ignoreOtherHistory });
        out.document(result);
        renderPlan(out, result, 'apply');
        return;
      }
      const result = await migrator.up({ target: options.target, atomic: options.atomic, resume: options.resume, ignoreOtherHistory: options.ignoreOtherHistory });
      out.document({ status: result.status, applied: result.applied, count: result.count, durationMs: result.durationMs });
      out.line(result.status === 'up-to-date' ? 'up to date: nothing to apply' : `applied ${result.count} migration${result.count === 1 ? '' : 's'} in ${result.durationMs} ms`);
    }));

  command('down', 'roll back the most recent migration (or --steps / --target / --all)')
    .alias('rollback')
    .option('--steps <n>', 'roll back the n most recent')
    .option('--target <version>', 'roll back everything after this version (it stays)')
    .option('--all', 'roll back everything')
    .option('--dry-run', 'print what would run, change nothing')
    .option('--no-backup', 'take no restore point first')
    .action(run(async ({ out, migrator }, args) => {
      const options = args[0] as { steps?: string; target?: string; all?: boolean; dryRun?: boolean };
      const chosen = [options.steps !== undefined && '--steps', options.target !== undefined && '--target', options.all && '--all'].filter(Boolean);
      if (chosen.length > 1) throw new ConfigError('usage', `${chosen.join(' and ')} cannot be used together`);
      let steps: number | undefined;
      if (options.steps !== undefined) {
        steps = Number(options.steps);
        if (!Number.isInteger(steps) || steps < 1) throw new ConfigError('usage', `--steps takes a whole number ≥ 1 (got "${options.steps}")`);
      }
      const downOptions = { steps, target: options.target, all: options.all };
      if (options.dryRun) {
        const result = await migrator.planDown(downOptions);
        out.document(result);
        renderPlan(out, result, 'roll back');
        return;
      }
      const result = await migrator.down(downOptions);
      out.document(result);
      out.line(result.count === 0 ? 'nothing to roll back' : `rolled back ${result.count} migration${result.count === 1 ? '' : 's'} in ${result.durationMs} ms`);
    }));

  command('redo', 'roll back the most recent migration and apply it again').option('--no-backup', 'take no restore point first').action(run(async ({ out, migrator }) => {
    const result = await migrator.redo();
    out.document(result);
    out.line(result.applied.length === 0 ? 'nothing to redo' : `redid ${result.applied.join(', ')} in ${result.durationMs} ms`);
  }));

  command('plan', 'same as up --dry-run')
    .option('--target <version>', 'plan up to and including this version')
    .action(run(async ({ out, migrator }, args) => {
      const result = await migrator.plan({ target: (args[0] as { target?: string }).target });
      out.document(result);
      renderPlan(out, result, 'apply');
    }));
}
