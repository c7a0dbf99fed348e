/**
 * `init` and `new`: write files in the project, no database opened (so no `run` session).
 */
import { Option, type Command } from 'commander';
import { ConfigError } from '../../index.js';
import type { Output } from '../output.js';
import { resolveOptions, type GlobalFlags } from '../options.js';
import { init, newMigration } from '../scaffold.js';
import type { TemplateName } from '../templates.js';
import type { CommandFactory } from '../main.js';

export function addScaffoldCommands(command: CommandFactory, outputFor: (flags: GlobalFlags) => Output): void {
  command('init', 'write strata.config.mjs and a migrations folder (never overwrites a file)').action(async (_options: unknown, cmd: Command) => {
    const flags = cmd.optsWithGlobals() as GlobalFlags;
    const out = outputFor(flags);
    const cwd = process.cwd();
    const result = init(cwd, (await resolveOptions({ ...flags, db: flags.db ?? 'sqlite::memory:' }, {}, cwd).catch(() => null))?.migrator.dir ?? `${cwd}/migrations`);
    out.document(result);
    for (const file of result.created) out.line(`created ${file}`);
    for (const file of result.skipped) out.line(`kept ${file} (exists)`);
    out.line('next: strata new create_users, edit the file, then strata up');
  });

  command('new', 'create the next migration file')
    .alias('generate')
    .argument('<name>', 'lower-case name, e.g. add_email_to_users')
    .option('--sql', 'a SQL migration (default, except for --template recreate-table)')
    .option('--ts', 'a TypeScript migration')
    .option('--timestamp', 'use a UTC timestamp as the version')
    .addOption(new Option('--template <name>', 'start from a template (recreate-table writes TypeScript using db.recreateTable unless --sql)').choices(['create-table', 'add-column', 'data', 'recreate-table']))
    .action(async (name: string, options: { ts?: boolean; sql?: boolean; timestamp?: boolean; template?: TemplateName }, cmd: Command) => {
      const flags = cmd.optsWithGlobals() as GlobalFlags;
      const out = outputFor(flags);
      if (options.ts && options.sql) throw new ConfigError('usage', '--sql and --ts cannot be used together');
      const resolved = await resolveOptions(flags, process.env, process.cwd());
      const result = newMigration(process.cwd(), resolved.migrator.dir!, name, { kind: options.ts ? 'ts' : options.sql ? 'sql' : undefined, timestamp: options.timestamp ?? false, template: options.template, now: new Date() });
      out.document(result);
      out.line(`created ${result.file}`);
    });
}
