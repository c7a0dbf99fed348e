// Workload 1: apply N generated migrations to an empty database, whole
// process timed (node script or CLI). A fresh database for every run; each
// run verified (N tables, N tracking rows). Peak RSS recorded on the side.
import { freshDatabase } from '../lib/db.mjs';
import { run, failureText, settle } from '../lib/proc.mjs';
import { verifyApplied } from '../lib/verify.mjs';

export const name = 'apply';

// At N = 10,000 these tools get the full number of runs; floor-1tx one run;
// the peers one run, on the dialects of --peers-10k (default: postgres, where one transaction
// for 10,000 new tables is the known failure), and only when their N = 1,000
// median suggests it ends within --budget-10k.
const FULL_AT_10K = new Set(['floor', 'strata']);
const FIXTURE_N = 1000; // the up-to-date workload reuses the last N = 1,000 database

export async function measure(ctx, adapters, { sizes }) {
  for (const dialect of ctx.options.dialects) {
    for (const n of sizes) {
      for (const a of adapters) {
        if (!a.workloads.includes('apply') || !a.dialects.includes(dialect)) continue;
        if (!ctx.selected(a.name, dialect, 'apply')) continue;
        await applyOne(ctx, a, dialect, n);
      }
    }
  }
}

async function applyOne(ctx, a, dialect, n) {
  const base = { tool: a.name, dialect, workload: 'apply', n, ratioTo: 'floor' };
  const why = a.unavailableReason ?? ctx.unavailableDialects[dialect];
  if (why) return ctx.record({ ...base, status: 'unavailable', error: why });

  let runs = n >= 10000 ? ctx.options.runs10k : ctx.runs;
  let note = null;
  if (n >= 10000 && !FULL_AT_10K.has(a.name)) {
    if (a.kind !== 'floor' && !ctx.options.peers10k.includes(dialect)) return; // not measured, not shown
    runs = 1;
    note = '1 run';
    const at1k = ctx.find(a.name, dialect, 'apply', 1000);
    if (at1k && at1k.status !== 'ok') {
      return ctx.record({ ...base, status: 'skipped', error: `not run: failed at N = 1,000 (${at1k.status})` });
    }
    const estimateS = at1k?.median ? (at1k.median * 10 * 1.2) / 1000 : null;
    if (estimateS != null && estimateS > ctx.options.budget10kS) {
      return ctx.record({ ...base, status: 'skipped', error: `not run: estimated ${Math.round(estimateS)} s > budget ${ctx.options.budget10kS} s` });
    }
  }

  const dir = ctx.migrations(a, n);
  const values = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    let db = await freshDatabase(dialect);
    try {
      settle();
      const r = await run(a.apply(ctx, db, dir), { timeoutMs: ctx.timeoutMs, rss: true });
      if (!r.ok) {
        return ctx.record({ ...base, status: r.timedOut ? 'timeout' : 'failed', error: `${failureText(r)} (after ${(r.ms / 1000).toFixed(1)} s, run ${i + 1})`, values });
      }
      const wrong = await verifyApplied(db, a, n);
      if (wrong) return ctx.record({ ...base, status: 'failed', error: wrong, values });
      values.push(r.ms);
      if (r.rssKiB) rss.push(r.rssKiB);
      if (n === FIXTURE_N && i === runs - 1 && ctx.keepFixture(a, db)) db = null; // handed on, not dropped
    } finally {
      await db?.drop();
    }
  }
  return ctx.record({ ...base, values, note: [note, ctx.notes[a.name]].filter(Boolean).join('; ') || null, extra: { rssKiB: rss } });
}
