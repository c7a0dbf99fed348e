/**
 * Races: N `strata` processes started at once on one database, mixing `up`, `down`, `status`,
 * `redo` and `mark-applied`, on SQLite, PostgreSQL and MariaDB. §6 Locking serialises the
 * changing commands; each re-reads what is applied after taking the lock. Afterwards:
 *
 * - the invariants of support/invariants.ts (each applied row's effects present, no row
 *   without its effects, the log agrees), and no migration applied twice: for each version
 *   the log's successful up/mark and down/unmark entries alternate, starting with an up;
 * - every exit code is one §5 allows for what happened:
 *     0  done (or nothing to do: `down`/`redo` with nothing applied, `up` up to date);
 *     3  refused by a §4 problem the race itself created: `mark-applied` of the no-op
 *        migration while earlier ones are pending makes them out-of-order, so `up`, `redo`
 *        and another `mark-applied` started after it are refused until a `down` removes it;
 *     4  the lock was not obtained within --lock-timeout (20 processes queue on a loaded
 *        machine);
 *     2  only for `mark-applied` of a migration another process applied or marked first
 *        ("is applied already": a usage error by §5, decided under the lock);
 *   and never 1 (no migration here fails) or anything else.
 * Then `up` (after a `down` of the no-op if it was marked out of order) applies everything.
 * Short mode: one round of 8 processes per dialect; long mode: 5 rounds of 20.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { project } from '../test/support/project.js';
import { snapshot, violations, type LogRow } from './support/invariants.js';
import { LONG, scale } from './support/mode.js';
import { prng, runSeed, type Prng } from './support/prng.js';
import { describeRun, runStrata, type Run } from './support/runner.js';
import { openTarget, selected, type TargetName } from './support/targets.js';
import { workload } from './support/workload.js';

const SEED = runSeed();
const PROCESSES = scale(8, 20);
const ROUNDS = scale(1, 5);
const COUNT = 25;
const NOOP = 25;
const LOCK_TIMEOUT_S = 90;

for (const name of selected(['sqlite', 'postgres', 'mariadb'] as const)) {
  test(`races on ${name}: ${ROUNDS} round(s) of ${PROCESSES} processes at once`, { timeout: scale(240_000, 3_600_000) }, async (t) => {
    const r = await raceRounds(name, prng(SEED).fork(name));
    const codes = Object.entries(r.codes).map(([code, n]) => `${code}:${n}`).join(' ');
    const summary = `races ${name}: seed=${SEED} mode=${LONG ? 'long' : 'short'} rounds=${ROUNDS} processes=${r.processes} exit-codes={${codes}} violations=${r.violations.length}`;
    t.diagnostic(summary);
    process.stderr.write(`${summary}\n`);
    assert.deepEqual(r.violations, [], `${summary}\n${r.violations.slice(0, 20).join('\n')}`);
  });
}

async function raceRounds(name: TargetName, rng: Prng) {
  const target = await openTarget(name);
  const { files, specs } = workload(target.flavor, COUNT, { noopAt: [NOOP] });
  const noop = specs.find((m) => m.k === NOOP)!.version;
  const p = project(files);
  const db = ['--db', target.urls[0]!, '--lock-timeout', String(LOCK_TIMEOUT_S)];
  const found: string[] = [];
  const codes: Record<string, number> = {};
  let processes = 0;
  try {
    // Start half-way, so that both `up` and `down` have work.
    const start = await runStrata(['up', '--target', specs[Math.floor(COUNT / 2)]!.version, ...db], p.dir);
    if (start.code !== 0) throw new Error(`setup up failed: ${describeRun(start)}`);
    for (let round = 0; round < ROUNDS; round++) {
      const commands = Array.from({ length: PROCESSES }, () => command(rng, noop));
      const runs = await Promise.all(commands.map((args) => runStrata([...args, ...db], p.dir, undefined, (LOCK_TIMEOUT_S + 60) * 1000)));
      processes += runs.length;
      for (const run of runs) {
        const key = String(run.code ?? run.signal);
        codes[key] = (codes[key] ?? 0) + 1;
        const why = unacceptable(run);
        if (why) found.push(`${name} round ${round + 1}: ${why}: ${describeRun(run)}`);
      }
      await target.quiesce();
      const s = await snapshot(target, specs);
      for (const v of violations(target, specs, s)) found.push(`${name} round ${round + 1}: ${v}`);
      for (const v of alternation(s.log)) found.push(`${name} round ${round + 1}: ${v}`);
    }
    // The next run completes: first roll the no-op back if the race left it marked out of
    // order (`down` is the command §4 lets through out-of-order problems; `unmark 025` is
    // refused, since the problems are those of the earlier, pending versions).
    const before = await snapshot(target, specs);
    if (before.rows.get(noop)?.state === 'applied' && specs.some((m) => !before.rows.has(m.version))) {
      const down = await runStrata(['down', ...db], p.dir);
      if (down.code !== 0) found.push(`${name}: down of the marked ${noop} failed: ${describeRun(down)}`);
    }
    const final = await runStrata(['up', ...db], p.dir);
    if (final.code !== 0) found.push(`${name}: the final up failed: ${describeRun(final)}`);
    await target.quiesce();
    const end = await snapshot(target, specs);
    for (const v of violations(target, specs, end)) found.push(`${name} at the end: ${v}`);
    const missing = specs.filter((m) => end.rows.get(m.version)?.state !== 'applied').map((m) => m.version);
    if (missing.length > 0) found.push(`${name}: not applied at the end: ${missing.join(', ')}`);
    return { processes, codes, violations: found };
  } finally {
    p.cleanup();
    await target.dispose();
  }
}

function command(rng: Prng, noop: string): string[] {
  const kind = rng.pick(['up', 'up', 'down', 'down', 'status', 'redo', 'mark-applied'] as const);
  if (kind === 'down') return ['down', '--steps', String(rng.int(1, 4))];
  if (kind === 'mark-applied') return ['mark-applied', noop];
  return [kind];
}

/** Why an exit code is not one the race may produce (null when it is). */
function unacceptable(run: Run): string | null {
  const [command] = run.args;
  if (run.code === 0 || run.code === 4) return null;
  if (run.code === 3 && (command === 'up' || command === 'redo' || command === 'mark-applied') && /comes before migrations that are already applied/.test(run.stderr)) return null;
  if (run.code === 2 && command === 'mark-applied' && /applied already/.test(run.stderr)) return null;
  return `exit ${run.code} is not one a race may produce`;
}

/** A migration applied twice shows as two successful ups (or marks) with no down (or unmark) between. */
function alternation(log: readonly LogRow[]): string[] {
  const found: string[] = [];
  const applied = new Map<string, boolean>();
  for (const row of log) {
    if (row.status !== 'success') continue;
    const on = row.operation === 'up' || row.operation === 'mark';
    const off = row.operation === 'down' || row.operation === 'unmark';
    if (!on && !off) continue;
    const was = applied.get(row.version) ?? false;
    if (on && was) found.push(`${row.version} applied twice (log id ${row.id}: ${row.operation} with no down since the last up)`);
    if (off && !was) found.push(`${row.version} rolled back twice (log id ${row.id}: ${row.operation} of a version not applied)`);
    applied.set(row.version, on);
  }
  return found;
}
