/**
 * `strata import <tool>` (§12): reads another tool's history table in the same database and
 * records the matching migrations as applied — in one transaction, under the lock, each with
 * an `import` log row naming the tool and the row — leaving the other table as it is.
 * `dryRun` shows the mapping and writes nothing (no lock, no tracking table).
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, ValidationError } from '../core/errors.js';
import type { SourceMigration } from '../core/model.js';
import { nearestName } from '../core/nearest-name.js';
import { inTransaction, rollbackFailed } from '../core/transaction.js';
import type { Driver } from '../core/ports/index.js';
import { matchRows, type Mapping, type RowNote } from '../adopt/match.js';
import type { ImportOptions, ReadContext, ToolReader } from '../adopt/model.js';
import { TOOL_NAMES, TOOLS } from '../adopt/tools.js';
import { readState, refuseOnProblems, withLock, type OperationContext } from './context.js';
import { record } from './record.js';

export interface ImportRunOptions extends ImportOptions {
  readonly dryRun?: boolean | undefined;
  /** Import what matches even when some rows do not (those are listed, never recorded). */
  readonly acceptUnmatched?: boolean | undefined;
}

export interface ImportResult {
  readonly tool: string;
  /** Versions recorded as applied (with `dryRun`: that would be), in canonical order. */
  readonly imported: string[];
  readonly unmatched: RowNote[];
  readonly dryRun: boolean;
  /** Rows with nothing to import: rolled back, a marker, applied in strata already. */
  readonly skipped: RowNote[];
  /** Each imported migration with the row it came from. */
  readonly mapping: { version: string; name: string; row: string }[];
}

export function toolNamed(name: string): ToolReader {
  const tool = TOOLS.get(name);
  if (tool) return tool;
  const near = nearestName(name, TOOL_NAMES);
  throw new ConfigError('usage', `unknown tool "${name}"${near ? ` (did you mean ${near}?)` : ''}`, { hint: `strata import takes one of: ${TOOL_NAMES.join(', ')}` });
}

export function readContext(driver: Driver, dir: string | null, options: ImportOptions): ReadContext {
  const tables = driver.historyTables?.() ?? null;
  return {
    query: (sql) => driver.query(sql),
    quote: (name) => driver.quoteIdentifier(name),
    find: async (refs) => (tables ? tables.find(refs) : []),
    userVersion: tables?.userVersion ? () => tables.userVersion!() : null,
    dir,
    options,
  };
}

export async function importHistory(ctx: OperationContext, name: string, options: ImportRunOptions = {}): Promise<ImportResult> {
  const tool = toolNamed(name);
  const driver = await ctx.driver();
  // The other tool's table is not strata's: read before the lock, so a wrong --db or tool
  // creates nothing.
  const rows = await tool.read(readContext(driver, ctx.dir, options));
  if (rows === null) {
    throw new ConfigError('usage', `${driver.displayName} has no ${tool.where(options)}: ${tool.title}'s history is not in this database`, {
      hint: 'check --db (and --schema on PostgreSQL); `strata status` names the history tables it finds',
    });
  }
  if (options.dryRun) {
    const { state } = await readState(ctx, driver);
    return result(tool, await matchRows(rows, state.entries, bytesOf, tool.title), true);
  }
  return withLock(ctx, async (locked, { state }) => {
    refuseOnProblems(state, { command: 'repair' }, `import ${tool.name}`);
    const mapped = await matchRows(rows, state.entries, bytesOf, tool.title);
    if (mapped.unmatched.length > 0 && !options.acceptUnmatched) {
      const list = mapped.unmatched.map((u) => `${u.row}: ${u.reason}`).join('; ');
      throw new ValidationError('import-mismatch', `import ${tool.name} refused: ${mapped.unmatched.length} row${mapped.unmatched.length === 1 ? '' : 's'} of ${tool.where(options)} did not match: ${list}`, {
        hint: 'add the missing files or restore the changed ones as they were applied; or run again with --accept-unmatched to import the rest (unmatched rows are not recorded: strata treats those migrations as not applied)',
      });
    }
    if (mapped.imported.length > 0) {
      locked.assertLockHeld();
      await inTransaction(locked, async () => {
        for (const { entry, row } of mapped.imported) await record(ctx, locked, entry.source!, 'import', { tool: tool.name, row });
      }, { onRollbackError: rollbackFailed(ctx) });
    }
    return result(tool, mapped, false);
  });
}

/** The up file's bytes, as the other tool hashed them; null for a list migration. */
async function bytesOf(migration: SourceMigration): Promise<Buffer | null> {
  // The directory source keeps each migration's absolute path; a list source has none.
  const path = (migration as { absolutePath?: unknown }).absolutePath;
  return typeof path === 'string' ? readFile(path) : null;
}

function result(tool: ToolReader, mapped: Mapping, dryRun: boolean): ImportResult {
  return {
    tool: tool.name,
    imported: mapped.imported.map(({ entry }) => entry.version),
    unmatched: [...mapped.unmatched],
    dryRun,
    skipped: [...mapped.skipped],
    mapping: mapped.imported.map(({ entry, row }) => ({ version: entry.version, name: entry.name, row })),
  };
}
