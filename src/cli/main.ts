/**
 * The `strata` command: argv, output, exit codes and signals over the public library API.
 */
import { Command, CommanderError, Option } from 'commander';
import { AbortError, createMigrator, MigrationError, redactText, secretsOf, strataPackage, type Migrator } from '../index.js';
import { addBackupCommands } from './backup-commands.js';
import { EXIT, exitCodeOf } from './exit-code.js';
import { onEvent } from './events.js';
import { consoleToStderr } from './json-console.js';
import { createOutput, reportError, type Output } from './output.js';
import { resolveOptions, type GlobalFlags } from './options.js';
import { Progress } from './progress.js';
import { BatchProgress } from './batch-progress.js';
import { guardRun, type ProcessCrash } from './run-guard.js';
import { addInsightCommands } from './insight.js';
import { addWaitOptions } from './wait.js';
import { addScaffoldCommands } from './commands/scaffold-commands.js';
import { addInfoCommand, addReportCommands, addStatusCommand } from './commands/report-commands.js';
import { addRunCommands } from './commands/run-commands.js';
import { addRecordCommands } from './commands/record-commands.js';
import { addDatabaseCommands } from './commands/database-commands.js';
import { addSafetyCommands } from './safety-commands.js';

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
/** Registers one subcommand of `strata` (its usage errors go through main()). */
export type CommandFactory = (name: string, description: string) => Command;

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
  const command: CommandFactory = (name, description) => program.command(name).description(description).exitOverride();

  // Each group in its own file; `--help` lists the commands in this order.
  addScaffoldCommands(command, outputFor);
  addStatusCommand(command, run);
  addRunCommands(command, run);
  addReportCommands(command, run);
  addInsightCommands(command, run);
  addInfoCommand(command, run);
  addRecordCommands(command, run);
  addBackupCommands(command, run);
  addDatabaseCommands(command, run, redact);
  addSafetyCommands(command, run);

  addWaitOptions(program);
  return program;
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
