// Workload 1: apply N generated migrations to an empty database, whole
// process timed (node script or CLI). A fresh database for every run; each
// run verified (N tables, N tracking rows). Peak RSS recorded on the side.
import { freshDatabase, quiesce } from '../lib/db.mjs';
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
      const tools = adapters.filter((a) => a.workloads.includes('apply') && a.dialects.includes(dialect) && ctx.selected(a.name, dialect, 'apply'));
      await applyRounds(ctx, tools, dialect, n);
    }
  }
}

/**
 * The runs of every tool at one N, interleaved: round i runs each tool once, in a rotated
 * order. A server's background work (checkpoints, autovacuum of the catalog after thousands
 * of CREATE TABLEs, the previous DROP DATABASE) then falls on all tools alike, instead of on
 * whichever tool happened to run its five runs while it lasted.
 */
async function applyRounds(ctx, tools, dialect, n) {
  const plans = [];
  for (const a of tools) {
    const plan = planFor(ctx, a, dialect, n);
    if (plan) plans.push(plan);
  }
  const rounds = Math.max(0, ...plans.map((p) => p.runs));
  for (let i = 0; i < rounds; i++) {
    const order = plans.map((_, k) => plans[(k + i) % plans.length]);
    for (const plan of order) {
      if (plan.done || i >= plan.runs) continue;
      await runOnce(ctx, plan, i);
    }
  }
  for (const plan of plans) {
    if (!plan.done) {
      const { a, base, values, rss, note } = plan;
      ctx.record({ ...base, values, note: [note, ctx.notes[a.name]].filter(Boolean).join('; ') || null, extra: { rssKiB: rss } });
    }
  }
}

/** What one tool does at this N: its number of runs, or null when it is recorded as not run. */
function planFor(ctx, a, dialect, n) {
  const base = { tool: a.name, dialect, workload: 'apply', n, ratioTo: 'floor' };
  const why = a.unavailableReason ?? ctx.unavailableDialects[dialect];
  if (why) {
    ctx.record({ ...base, status: 'unavailable', error: why });
    return null;
  }
  let runs = n >= 10000 ? ctx.options.runs10k : ctx.runs;
  let note = null;
  if (n >= 10000 && !FULL_AT_10K.has(a.name)) {
    if (a.kind !== 'floor' && !ctx.options.peers10k.includes(dialect)) return null; // not measured, not shown
    runs = 1;
    note = '1 run';
    const at1k = ctx.find(a.name, dialect, 'apply', 1000);
    if (at1k && at1k.status !== 'ok') {
      ctx.record({ ...base, status: 'skipped', error: `not run: failed at N = 1,000 (${at1k.status})` });
      return null;
    }
    const estimateS = at1k?.median ? (at1k.median * 10 * 1.2) / 1000 : null;
    if (estimateS != null && estimateS > ctx.options.budget10kS) {
      ctx.record({ ...base, status: 'skipped', error: `not run: estimated ${Math.round(estimateS)} s > budget ${ctx.options.budget10kS} s` });
      return null;
    }
  }
  return { a, base, runs, note, dir: ctx.migrations(a, n), n, values: [], rss: [], done: false };
}

/** One run of one tool; a failure records the tool as failed and ends its runs. */
async function runOnce(ctx, plan, i) {
  const { a, base, dir, n, values, rss } = plan;
  let db = await freshDatabase(base.dialect);
  try {
    settle();
    await quiesce(base.dialect);
    const r = await run(a.apply(ctx, db, dir), { timeoutMs: ctx.timeoutMs, rss: true });
    if (!r.ok) {
      plan.done = true;
      return ctx.record({ ...base, status: r.timedOut ? 'timeout' : 'failed', error: `${failureText(r)} (after ${(r.ms / 1000).toFixed(1)} s, run ${i + 1})`, values });
    }
    const wrong = await verifyApplied(db, a, n);
    if (wrong) {
      plan.done = true;
      return ctx.record({ ...base, status: 'failed', error: wrong, values });
    }
    values.push(r.ms);
    if (r.rssKiB) rss.push(r.rssKiB);
    if (n === FIXTURE_N && i === plan.runs - 1 && ctx.keepFixture(a, db)) db = null; // handed on, not dropped
  } finally {
    await db?.drop();
  }
}
