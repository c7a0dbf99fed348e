/**
 * `dump`: the live schema as SQL, read from the catalogs by the driver's SchemaReader. Read-only
 * like `status`: it takes no lock and creates nothing (a missing database dumps as empty).
 */
import { AbortError, ConfigError, MigrationError, messageOf } from '../core/errors.js';
import { splitStatements } from '../sql/split.js';
import { schemaScript, type SchemaReadOptions, type SchemaSnapshot } from '../core/schema.js';
import type { Driver } from '../core/ports/index.js';
import type { OperationContext } from './context.js';

export interface DumpOptions {
  /** Also strata's own tracking tables (default false). */
  readonly includeTracking?: boolean;
}

export interface DumpObject {
  readonly type: string;
  readonly name: string;
  readonly sql: string;
}

export interface DumpResult {
  /** In load order: what an object needs comes before it. */
  readonly objects: DumpObject[];
  /** The whole dump as one script (what `strata dump` prints or writes to --out). */
  readonly sql: string;
}

export async function dump(ctx: OperationContext, options: DumpOptions = {}): Promise<DumpResult> {
  let snapshot: SchemaSnapshot;
  try {
    snapshot = await readSchema(await ctx.driver(), { includeTracking: options.includeTracking ?? false });
  } catch (error) {
    // A signal cancels the running catalog query: that is a stop, not a failure of the read.
    if (ctx.signal?.aborted) throw new AbortError('stopped while reading the schema: nothing was written or changed', { hint: 'run `strata dump` again' });
    throw error;
  }
  if (ctx.signal?.aborted) throw new AbortError('stopped after reading the schema: nothing was written or changed', { hint: 'run `strata dump` again' });
  return {
    objects: snapshot.objects.map(({ type, name, sql }) => ({ type, name, sql })),
    sql: schemaScript(snapshot),
  };
}

/** The schema snapshot `dump`, `test` and `drift` work from. */
export async function readSchema(driver: Driver, options: SchemaReadOptions): Promise<SchemaSnapshot> {
  if (!driver.schemaReader) {
    throw new ConfigError('usage', `strata cannot read the schema of ${driver.displayName}: its driver has no schema reader`, {
      hint: 'dump works on SQLite, PostgreSQL and MySQL/MariaDB databases',
    });
  }
  return driver.schemaReader().read(options);
}

/**
 * Loads a dump (`strata dump`'s script, e.g. a committed schema.sql) into the driver's
 * database, statement by statement as strata's splitter reads it (DELIMITER lines included):
 * what `drift --against` and a scratch database start from. In one transaction where DDL is
 * transactional, so a failure leaves nothing half-loaded there.
 */
export async function loadSchemaScript(driver: Driver, script: string, file: string | null = null): Promise<void> {
  const statements = splitStatements(script, driver.syntax);
  const atomic = driver.capabilities.transactionalDdl;
  if (atomic) await driver.begin();
  try {
    for (const statement of statements) {
      try {
        await driver.execute(statement.text);
      } catch (error) {
        throw new MigrationError('migration-failed', `${file ?? 'the schema script'}:${statement.line}: ${messageOf(error)}`, {
          file,
          line: statement.line,
          hint: atomic ? 'nothing was loaded; fix the statement and load it again' : 'the statements before it were loaded; drop the database, fix the statement and load it again',
        }, { cause: error });
      }
    }
    if (atomic) await driver.commit();
  } catch (error) {
    if (atomic && driver.inTransaction) {
      await driver.rollback().catch((rollbackError: unknown) => {
        throw new AggregateError([error, rollbackError], `${messageOf(error)}; the rollback failed too: ${messageOf(rollbackError)}`);
      });
    }
    throw error;
  }
}
