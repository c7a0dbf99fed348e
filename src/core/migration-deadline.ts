/**
 * `migrationTimeout`: how long one migration may run before it fails. Off by default; it is
 * the answer to a code migration that awaits something that never settles while a live
 * handle (a timer, a socket) keeps the process up, which nothing else can end. When it
 * expires, the running statement is cancelled and the migration stops at its next safe point
 * like a signal would stop it, but as a failure of that migration (exit 1), not a stop.
 */
import { MigrationError } from './errors.js';
import type { LoadedMigration } from './model.js';
import type { RunContext } from './run.js';

export class MigrationTimeout extends MigrationError {}

export interface Deadline {
  /** The run's context with a signal that also aborts when the time is up. */
  readonly ctx: RunContext;
  /** The failure, once the time is up; null before. */
  readonly expired: MigrationTimeout | null;
  clear(): void;
}

/** `left`: what stopping it leaves, for the message (`it was rolled back`). */
export function startDeadline(ctx: RunContext, m: LoadedMigration, left: string): Deadline {
  if (ctx.migrationTimeoutMs <= 0) return { ctx, expired: null, clear() {} };
  const controller = new AbortController();
  let expired: MigrationTimeout | null = null;
  const timer = setTimeout(() => {
    expired = timeoutError(ctx, m, left);
    controller.abort(expired);
    // A statement running on a server stops now; on SQLite when it returns.
    ctx.driver.cancel().catch((error: unknown) => ctx.emit({ type: 'log', version: m.version, message: `strata: could not cancel the running statement of ${m.id}: ${String(error)}` }));
  }, ctx.migrationTimeoutMs);
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, controller.signal]) : controller.signal;
  return {
    ctx: { ...ctx, signal },
    get expired() {
      return expired;
    },
    clear: () => clearTimeout(timer),
  };
}

export function timeoutError(ctx: RunContext, m: LoadedMigration, left: string): MigrationTimeout {
  const seconds = ctx.migrationTimeoutMs / 1000;
  return new MigrationTimeout('migration-failed', `${m.file ?? m.id} did not finish within ${seconds} s (migrationTimeout): ${left}`, {
    migration: m.id,
    file: m.file,
    hint: 'find what the migration waits for (a promise that never settles, a lock held elsewhere), fix it or raise migrationTimeout, then run the command again',
  });
}
