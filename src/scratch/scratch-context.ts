/**
 * An operation context on a scratch database (§7), for `test` and `drift`: the same migrations
 * source and settings as the configured one, a driver of its own on the scratch database, no
 * restore points. The scratch database is dropped after, whatever happens (withScratch).
 */
import { randomUUID } from 'node:crypto';
import type { StrataEvent } from '../core/events.js';
import type { Driver, DriverOptions } from '../core/ports/index.js';
import { openDriver } from '../drivers/load-driver.js';
import type { OperationContext, ScratchRun } from '../operations/context.js';
import { withScratch } from './scratch.js';

const QUIET: ReadonlySet<StrataEvent['type']> = new Set(['lock-acquired', 'run-start', 'migration-start', 'migration-done', 'migration-failed', 'batch-progress']);

/** `ctx.scratch`: runs `fn` with a context whose database is a new scratch database. */
export function scratchRunner(base: () => OperationContext, options: DriverOptions): ScratchRun {
  return async (fn) => {
    const ctx = base();
    const configured = await ctx.driver();
    return withScratch({ driver: configured, scratchDb: ctx.scratchDb, table: options.table, signal: ctx.signal, emit: ctx.emit }, async (scratch) => {
      const runId = randomUUID();
      let driver: Driver | null = null;
      const opening = openDriver(scratch.url, { ...options, runId, createDirectory: false, initSql: options.initSql ?? [] }).then((d) => {
        driver = d;
        // A signal cancels the statement running on the scratch database too.
        ctx.signal?.addEventListener('abort', () => void d.cancel().catch(() => undefined), { once: true });
        return d;
      });
      try {
        return await fn({
          ...ctx,
          driver: () => opening,
          runId,
          // The run's own progress there (applied / rolled back) would read as if the configured database changed.
          emit: (event) => void (QUIET.has(event.type) || ctx.emit(event)),
          backup: { ...ctx.backup, enabled: false },
          scratchDb: null,
          scratch: undefined,
        }, scratch.display);
      } finally {
        await opening.catch(() => undefined);
        await (driver as Driver | null)?.close();
      }
    });
  };
}
