/**
 * Running one migration's step: its statements (or its code), with precheck and verify, the
 * retries a lock-wait timeout earns, and — for a transactional migration — its records, in
 * the transaction the strategy opened.
 */
import { performance } from 'node:perf_hooks';
import { tableOfStatement } from '../../sql/classify.js';
import type { Statement } from '../../sql/split.js';
import { batchMethod } from '../batch/walk.js';
import { createDbHandle } from '../db-handle.js';
import { AbortError, MigrationError, messageOf } from '../errors.js';
import type { CheckFn, Db, LoadedMigration, Step } from '../model.js';
import { statementsOf } from '../script-statements.js';
import { untilAborted } from '../until-aborted.js';
import { stepOf, type Direction, type PlannedMigration, type RunContext } from './context.js';
import { checkIntegrity } from './foreign-keys.js';
import { appendLog, appliedRow } from './record.js';
import { safePoint, throwIfAborted, turnEventLoop } from './safe-point.js';

/** Thrown inside a step to carry the failing statement's line and the statements that ran. */
export class StepFailure extends Error {
  constructor(
    readonly original: unknown,
    readonly statement: Statement | null,
    readonly statementsDone: number,
  ) {
    super(messageOf(original), { cause: original });
  }
}

export function unwrap(error: unknown): unknown {
  return error instanceof StepFailure ? error.original : error;
}

/** Runs a transactional migration's step and writes its tracking and log rows in the open transaction. */
export async function runTransactional(ctx: RunContext, direction: Direction, item: PlannedMigration, started: number): Promise<void> {
  const m = item.migration;
  const db = handleFor(ctx, () => undefined, { version: m.version, statementsDone: () => 0 });
  if (direction === 'up') await precheck(m, db);
  await runStep(ctx, m.version, stepOf(item, direction), db);
  if (direction === 'up') await verify(m, db, `the migration was rolled back`);
  await checkIntegrity(ctx);
  // The step may have awaited something after its last statement: a signal then must still
  // roll it back, never let it be recorded.
  await safePoint(ctx);
  const durationMs = Math.round(performance.now() - started);
  if (direction === 'up') await ctx.driver.writeApplied(appliedRow(ctx, m, durationMs));
  else await ctx.driver.deleteApplied(item.row!.version);
  await appendLog(ctx, direction, m, 'success', null, durationMs);
  // Each write is a round trip on a server, in which a signal can arrive: the last check before the commit.
  await safePoint(ctx);
}

/** The `db` handle, built on first use: SQL migrations without checks never need one. */
export function handleFor(ctx: RunContext, onStatement: () => void, migration?: { version: string; statementsDone: () => number }): () => Db {
  let db: Db | undefined;
  const beforeStatement = async () => {
    await safePoint(ctx);
    ctx.driver.assertLockHeld();
  };
  return () => (db ??= createDbHandle({
    driver: ctx.driver,
    dir: ctx.dir,
    readFile: ctx.readFile,
    log: (message) => ctx.emit({ type: 'log', version: '', message: ctx.redact(message) }),
    beforeStatement,
    onStatement,
    ...(migration && {
      batch: batchMethod({
        driver: ctx.driver, version: migration.version, signal: ctx.signal, resume: ctx.resume === true, emit: ctx.emit,
        safePoint: beforeStatement, statementsDone: migration.statementsDone, onStatement,
      }),
    }),
  }));
}

export async function runStep(ctx: RunContext, version: string, step: Step, db: () => Db, onProgress?: (done: number) => Promise<void>, count?: number): Promise<void> {
  if (step.type === 'code') {
    try {
      // A step awaiting something that never settles cannot keep a stopped run open.
      await untilAborted(Promise.resolve(step.fn(db())), ctx.signal);
    } catch (error) {
      throw new StepFailure(error, null, 0);
    }
    // One turn of the event loop after a code step, so that what the step's own code set off
    // and left (a rejection nothing awaited, a signal) is seen before the step is recorded.
    if (ctx.signal) await turnEventLoop();
    return;
  }
  const statements = statementsOf(step.script, ctx.driver.syntax).slice(0, count);
  for (const [i, statement] of statements.entries()) {
    await safePoint(ctx);
    ctx.driver.assertLockHeld();
    try {
      await executeWithRetries(ctx, statement, onProgress !== undefined, version);
    } catch (error) {
      throw new StepFailure(error, statement, i);
    }
    if (onProgress) await onProgress(i + 1);
  }
}

/**
 * A lock-wait timeout means the statement had no effect. Outside a transaction the statement
 * itself is retried; inside one the whole migration is (withRetries), because the
 * transaction is aborted.
 */
async function executeWithRetries(ctx: RunContext, statement: Statement, retryHere: boolean, version: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.driver.execute(statement.text);
      return;
    } catch (error) {
      if (!retryHere || !ctx.driver.errorFacts(error).lockTimeout || attempt > ctx.ddlRetries) throw error;
      ctx.emit({ type: 'ddl-retry', version, attempt, table: tableOfStatement(statement.text, ctx.driver.syntax) });
      await backoff(ctx, attempt);
    }
  }
}

/** A transactional migration whose statement waited too long for a lock runs again whole. */
export async function withRetries(ctx: RunContext, item: PlannedMigration, attemptOnce: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce();
    } catch (error) {
      const original = unwrap(error);
      if (!ctx.driver.errorFacts(original).lockTimeout || attempt > ctx.ddlRetries) throw error;
      const table = error instanceof StepFailure && error.statement ? tableOfStatement(error.statement.text, ctx.driver.syntax) : null;
      ctx.emit({ type: 'ddl-retry', version: item.migration.version, attempt, table });
      await backoff(ctx, attempt);
    }
  }
}

async function backoff(ctx: RunContext, attempt: number): Promise<void> {
  const ms = Math.min(5000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
  await new Promise((resolve) => setTimeout(resolve, ms));
  throwIfAborted(ctx);
}

export async function precheck(m: LoadedMigration, db: () => Db): Promise<void> {
  if (!m.precheck) return;
  await check(m, 'precheck', m.precheck, db, {
    threwHint: 'nothing of this migration ran; make the precheck pass (or fix it) and run `strata up` again',
    returnedFalse: ', so the migration did not run',
    falseHint: 'nothing of this migration ran; bring the database to the state the precheck expects and run `strata up` again',
  });
}

/** `undone` says what became of the migration when verify fails (rolled back, or left dirty). */
export async function verify(m: LoadedMigration, db: () => Db, undone: string): Promise<void> {
  if (!m.verify) return;
  await check(m, 'verify', m.verify, db, {
    threwHint: `${undone}; fix the verify (or the migration) and run \`strata up\` again`,
    returnedFalse: ' after the migration ran',
    falseHint: `${undone}; find out why the check fails (the migration or the verify), fix it and run \`strata up\` again`,
  });
}

/** A precheck or verify: throwing or returning false fails the migration (a stop stays a stop). */
async function check(m: LoadedMigration, kind: 'precheck' | 'verify', fn: CheckFn, db: () => Db, says: { threwHint: string; returnedFalse: string; falseHint: string }): Promise<void> {
  let result: unknown;
  try {
    result = await fn(db());
  } catch (error) {
    if (error instanceof AbortError) throw error;
    throw new MigrationError(`${kind}-failed`, `${m.file ?? m.id}: ${kind} threw: ${messageOf(error)}`, { migration: m.id, file: m.file, hint: says.threwHint }, { cause: error });
  }
  if (result === false) {
    throw new MigrationError(`${kind}-failed`, `${m.file ?? m.id}: ${kind} returned false${says.returnedFalse}`, { migration: m.id, file: m.file, hint: says.falseHint });
  }
}
