/**
 * The `strata` command: argv, output, exit codes and signals over the public library API.
 */
import { Command, CommanderError, Option } from 'commander';
import { AbortError, ConfigError, createMigrator, MigrationError, migrationId, redactText, secretsOf, strataPackage, type Migrator, type StrataEvent } from '../index.js';
import { confirm } from './confirm.js';
import { addBackupCommands, renderBackupEvent } from './backup-commands.js';
import { EXIT, exitCodeOf } from './exit-code.js';
import { consoleToStderr } from './json-console.js';
import { createOutput, reportError, type Output } from './output.js';
import { resolveOptions, type GlobalFlags } from './options.js';
import { Progress } from './progress.js';
import { BatchProgress } from './batch-progress.js';
import { guardRun, type ProcessCrash } from './run-guard.js';
import { renderHistory, renderInfo, renderPlan, renderRepairPlan, renderStatus } from './render.js';
import { validateCommand, type ValidateFlags } from './validate.js';
import { init, newMigration } from './scaffold.js';
import { dumpCommand, type DumpFlags } from './dump.js';
import { addSafetyCommands } from './safety-commands.js';
import { addInsightCommands } from './insight.js';
import { runImport, type ImportFlags } from './import-command.js';
import type { TemplateName } from './templates.js';
import { addWaitOptions, databaseWaitNote, timeoutAsWait, waitForDatabase } from './wait.js';

const VERSION = strataPackage().version;
const USAGE_HINT = 'run `strata --help` for the commands, or `strata <command> --help` for the options of one';

export interface Session {
  readonly out: Output;
  readonly flags: GlobalFlags;
  readonly migrator: Migrator;
  readonly database: string;
}

/** Runs one command; resolves with its exit code once its output has left the process (bin/strata.js exits with it). */
export async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  let received: NodeJS.Signals | null = null;
  // A migration's own crash (process.exit, an unhandled rejection, a promise that never
  // settles) stops the run like a signal does, then is reported as the failure it is.
  const guard = guardRun(() => controller.abort());
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) guard.exit(signal === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint);
    received = signal;
    process.stderr.write(`\nstrata: ${signal} received: stopping at the next safe point (send it again to exit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let exitCode: number = EXIT.ok;
  // Known before anything is parsed, so that even a usage error cannot echo a password; the
  // resolved `db` (config, environment) adds its own once known. Everything printed passes here.
  let secrets: string[] = initialSecrets(argv, process.env);
  const redact = (text: string) => redactText(text, secrets);
  let out: Output = createOutput({ json: argv.includes('--json') }, redact);
  /** A command's Output, from its flags: the one main() flushes at the end. */
  const outputFor = (flags: GlobalFlags): Output => (out = createOutput(flags, redact));

  /** Runs one command: resolve options, open the migrator, render, close. */
  const run = (action: (session: Session, args: unknown[]) => Promise<number | void>) => async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const flags = command.optsWithGlobals() as GlobalFlags & Record<string, unknown>;
    outputFor(flags);
    // Code migrations (and configs) may print; with --json only the document goes to stdout.
    const restoreConsole = out.json ? consoleToStderr() : () => undefined;
    try {
      await runSession(flags, action, args);
    } finally {
      restoreConsole();
    }
  };

  const runSession = async (flags: GlobalFlags & Record<string, unknown>, action: (session: Session, args: unknown[]) => Promise<number | void>, args: unknown[]) => {
    const resolved = await resolveOptions(flags, process.env, process.cwd());
    const db = resolved.migrator.db as string;
    secrets = [...new Set([...secrets, ...secretsOf(db)])];
    const database = redact(db);
    if (resolved.dbSource === 'default') out.note(`strata: using ${database} (the built-in default; set --db, DATABASE_URL or db in strata.config.mjs)`);
    const progress = new Progress(out);
    const batches = new BatchProgress(out);
    const migrator = await createMigrator({
      ...resolved.migrator,
      signal: controller.signal,
      onEvent: (event) => onEvent(out, progress, event, batches),
    });
    try {
      const code = await action({ out, flags, migrator, database }, args);
      exitCode = code ?? EXIT.ok;
    } finally {
      progress.done();
      batches.stop();
      await migrator.close();
    }
  };

  const program = buildProgram(run, redact, outputFor);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      // Commander printed the error and its hint on stderr; --json still gets its one document.
      if (exitCode !== EXIT.ok && argv.includes('--json')) {
        out.document({
          error: { code: 'usage', message: redact(error.message.replace(/^error: /, '')), migration: null, file: null, line: null, hint: USAGE_HINT, problems: [] },
          applied: [],
          rolledBack: [],
        });
      }
    } else {
      const failure = guard.crash && !received ? asCrashFailure(guard.crash, error) : error;
      reportError(out, failure, redact);
      exitCode = exitCodeOf(failure, received);
    }
  }
  // A signal that came during a synchronous statement is delivered only when the event loop
  // turns: let it turn once before the listeners go, so no signal is lost.
  await new Promise((resolve) => setImmediate(resolve));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  guard.dispose();
  if (guard.crash && exitCode === EXIT.ok && !received) {
    // The run ended before it noticed (e.g. a rejection after the last commit): still a failure.
    reportError(out, asCrashFailure(guard.crash, null), redact);
    exitCode = EXIT.failed;
  }
  // §5: stopped by a signal is 130/143 always, also when the run got to its end first; the
  // document and the error line then say so, with what the run had applied.
  if (received && exitCode === EXIT.ok) {
    exitCode = received === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
    const done = (out.heldDocument ?? {}) as { applied?: unknown; rolledBack?: unknown };
    const stopped = new AbortError(`stopped by ${received} after the command had finished: what it did is committed`, {
      hint: 'nothing was left half-done; run `strata status` to see the state',
    });
    reportError(out, stopped, redact);
    out.flushDocument({ ...(out.heldDocument as object), applied: Array.isArray(done.applied) ? done.applied : [], rolledBack: Array.isArray(done.rolledBack) ? done.rolledBack : [] });
  }
  out.flushDocument();
  // Once the output is flushed the command is over: bin/strata.js exits with the code.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  return exitCode;
}

/** Resolves once what was written to `stream` has left the process. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}

/** The migration's crash, told with what the stopped run left (from its AbortError). */
function asCrashFailure(crash: ProcessCrash, error: unknown): MigrationError {
  const stopped = error instanceof AbortError ? error : null;
  const where = stopped?.file ?? stopped?.migration ?? null;
  return new MigrationError('migration-failed', `${where ? `${where} failed` : 'strata stopped'}: ${crash.message}${stopped ? ` (${stopped.message})` : ''}`, {
    migration: stopped?.migration ?? null,
    file: stopped?.file ?? null,
    hint: stopped?.hint ?? 'make the migration await every promise it starts and never exit the process, then run the command again',
    applied: stopped?.applied,
    rolledBack: stopped?.rolledBack,
  }, { cause: crash });
}

export type Runner = (action: (session: Session, args: unknown[]) => Promise<number | void>) => (...args: unknown[]) => Promise<void>;

function buildProgram(run: Runner, redact: (text: string) => string, outputFor: (flags: GlobalFlags) => Output): Command {
  const program = new Command('strata')
    .description('Database schema migrations for SQLite, PostgreSQL and MySQL/MariaDB.')
    .version(VERSION, '-V, --version')
    .option('--db <url>', 'database URL (sqlite:path, postgres://…, mysql://…); default: DATABASE_URL, then the config, then sqlite:./data/app.db')
    .option('--dir <path>', 'migrations folder (default: migrations)')
    .option('--config <file>', 'config file (default: strata.config.{mjs,js,ts,json} in this folder)')
    .option('--env <name>', 'named environment from the config (default: STRATA_ENV)')
    .option('--table <name>', 'tracking table name (default: strata_migrations)')
    .option('--schema <name>', 'PostgreSQL schema for migrations and tracking tables')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('--quiet', 'print only errors')
    .option('--verbose', 'print more (e.g. ignored files in status)')
    .option('--yes', 'answer yes to confirmations')
    .option('--lock-timeout <seconds>', 'how long to wait for another run\'s lock (default 60)')
    .addOption(new Option('--lock <strategy>', 'lock strategy: auto picks per engine; use lease behind PgBouncer in transaction pooling (see docs/distributed.md)').choices(['auto', 'session', 'lease']))
    .option('--ddl-lock-timeout <seconds>', 'how long DDL may wait for table locks, 0 = off (default 5)')
    .option('--migration-timeout <seconds>', 'fail a migration that runs longer than this, 0 = off (default off)')
    .option('--connect-timeout <seconds>', 'how long connecting to a server may take, 0 = no limit (default 10, or connect_timeout in the URL)')
    .exitOverride()
    .showSuggestionAfterError()
    .configureHelp({ sortSubcommands: false });
  // Commander's own usage errors (unknown flag or command, a missing argument) end with what to do, like strata's.
  program.configureOutput({ outputError: (text, write) => write(`${redact(text.endsWith('\n') ? text : `${text}\n`)}hint: ${USAGE_HINT}\n`) });
  const command = (name: string, description: string) => program.command(name).description(description).exitOverride();

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

  command('status', 'list every migration and its state')
    .option('--exit-code', 'exit 3 when there are problems, else 5 when anything is pending or failed')
    .action(run(async ({ out, migrator, database }, args) => {
      const options = args[0] as { exitCode?: boolean };
      const result = await migrator.status();
      out.document(jsonStatus(result));
      renderStatus(out, result, database);
      if (!options.exitCode) return EXIT.ok;
      return result.problems.length > 0 ? EXIT.refused : result.pending > 0 ? EXIT.pending : EXIT.ok;
    }));

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

  command('validate', 'check migrations and the tracking table without changing anything, and lint pending SQL migrations (docs/lint.md)')
    .alias('lint')
    .option('--all', 'lint applied migrations too')
    .option('--strict', 'warnings also exit 3')
    .addOption(new Option('--format <format>', 'text (default), github (workflow annotations) or sarif').choices(['text', 'github', 'sarif']))
    .action(run(async (session, args) => validateCommand(session, args[0] as ValidateFlags)));

  command('history', 'the audit log, newest first')
    .option('--limit <n>', 'how many entries (default 100)')
    .action(run(async ({ out, migrator }, args) => {
      const raw = (args[0] as { limit?: string }).limit;
      const limit = raw === undefined ? undefined : Number(raw);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new ConfigError('usage', `--limit takes a whole number ≥ 1 (got "${raw}")`);
      const result = await migrator.history({ limit });
      out.document({ entries: result.entries.map(({ id, runId, version, name, operation, status, error, startedAt, durationMs }) => ({ id, runId, version, name, operation, status, error, startedAt, durationMs })) });
      renderHistory(out, result.entries);
    }));

  addInsightCommands(command, run);

  command('info', 'database engine, lock strategy, size, current version and tables').action(run(async ({ out, migrator }) => {
    const result = await migrator.info();
    const { database: _database, ...document } = result;
    out.document(document);
    renderInfo(out, result);
  }));

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

  addBackupCommands(command, run);

  command('dump', 'the live schema as SQL, read from the catalogs (no pg_dump or mysqldump needed)')
    .option('--out <file>', 'write the SQL to this file instead of stdout')
    .option('--include-tracking', "also strata's own tracking tables")
    .action(run(async ({ out, migrator }, args) => {
      await dumpCommand(out, migrator, args[0] as DumpFlags, redact);
    }));

  addSafetyCommands(command, run);

  command('wait', 'wait until the database accepts connections (exit 0), or exit 2 after --timeout')
    .option('--timeout <seconds>', 'how long to wait (default 60)')
    .hook('preAction', (_program, cmd) => timeoutAsWait(cmd))
    .action(run(({ out, migrator, database }) => waitForDatabase(out, migrator, database)));

  addWaitOptions(program);
  return program;
}

function jsonStatus(result: Awaited<ReturnType<Migrator['status']>>) {
  return {
    migrations: result.migrations.map(({ version, name, state, appliedAt, durationMs, outOfOrder, inProgress, failedAt, error }) => ({ version, name, state, appliedAt, durationMs, outOfOrder, inProgress, failedAt, error })),
    applied: result.applied,
    pending: result.pending,
    failed: result.failed,
    problems: result.problems,
    lock: result.lock,
    notes: result.notes,
  };
}

function onEvent(out: Output, progress: Progress, event: StrataEvent, batches: BatchProgress): void {
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

/** The passwords of `--db` (as `--db x` or `--db=x`) and DATABASE_URL, and PGPASSWORD. */
function initialSecrets(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const urls: string[] = [];
  argv.forEach((arg, i) => {
    if (arg === '--db' && argv[i + 1] !== undefined) urls.push(argv[i + 1]!);
    else if (arg.startsWith('--db=')) urls.push(arg.slice('--db='.length));
  });
  if (env.DATABASE_URL) urls.push(env.DATABASE_URL);
  const secrets = urls.flatMap(secretsOf);
  if (env.PGPASSWORD) secrets.push(env.PGPASSWORD);
  return [...new Set(secrets)];
}
