/**
 * `drift` (§5): the live schema compared, object by object, with what the applied migrations
 * make — replayed on a scratch database — or with a committed dump (`against`), loaded into a
 * scratch database and read back, so both sides come from the same reader. Read-only on the
 * configured database: no lock, no tracking table created, nothing written.
 */
import { readFileSync } from 'node:fs';
import { AbortError, ConfigError, messageOf } from '../core/errors.js';
import { runPlan } from '../core/run.js';
import { compareSchemas, type SchemaDifference, type SchemaObject } from '../core/schema.js';
import type { Driver } from '../core/ports/index.js';
import { loadEntries, readState, refuseOnProblems, runContext, withLock, type OperationContext } from './context.js';
import { loadSchemaScript, readSchema } from './dump.js';
import { noScratch } from './test.js';

export interface DriftOptions {
  /** A dump (`strata dump --out schema.sql`) to compare with instead of the applied migrations. */
  readonly against?: string;
}

export interface DriftResult {
  readonly drift: boolean;
  /** Seen from what the migrations (or the dump) make: `added` is only in the live database. */
  readonly differences: SchemaDifference[];
  /** What the live schema was compared with: `migrations` or the dump's path. */
  readonly against: string;
  /** Versions replayed (empty with `against`). */
  readonly replayed: string[];
}

export async function drift(ctx: OperationContext, options: DriftOptions = {}): Promise<DriftResult> {
  if (!ctx.scratch) throw noScratch();
  const live = await ctx.driver();
  const expected = options.against !== undefined ? await fromDump(ctx, options.against) : await fromMigrations(ctx, live);
  const actual = await stopsCleanly(ctx, () => readSchema(live, { includeTracking: false }));
  const differences = compareSchemas(expected.objects, actual.objects);
  return { drift: differences.length > 0, differences, against: options.against ?? 'migrations', replayed: expected.replayed };
}

interface Expected {
  readonly objects: readonly SchemaObject[];
  readonly replayed: string[];
}

/** The applied migrations (the live tracking table's, in canonical order) run on a scratch database. */
async function fromMigrations(ctx: OperationContext, live: Driver): Promise<Expected> {
  const { state } = await readState(ctx, live);
  refuseOnProblems(state, { command: 'up', allowOutOfOrder: true }, 'drift');
  const applied = new Set(state.entries.filter((e) => e.applied !== null).map((e) => e.key));
  return ctx.scratch!((scratch) => withLock(scratch, async (driver, read) => {
    const migrations = await loadEntries(scratch, read.state.entries.filter((e) => applied.has(e.key)));
    for (const migration of migrations) {
      await runPlan(runContext(scratch, driver), 'up', [{ migration, row: null }], { atomic: false });
    }
    return { objects: (await readSchema(driver, { includeTracking: false })).objects, replayed: migrations.map((m) => m.version) };
  }));
}

/** A dump loaded into a scratch database and read back by the same reader as the live side. */
async function fromDump(ctx: OperationContext, file: string): Promise<Expected> {
  let script: string;
  try {
    script = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('config', `cannot read the dump ${file}: ${messageOf(error)}`, {
      hint: 'name a file written by `strata dump --out <file>` (--against <file>)',
    }, { cause: error });
  }
  return ctx.scratch!(async (scratch) => {
    const driver = await scratch.driver();
    await loadSchemaScript(driver, script, file);
    return { objects: (await readSchema(driver, { includeTracking: false })).objects, replayed: [] };
  });
}

async function stopsCleanly<T>(ctx: OperationContext, read: () => Promise<T>): Promise<T> {
  try {
    const result = await read();
    if (ctx.signal?.aborted) throw new AbortError('stopped: nothing was changed', { hint: 'run `strata drift` again' });
    return result;
  } catch (error) {
    if (ctx.signal?.aborted && !(error instanceof AbortError)) throw new AbortError('stopped while reading the schema: nothing was changed', { hint: 'run `strata drift` again' });
    throw error;
  }
}
