// Workload 5: peak RSS of the whole process applying N = 10,000 (1,000 with
// --quick), for strata and the floor. Taken from the apply workload's runs
// when they happened (each apply run records it), else measured here.
// Peak RSS comes from GNU time's %M when /usr/bin/time exists, else from
// polling the child's VmHWM in /proc.
import { freshDatabase } from '../lib/db.mjs';
import { run, failureText, hasGnuTime, settle } from '../lib/proc.mjs';
import { verifyApplied } from '../lib/verify.mjs';

export const name = 'rss';

export async function measure(ctx, adapters) {
  const n = ctx.options.quick ? 1000 : 10000;
  const how = hasGnuTime ? 'GNU time %M' : '/proc VmHWM polling';
  for (const dialect of ctx.options.dialects) {
    for (const a of adapters) {
      if (!a.workloads.includes('rss') || !a.dialects.includes(dialect)) continue;
      if (!ctx.selected(a.name, dialect, 'rss')) continue;
      const base = { tool: a.name, dialect, workload: 'peak RSS', n, unit: 'KiB', ratioTo: 'floor' };
      const why = a.unavailableReason ?? ctx.unavailableDialects[dialect];
      if (why) { ctx.record({ ...base, status: 'unavailable', error: why }); continue; }
      const applied = ctx.find(a.name, dialect, 'apply', n);
      if (applied?.extra?.rssKiB?.length) {
        ctx.record({ ...base, values: applied.extra.rssKiB, note: `${how}, from the apply runs` });
        continue;
      }
      if (applied && applied.status !== 'ok') {
        ctx.record({ ...base, status: applied.status, error: `apply failed: ${applied.error}` });
        continue;
      }
      const values = [];
      let error = null;
      const dir = ctx.migrations(a, n);
      for (let i = 0; i < Math.min(ctx.runs, 3) && !error; i++) {
        const db = await freshDatabase(dialect);
        try {
          settle();
          const r = await run(a.apply(ctx, db, dir), { timeoutMs: ctx.timeoutMs, rss: true });
          error = r.ok ? await verifyApplied(db, a, n) : failureText(r);
          if (!error && r.rssKiB) values.push(r.rssKiB);
        } finally { await db.drop(); }
      }
      if (error) ctx.record({ ...base, status: 'failed', error });
      else ctx.record({ ...base, values, note: how });
    }
  }
}
