/**
 * Runs a plan: each transactional migration and its tracking row commit together or not at
 * all; what cannot be transactional follows the dirty protocol (§6). The loop picks a
 * strategy per migration (./strategy.ts); a failure is settled and told by ./failed-run.ts.
 */
import { performance } from 'node:perf_hooks';
import { AbortError } from '../errors.js';
import { startDeadline, type Deadline } from '../migration-deadline.js';
import { atomic as atomicStrategy } from './atomic.js';
import type { Direction, Done, PlannedMigration, RunContext, RunOutcome } from './context.js';
import { dirtyProtocol } from './dirty-protocol.js';
import { failRun } from './failed-run.js';
import { ForeignKeySwitch } from './foreign-keys.js';
import { perMigration } from './per-migration.js';
import { turnEventLoop } from './safe-point.js';
import { savepointGroup } from './savepoint-group.js';
import type { RunShared } from './strategy.js';

/** How long a run may go without letting the event loop turn (signals, timers). */
const EVENT_LOOP_TURN_MS = 50;

export async function runPlan(ctx: RunContext, direction: Direction, plan: readonly PlannedMigration[], options: { atomic: boolean }): Promise<RunOutcome> {
  const { driver } = ctx;
  const outcome: RunOutcome = { applied: [], rolledBack: [] };
  const finished = direction === 'up' ? outcome.applied : outcome.rolledBack;
  const shared: RunShared = {
    ctx,
    direction,
    total: plan.length,
    // Foreign-key enforcement (§2), where the driver can switch it.
    foreignKeys: new ForeignKeySwitch(driver),
    /** A migration counts as applied (or rolled back), and says so, only once its commit succeeded. */
    committed(done: Done) {
      finished.push(done.item.migration.version);
      ctx.emit(done.event);
    },
  };
  const atomic = options.atomic ? atomicStrategy(shared) : null;
  const dirty = dirtyProtocol(shared);
  const transactional = driver.capabilities.groupCommit ? savepointGroup(shared) : perMigration(shared);
  let current: PlannedMigration | null = null;
  /** performance.now() when `current` started: a failed run's log row carries its duration too. */
  let currentStarted = 0;
  let deadline: Deadline | null = null;

  ctx.emit({ type: 'run-start', direction, total: plan.length });
  let lastTurn = performance.now();
  try {
    if (atomic) await atomic.begin(plan);
    for (const [index, item] of plan.entries()) {
      current = null;
      // On SQLite every await resolves at once: without a turn of the event loop, signal
      // handlers and timers would wait for the whole run to end.
      if (performance.now() - lastTurn >= EVENT_LOOP_TURN_MS) {
        await turnEventLoop();
        lastTurn = performance.now();
      }
      // Stopped between two migrations: nothing of this one ran, so it gets no `failed` row.
      if (ctx.signal?.aborted) throw new AbortError(`stopped before ${item.migration.file ?? item.migration.id} started: nothing of it ran`, { migration: item.migration.id, file: item.migration.file });
      current = item;
      driver.assertLockHeld();
      const m = item.migration;
      ctx.emit({ type: 'migration-start', direction, version: m.version, name: m.name, index, total: plan.length });
      const started = performance.now();
      currentStarted = started;
      const isTransactional = m.meta.transaction && driver.capabilities.transactionalDdl;
      deadline = startDeadline(ctx, m, atomic ? 'the whole run was rolled back' : isTransactional ? 'it was rolled back' : 'it is left dirty');
      const run = {
        item, index, started, ctx: deadline.ctx,
        done: (): Done => ({ item, event: { type: 'migration-done', direction, version: m.version, name: m.name, durationMs: Math.round(performance.now() - started), index, total: plan.length } }),
      };
      if (atomic) {
        await atomic.run(run);
      } else if (!isTransactional) {
        // What the other strategy holds back commits first: commits happen in plan order.
        await transactional.settle();
        await dirty.run(run);
      } else {
        await dirty.settle();
        await transactional.run(run);
      }
      deadline.clear();
    }
    current = null;
    await transactional.settle();
    await dirty.settle();
    if (atomic) await atomic.settle();
    await shared.foreignKeys.restore();
    return outcome;
  } catch (caught) {
    deadline?.clear();
    throw await failRun({ shared, outcome, atomic: atomic !== null, strategy: atomic ?? transactional, dirty, current, currentStartedAt: currentStarted, expired: deadline?.expired ?? null }, caught);
  }
}
