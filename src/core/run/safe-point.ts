/**
 * Where a signal (or a migration's deadline) stops a run. On SQLite a statement runs
 * synchronously and every await resolves at once, so a signal is delivered only when the
 * event loop turns: these points turn it when it has not turned for a while.
 */
import { performance } from 'node:perf_hooks';
import { AbortError } from '../errors.js';
import { MigrationTimeout } from '../migration-deadline.js';
import type { RunContext } from './context.js';

/** When the event loop last turned (a signal is delivered only then). Shared by every run of the process: only a pace. */
let lastSafePointTurn = performance.now();
/** A signal may wait this long for a turn; a turn costs a few microseconds. */
const SAFE_POINT_TURN_MS = 5;

export function throwIfAborted(ctx: RunContext): void {
  if (!ctx.signal?.aborted) return;
  // A migration's own deadline aborts with its failure (a MigrationTimeout); a signal is a stop.
  throw ctx.signal.reason instanceof MigrationTimeout ? ctx.signal.reason : new AbortError();
}

/**
 * A point where a signal stops the run: before each statement and before anything is
 * recorded. Turns the event loop first when it has not turned for a few milliseconds.
 */
export async function safePoint(ctx: RunContext): Promise<void> {
  if (ctx.signal && performance.now() - lastSafePointTurn >= SAFE_POINT_TURN_MS) {
    await turnEventLoop();
    lastSafePointTurn = performance.now();
  }
  throwIfAborted(ctx);
}

/** One turn of the event loop: what is due (a signal handler, a timer) runs now. */
export function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
