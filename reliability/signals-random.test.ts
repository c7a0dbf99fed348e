/**
 * SIGINT / SIGTERM at random moments of `up` (SPEC §5 exit codes, §6 Signals), on SQLite,
 * PostgreSQL and MariaDB, over ~30 mixed migrations with two long statements and code
 * migrations that await. Three kinds of moment:
 *
 * - random: a delay drawn uniformly over the run's length;
 * - await: while a code migration awaits (it logs `waiting in <v>` first);
 * - statement: 150 ms into a long statement (it logs `slow statement in <v>` first).
 *
 * After each run:
 * - the exit code is 130 / 143; or 0 when the run had finished (its JSON says so and every
 *   migration is applied); or the process died of the signal's default action because it came
 *   before strata installed its handlers — accepted only when nothing changed;
 * - what is applied now = what was applied before + the JSON document's `applied` list: a
 *   migration committed is a migration reported, and the one in flight is not applied (rolled
 *   back, or dirty where §6 allows);
 * - for aimed signals, the migration in flight is not applied and nothing after it is;
 * - for random ones, no migration is recorded (`applied_at`) more than LATE_MS after the signal;
 * - the invariants of support/invariants.ts.
 * Short mode: 3 signals per dialect (one of each kind); long mode: 60.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { project } from '../test/support/project.js';
import { snapshot, violations, type Snapshot } from './support/invariants.js';
import { LONG, scale } from './support/mode.js';
import { prng, runSeed, type Prng } from './support/prng.js';
import { recover } from './support/recover.js';
import { describeRun, runStrata, type KillPlan, type Run } from './support/runner.js';
import { openTarget, selected, type Target, type TargetName } from './support/targets.js';
import { workload, type MigrationSpec } from './support/workload.js';

const SEED = runSeed();
const SIGNALS = scale(3, 60);
const COUNT = 30;
/** How long after the signal a migration may still be recorded: the handler runs on the next turn of the event loop (generous: the machine is loaded). */
const LATE_MS = 1000;
const EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type Moment = 'random' | 'await' | 'statement';

for (const name of selected(['sqlite', 'postgres', 'mariadb'] as const)) {
  test(`signals on ${name}: SIGINT/SIGTERM at random moments of up`, { timeout: scale(240_000, 3_600_000) }, async (t) => {
    const r = await signalLoop(name, prng(SEED).fork(name));
    const summary = `signals-random ${name}: seed=${SEED} mode=${LONG ? 'long' : 'short'} signals=${r.sent} (random ${r.byMoment.random}, await ${r.byMoment.await}, statement ${r.byMoment.statement}) stopped=${r.stopped} finished-first=${r.finished} before-handlers=${r.early} slowest-stop=${r.slowestStopMs}ms violations=${r.violations.length}`;
    t.diagnostic(summary);
    process.stderr.write(`${summary}\n`);
    assert.deepEqual(r.violations, [], `${summary}\n${r.violations.slice(0, 20).join('\n')}`);
  });
}

async function signalLoop(name: TargetName, rng: Prng) {
  const target = await openTarget(name);
  const { files, specs } = workload(target.flavor, COUNT, { slowAt: [9, 22], slowMs: 800, codeWaitMs: 400 });
  const p = project(files);
  const db = ['--db', target.urls[0]!];
  const r = { sent: 0, stopped: 0, finished: 0, early: 0, slowestStopMs: 0, byMoment: { random: 0, await: 0, statement: 0 }, violations: [] as string[] };
  let window = 12_000;
  try {
    for (let attempt = 0; r.sent < SIGNALS && attempt < SIGNALS * 4; attempt++) {
      const before = await snapshot(target, specs);
      if (specs.every((m) => before.rows.get(m.version)?.state === 'applied')) {
        const reset = await runStrata(['down', '--all', ...db], p.dir);
        if (reset.code !== 0) throw new Error(`down --all failed: ${describeRun(reset)}`);
        continue;
      }
      const signal = rng.pick(['SIGINT', 'SIGTERM'] as const);
      const moment: Moment = (['random', 'await', 'statement'] as const)[r.sent % 3]!;
      const plan: KillPlan =
        moment === 'random'
          ? { signal, afterMs: Math.round(rng.next() * window) }
          : moment === 'await'
            ? { signal, whenOutput: /waiting in \d{3}/ }
            : { signal, whenOutput: /slow statement in \d{3}/, delayMs: 150 };
      const run = await runStrata(['up', '--json', ...db], p.dir, plan);
      if (!run.sent) {
        if (moment === 'random') window = Math.max(300, run.elapsedMs);
        if (run.code !== 0) r.violations.push(`${name}: up exited ${run.code} with no signal: ${describeRun(run)}`);
        await recover(target, specs, p.dir, db);
        continue;
      }
      r.sent++;
      r.byMoment[moment]++;
      await target.quiesce();
      const after = await snapshot(target, specs);
      const found = await check(target, specs, before, after, run, signal, moment);
      if (found.outcome === 'stopped') r.stopped++;
      else if (found.outcome === 'finished') r.finished++;
      else if (found.outcome === 'early') r.early++;
      if (found.outcome === 'stopped') r.slowestStopMs = Math.max(r.slowestStopMs, found.stopMs);
      r.violations.push(...found.violations.map((v) => `${name}, ${signal} (${moment}) #${r.sent}: ${v}`));
      await recover(target, specs, p.dir, db);
    }
    return r;
  } finally {
    p.cleanup();
    await target.dispose();
  }
}

async function check(target: Target, specs: readonly MigrationSpec[], before: Snapshot, after: Snapshot, run: Run, signal: 'SIGINT' | 'SIGTERM', moment: Moment) {
  const found: string[] = [...violations(target, specs, after)];
  const applied = (s: Snapshot) => new Set([...s.rows.values()].filter((row) => row.state === 'applied').map((row) => row.version));
  const was = applied(before);
  const now = applied(after);
  const added = [...now].filter((v) => !was.has(v)).sort();
  const doc = parseJson(run.stdout);
  let outcome: 'stopped' | 'finished' | 'early' | 'unexpected';
  if (run.code === EXIT[signal]) outcome = 'stopped';
  else if (run.code === 0 && (doc?.status === 'migrated' || doc?.status === 'up-to-date') && now.size === specs.length) outcome = 'finished';
  else if (run.code === null && run.signal === signal && added.length === 0 && after.rows.size === before.rows.size && run.stdout === '') outcome = 'early';
  else {
    outcome = 'unexpected';
    found.push(`exit ${run.code} (signal ${run.signal}); expected ${EXIT[signal]}, or 0 after a finished run: ${describeRun(run)}`);
  }
  // What is committed is what the run reported.
  if (doc !== null) {
    const reported = Array.isArray(doc.applied) ? (doc.applied as string[]).slice().sort() : [];
    if (JSON.stringify(reported) !== JSON.stringify(added)) found.push(`the run reported applied [${reported.join(' ')}] but [${added.join(' ')}] were committed`);
    if (outcome === 'stopped' && doc.error?.code !== 'aborted') found.push(`the JSON error code is ${String(doc.error?.code)}, not aborted`);
  } else if (outcome !== 'early') {
    found.push(`no JSON document on stdout: ${describeRun(run)}`);
  }
  // Aimed signals: the migration in flight and everything after it stay unapplied.
  if (moment !== 'random' && outcome === 'stopped') {
    const aimedAt = moment === 'await' ? /waiting in (\d{3})/g : /slow statement in (\d{3})/g;
    const inFlight = [...run.outputAtSignal.matchAll(aimedAt)].at(-1)?.[1];
    if (inFlight !== undefined) {
      const late = added.filter((v) => v >= inFlight);
      if (late.length > 0) found.push(`signalled while ${inFlight} was in flight, yet ${late.join(', ')} ${late.length === 1 ? 'was' : 'were'} committed`);
    }
  }
  // Random signals: nothing recorded well after the signal.
  if (run.signalAt !== null && added.length > 0) {
    for (const row of await appliedAt(target, added)) {
      const lag = row.at - run.signalAt;
      if (lag > LATE_MS) found.push(`${row.version} was recorded ${lag} ms after the signal (sent ${run.signalAt - run.exitedAt + run.elapsedMs} ms into the run; exit ${run.exitedAt - run.signalAt} ms after it): ${run.stderr.trim().split('\n').join(' | ')}`);
    }
  }
  return { outcome, violations: found, stopMs: run.signalAt === null ? 0 : run.exitedAt - run.signalAt };
}

async function appliedAt(target: Target, versions: readonly string[]): Promise<{ version: string; at: number }[]> {
  const rows = await target.query<{ version: string; applied_at: unknown }>(`SELECT version, applied_at FROM strata_migrations WHERE version IN (${versions.map((v) => `'${v}'`).join(', ')})`);
  return rows.map((row) => ({ version: String(row.version), at: new Date(row.applied_at as string).getTime() }));
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
