// Workload 4: 20 processes start `up` together on one database with N = 1,000
// pending. Wall time from the first spawn to the last exit, against one run's
// wall time (the apply workload's median when it ran, else measured here).
// Verified: all 20 exit 0; N tracking rows, no duplicates; N bench tables.
// Then, on the now up-to-date database, 20 no-op `up`s started together
// (the SQLite bound in the spec is one run + that; strata only).
import { freshDatabase } from '../lib/db.mjs';
import { run, runTogether, failureText, summarizeFailures, settle } from '../lib/proc.mjs';
import { verifyApplied } from '../lib/verify.mjs';

export const name = 'race';
const N = 1000;
const P = 20;
const FULL = new Set(['strata']); // peers: one race each, to show how they behave

export async function measure(ctx, adapters) {
  for (const dialect of ctx.options.dialects) {
    for (const a of adapters) {
      if (!a.workloads.includes('race') || !a.dialects.includes(dialect)) continue;
      if (!FULL.has(a.name) && !ctx.options.racePeers) continue;
      if (!ctx.selected(a.name, dialect, 'race')) continue;
      await raceOne(ctx, a, dialect);
    }
  }
}

async function oneRunMs(ctx, a, dialect, dir, runs) {
  const known = ctx.find(a.name, dialect, 'apply', N);
  if (known?.status === 'ok') return { ms: known.median, from: 'apply workload' };
  const values = [];
  for (let i = 0; i < runs; i++) {
    const db = await freshDatabase(dialect);
    try {
      settle();
      const r = await run(a.apply(ctx, db, dir), { timeoutMs: ctx.timeoutMs });
      if (!r.ok) return { error: `single run failed: ${failureText(r)}` };
      values.push(r.ms);
    } finally { await db.drop(); }
  }
  values.sort((x, y) => x - y);
  return { ms: values[values.length >> 1], from: 'measured here' };
}

async function raceOne(ctx, a, dialect) {
  const base = { tool: a.name, dialect, n: N };
  const why = a.unavailableReason ?? ctx.unavailableDialects[dialect];
  if (why) {
    ctx.record({ ...base, workload: `race${P}`, status: 'unavailable', error: why });
    return;
  }
  const runs = FULL.has(a.name) ? ctx.runs : 1;
  const dir = ctx.migrations(a, N);
  const one = await oneRunMs(ctx, a, dialect, dir, runs);
  if (one.error) return ctx.record({ ...base, workload: `race${P}`, status: 'failed', error: one.error });

  const raceMs = [];
  const noopMs = [];
  let noopError = null;
  for (let i = 0; i < runs && !noopError; i++) {
    const db = await freshDatabase(dialect);
    try {
      settle();
      const race = await runTogether(Array.from({ length: P }, () => a.apply(ctx, db, dir)), { timeoutMs: ctx.timeoutMs });
      const failed = race.results.filter((r) => !r.ok);
      const wrong = await verifyApplied(db, a, N);
      if (failed.length || wrong) {
        const error = [
          failed.length ? `${P - failed.length}/${P} exited 0 — ${summarizeFailures(race.results)}` : `${P}/${P} exited 0`,
          wrong,
        ].filter(Boolean).join('; ');
        return ctx.record({ ...base, workload: `race${P}`, status: 'failed', error, values: raceMs, extra: { oneRunMs: one.ms } });
      }
      raceMs.push(race.ms);
      if (!FULL.has(a.name)) continue; // the 20-no-op figure serves strata's SQLite bound only
      const noop = await runTogether(Array.from({ length: P }, () => a.apply(ctx, db, dir)), { timeoutMs: ctx.timeoutMs });
      const bad = noop.results.filter((r) => !r.ok);
      if (bad.length) noopError = `${P - bad.length}/${P} exited 0 — ${summarizeFailures(noop.results)}`;
      else noopMs.push(noop.ms);
    } finally {
      await db.drop();
    }
  }
  const runsNote = runs === 1 ? '1 run; ' : '';
  const race = ctx.record({
    ...base, workload: `race${P}`, values: raceMs, ratioTo: '1 run', extra: { oneRunMs: one.ms, oneRunFrom: one.from },
    note: `${runsNote}1 run = ${Math.round(one.ms)} ms; ${P}/${P} exit 0, each migration applied once`,
  });
  race.ratio = race.median / one.ms;
  if (noopError) return ctx.record({ ...base, workload: `race${P}-noop`, status: 'failed', error: noopError });
  if (!noopMs.length) return;
  const noop = ctx.record({ ...base, workload: `race${P}-noop`, values: noopMs, note: `${P} no-op ups started together` });
  race.extra.sqliteBoundMs = one.ms + noop.median; // spec §9, SQLite: within one run + 20 no-ops
  if (dialect === 'sqlite') race.note += `; bound 1 run + ${P} no-ops = ${Math.round(race.extra.sqliteBoundMs)} ms`;
}
