// Workloads 2 and 3, on one database per tool with all N = 1,000 applied by
// the tool itself (untimed):
//  noop-lib     in a child Node process, the tool's "migrate to latest" call
//               timed alone (performance.now() around the call; import and,
//               where the API allows, connecting are outside): the first call
//               in the process, then the median of 10 later calls. Queries
//               per call counted by wrapping pg / mysql2 where used.
//  noop-process the whole process of the tool's `up` with nothing pending.
//  status       the whole process of the tool's status command.
import { freshDatabase } from '../lib/db.mjs';
import { run, failureText } from '../lib/proc.mjs';
import { verifyApplied } from '../lib/verify.mjs';
import { median } from '../lib/stats.mjs';

export const name = 'up-to-date';
const N = 1000;
const LATER = 10;

export async function measure(ctx, adapters) {
  for (const dialect of ctx.options.dialects) {
    for (const a of adapters) {
      if (!a.dialects.includes(dialect)) continue;
      const want = ['noop-lib', 'noop-process', 'status'].filter((w) => a.workloads.includes(w) && ctx.selected(a.name, dialect, w));
      if (want.length) await upToDateOne(ctx, a, dialect, want);
    }
  }
}

async function upToDateOne(ctx, a, dialect, want) {
  const rows = { 'noop-lib': ['noop-lib first', 'noop-lib later'], 'noop-process': ['noop-process'], status: ['status'] };
  const recordAll = (fields) => {
    for (const w of want) for (const workload of rows[w]) ctx.record({ tool: a.name, dialect, workload, n: N, ratioTo: 'floor', ...fields });
  };
  const why = a.unavailableReason ?? ctx.unavailableDialects[dialect];
  if (why) return recordAll({ status: 'unavailable', error: why });

  const runs = ctx.options.quick ? 3 : Math.max(ctx.runs, 10); // cheap: more runs for steadier medians (a tool slower than 1 s gets --runs)
  const kept = a.needsDatabase === false ? null : ctx.takeFixture(a, dialect); // from the apply workload
  const db = a.needsDatabase === false ? null : kept ?? await freshDatabase(dialect);
  try {
    let dir = null;
    if (db) dir = ctx.migrations(a, N);
    if (db && !kept) {
      const setup = await run(a.apply(ctx, db, dir), { timeoutMs: ctx.timeoutMs });
      const wrong = setup.ok ? await verifyApplied(db, a, N) : `setup (apply ${N}) failed: ${failureText(setup)}`;
      if (wrong) return recordAll({ status: 'failed', error: wrong });
    }
    const base = { tool: a.name, dialect, n: N, ratioTo: 'floor', note: ctx.notes[a.name] ?? null };

    if (want.includes('noop-process')) {
      await timeProcess(ctx, a, db, dir, runs, { ...base, workload: 'noop-process' }, () => a.apply(ctx, db, dir));
    }
    if (want.includes('status')) {
      const cmd = a.status?.(ctx, db, dir);
      if (!cmd || cmd.unsupported) ctx.record({ ...base, workload: 'status', status: 'unsupported', error: cmd?.unsupported ?? 'no status command' });
      else await timeProcess(ctx, a, db, dir, runs, { ...base, workload: 'status' }, () => cmd);
    }
    if (want.includes('noop-lib')) await timeLibrary(ctx, a, db, dir, runs, base);
  } finally {
    await db?.drop();
  }
}

async function timeProcess(ctx, a, db, dir, runs, base, command) {
  const values = [];
  for (let i = 0; i < runs; i++) {
    const r = await run(command(), { timeoutMs: ctx.timeoutMs });
    if (!r.ok) return ctx.record({ ...base, status: r.timedOut ? 'timeout' : 'failed', error: failureText(r), values });
    values.push(r.ms);
    if (i === 0 && r.ms > 1000) runs = Math.min(runs, ctx.runs); // slow: the usual number of runs will do
  }
  if (db && base.workload === 'noop-process') {
    const wrong = await verifyApplied(db, a, N); // a no-op must leave everything as it was
    if (wrong) return ctx.record({ ...base, status: 'failed', error: wrong, values });
  }
  return ctx.record({ ...base, values });
}

async function timeLibrary(ctx, a, db, dir, runs, base) {
  const cmd = a.lib?.(ctx, db, dir, LATER);
  if (!cmd || cmd.unsupported) {
    const error = cmd?.unsupported ?? 'no library API';
    ctx.record({ ...base, workload: 'noop-lib first', status: 'unsupported', error });
    ctx.record({ ...base, workload: 'noop-lib later', status: 'unsupported', error });
    return;
  }
  const firsts = [];
  const laters = [];
  const queries = { first: null, later: null };
  const processes = Math.min(runs, 5); // each child makes 1 + LATER calls
  for (let i = 0; i < processes; i++) {
    const r = await run(cmd, { timeoutMs: ctx.timeoutMs });
    let out = null;
    try { out = JSON.parse(r.stdout.trim().split('\n').pop()); } catch { /* below */ }
    if (!r.ok || !out) {
      const error = r.ok ? `no result: ${r.stdout.slice(-200)}` : failureText(r);
      ctx.record({ ...base, workload: 'noop-lib first', status: r.timedOut ? 'timeout' : 'failed', error });
      ctx.record({ ...base, workload: 'noop-lib later', status: r.timedOut ? 'timeout' : 'failed', error });
      return;
    }
    firsts.push(out.firstMs);
    laters.push(...out.laterMs);
    queries.first = out.firstQueries;
    queries.later = out.laterQueries;
  }
  const q = (n) => (n == null || db?.dialect === 'sqlite' ? null : `${n} quer${n === 1 ? 'y' : 'ies'}/call`);
  const note = (qs) => [qs, base.note].filter(Boolean).join('; ') || null;
  ctx.record({ ...base, workload: 'noop-lib first', values: firsts, note: note(q(queries.first)), extra: { queries: queries.first, processes } });
  ctx.record({ ...base, workload: 'noop-lib later', values: laters, note: note(q(queries.later)), extra: { queries: queries.later, processes, callsPerProcess: LATER, medianOfLater: median(laters) } });
}
