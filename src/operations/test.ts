/**
 * `test` (§5): every migration up, down and up again on a scratch database, in canonical
 * order, the schema read before and after each step and compared object by object. The
 * configured database is never touched: only the scratch database is connected to, locked and
 * written (and it is dropped after, whatever happens).
 */
import { AbortError, ConfigError, MigrationError, messageOf } from '../core/errors.js';
import type { LoadedMigration } from '../core/model.js';
import { runPlan } from '../core/run.js';
import { compareSchemas, type SchemaObject } from '../core/schema.js';
import type { Driver } from '../core/ports/index.js';
import { versionKey } from '../core/version.js';
import { loadEntries, refuseOnProblems, runContext, withLock, type OperationContext } from './context.js';
import { readSchema } from './dump.js';

export interface TestOptions {
  /** Also run each up a second time and expect no error and no change (default false). */
  readonly idempotent?: boolean;
}

/** The step that did not round-trip: the first up, the down, the up after the down, the second up of `idempotent`. */
export type TestStep = 'up' | 'down' | 'reapply' | 'idempotent';

export interface TestDifference {
  /** The object's name (`users`, `users.users_email_idx`). */
  readonly object: string;
  /** Seen from the schema the step should have given: `added` is there but should not be. */
  readonly change: 'added' | 'removed' | 'changed';
  readonly type: string;
}

export interface TestFailure {
  readonly version: string;
  readonly step: TestStep;
  readonly differences: TestDifference[];
  /** The error of a step that failed, else null. */
  readonly error: string | null;
}

export interface TestResult {
  readonly ok: boolean;
  /** Versions with a down: run up, down and up again (a failing one too: it is also in `failures`). */
  readonly tested: string[];
  readonly notTested: { version: string; reason: string }[];
  readonly failures: TestFailure[];
  /** Where it ran (safe to print). */
  readonly scratch: string;
}

export async function testMigrations(ctx: OperationContext, options: TestOptions = {}): Promise<TestResult> {
  if (!ctx.scratch) throw noScratch();
  return ctx.scratch((scratch, display) => withLock(scratch, async (driver, { state }) => {
    refuseOnProblems(state, { command: 'up', allowOutOfOrder: false }, 'test');
    const migrations = await loadEntries(scratch, state.entries);
    const result: TestResult = { ok: true, tested: [], notTested: [], failures: [], scratch: display };
    const tester = new RoundTrip(scratch, driver, result);
    for (const [i, m] of migrations.entries()) {
      if (!(await tester.check(m, options.idempotent === true))) {
        for (const later of migrations.slice(i + 1)) result.notTested.push({ version: later.version, reason: `not run: ${m.id} failed before it` });
        break;
      }
    }
    return { ...result, ok: result.failures.length === 0 };
  }));
}

/** One migration's round trip on the scratch database; false when a step threw (nothing after it can run). */
class RoundTrip {
  constructor(private readonly ctx: OperationContext, private readonly driver: Driver, private readonly result: TestResult) {}

  async check(m: LoadedMigration, idempotent: boolean): Promise<boolean> {
    if (m.down === null) this.result.notTested.push({ version: m.version, reason: m.irreversibleReason ?? 'it has no down' });
    else this.result.tested.push(m.version);
    const before = await this.snapshot();
    if (!(await this.step(m, 'up', () => this.apply(m)))) return false;
    const after = await this.snapshot();
    if (idempotent) {
      // Forget the row (not the schema), so the same up runs again on what it made.
      await this.driver.deleteApplied(m.version);
      if (!(await this.step(m, 'idempotent', () => this.apply(m)))) return false;
      this.compare(m, 'idempotent', after, await this.snapshot());
    }
    if (m.down === null) return true;
    if (!(await this.step(m, 'down', () => this.rollback(m)))) return false;
    this.compare(m, 'down', before, await this.snapshot());
    if (!(await this.step(m, 'reapply', () => this.apply(m)))) return false;
    this.compare(m, 'reapply', after, await this.snapshot());
    return true;
  }

  private async apply(m: LoadedMigration): Promise<void> {
    await runPlan(runContext(this.ctx, this.driver), 'up', [{ migration: m, row: null }], { atomic: false });
  }

  private async rollback(m: LoadedMigration): Promise<void> {
    const row = (await this.driver.readApplied())?.find((r) => versionKey(r.version) === m.key) ?? null;
    if (!row) throw new MigrationError('migration-failed', `${m.id} has no tracking row on the scratch database after its up`);
    await runPlan(runContext(this.ctx, this.driver), 'down', [{ migration: m, row }], { atomic: false });
  }

  private async snapshot(): Promise<readonly SchemaObject[]> {
    return (await readSchema(this.driver, { includeTracking: false })).objects;
  }

  /** Runs one step; a migration's error becomes a failure of that step (a stop or any other error goes up). */
  private async step(m: LoadedMigration, step: TestStep, run: () => Promise<void>): Promise<boolean> {
    try {
      await run();
      return true;
    } catch (error) {
      if (error instanceof AbortError || this.ctx.signal?.aborted || !(error instanceof MigrationError)) throw error;
      this.result.failures.push({ version: m.version, step, differences: [], error: this.ctx.redact(messageOf(error)) });
      return false;
    }
  }

  private compare(m: LoadedMigration, step: TestStep, expected: readonly SchemaObject[], actual: readonly SchemaObject[]): void {
    const differences = compareSchemas(expected, actual).map(({ object, change, type }) => ({ object, change, type }));
    if (differences.length > 0) this.result.failures.push({ version: m.version, step, differences, error: null });
  }
}

export function noScratch(): ConfigError {
  return new ConfigError('scratch-unavailable', 'no scratch database can be made for this migrator', {
    hint: 'pass --scratch-db <url> (config scratchDb) naming an empty database or a server',
  });
}
