/**
 * The read-only reports: `status`, `validate`, `history` and `info` (registered apart, so that
 * `--help` keeps listing the commands in their order).
 */
import { Option } from 'commander';
import { ConfigError, type Migrator } from '../../index.js';
import { EXIT } from '../exit-code.js';
import { renderHistory, renderInfo, renderStatus } from '../render.js';
import { validateCommand, type ValidateFlags } from '../validate.js';
import type { CommandFactory, Runner } from '../main.js';

export function addStatusCommand(command: CommandFactory, run: Runner): void {
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
}

/** `validate` (alias `lint`) and `history`. */
export function addReportCommands(command: CommandFactory, run: Runner): void {
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
}

export function addInfoCommand(command: CommandFactory, run: Runner): void {
  command('info', 'database engine, lock strategy, size, current version and tables').action(run(async ({ out, migrator }) => {
    const result = await migrator.info();
    const { database: _database, ...document } = result;
    out.document(document);
    renderInfo(out, result);
  }));
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
