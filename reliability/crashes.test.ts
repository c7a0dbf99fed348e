/**
 * Crashes: SIGKILL at random moments of `up`, `down`, `redo` and `repair` over ~40 mixed
 * migrations (SQL and code, transactional and `transaction: off`), on SQLite, PostgreSQL,
 * MariaDB and a two-node Galera cluster. After each kill the invariants of
 * support/invariants.ts must hold; a dirty row is resolved as an operator would (support/
 * recover.ts); at the end a plain `up` must apply everything. A kill lands either at a moment
 * drawn over the whole run or just after its n-th progress line. Short mode: 3 kills per
 * target, 2 on Galera; long mode (`-- --long`): 50 each. The summary line of each target gives the seed
 * and the counts (RELIABILITY_SEED=<seed> replays the same choices).
 */
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { project } from '../test/support/project.js';
import { startServer, stopServer } from '../test/support/servers.js';
import { snapshot, violations } from './support/invariants.js';
import { LONG, scale } from './support/mode.js';
import { prng, runSeed, type Prng } from './support/prng.js';
import { recover } from './support/recover.js';
import { describeRun, runStrata, type KillPlan } from './support/runner.js';
import { openTarget, selected, type TargetName } from './support/targets.js';
import { fileChecksum, workload, type MigrationSpec } from './support/workload.js';

const SEED = runSeed();
const VERBOSE = process.env.RELIABILITY_VERBOSE === '1';
const KILLS: Record<TargetName, number> = {
  sqlite: scale(3, 50),
  postgres: scale(3, 50),
  mariadb: scale(3, 50),
  galera: scale(2, 50),
};

type Operation = 'up' | 'down' | 'redo' | 'repair';

interface Tally {
  kills: number;
  finishedFirst: number;
  byOperation: Record<Operation, number>;
  dirtySeen: number;
  byHand: number;
  violations: string[];
}

for (const name of selected(['sqlite', 'postgres', 'mariadb', 'galera'] as const)) {
  test(`crashes on ${name}: ${KILLS[name]} SIGKILLs during up/down/redo/repair keep every invariant`, { timeout: scale(240_000, 3_600_000) }, async (t) => {
    if (name === 'galera') await startServer('galera');
    try {
      const tally = await crashLoop(name, prng(SEED).fork(name));
      const summary = `crashes ${name}: seed=${SEED} mode=${LONG ? 'long' : 'short'} kills=${tally.kills} (up ${tally.byOperation.up}, down ${tally.byOperation.down}, redo ${tally.byOperation.redo}, repair ${tally.byOperation.repair}) finished-before-kill=${tally.finishedFirst} dirty-after-kill=${tally.dirtySeen} undone-by-hand=${tally.byHand} violations=${tally.violations.length}`;
      t.diagnostic(summary);
      process.stderr.write(`${summary}\n`);
      assert.deepEqual(tally.violations, [], `${summary}\n${tally.violations.slice(0, 20).join('\n')}`);
    } finally {
      if (name === 'galera') await stopServer('galera');
    }
  });
}

async function crashLoop(name: TargetName, rng: Prng): Promise<Tally> {
  const target = await openTarget(name);
  // Short mode on Galera: 16 migrations (40 take ~25 s there per full run on a loaded machine).
  const { files, specs } = workload(target.flavor, name === 'galera' && !LONG ? 16 : 40);
  const p = project(files);
  if (Object.keys(target.config).length > 0) writeFileSync(join(p.dir, 'strata.config.json'), JSON.stringify(target.config));
  const tally: Tally = { kills: 0, finishedFirst: 0, byOperation: { up: 0, down: 0, redo: 0, repair: 0 }, dirtySeen: 0, byHand: 0, violations: [] };
  // How long each operation takes when nothing stops it; a kill lands uniformly in that window.
  // Wide at first (a loaded machine is slow); narrowed each time a run finishes before its kill.
  const window: Record<Operation, number> = { up: 12_000, down: 8_000, redo: 4_000, repair: 3_000 };
  const dbArgs = () => ['--db', rng.pick(target.urls)];
  try {
    let touches = 0;
    for (let attempt = 0; tally.kills < KILLS[name] && attempt < KILLS[name] * 4; attempt++) {
      const before = await snapshot(target, specs);
      const applied = [...before.rows.values()].filter((r) => r.state === 'applied').length;
      const operation: Operation = applied === 0 ? 'up' : applied === specs.length ? rng.pick(['down', 'down', 'redo', 'repair'] as const) : rng.pick(['up', 'up', 'down', 'redo', 'repair'] as const);
      let args: string[];
      const touched: { spec: MigrationSpec; old: string | null }[] = [];
      if (operation === 'up') args = ['up'];
      else if (operation === 'down') args = rng.next() < 0.15 ? ['down', '--all'] : ['down', '--steps', String(rng.int(1, 12))];
      else if (operation === 'redo') args = ['redo'];
      else {
        // Give repair work: edit a few applied migrations' files (a comment: same effects, new checksum).
        const candidates = specs.filter((m) => before.rows.get(m.version)?.state === 'applied');
        for (let i = rng.int(1, 3); i > 0 && candidates.length > 0; i--) {
          const spec = candidates.splice(rng.int(0, candidates.length - 1), 1)[0]!;
          appendFileSync(join(p.migrations, spec.file), spec.file.endsWith('.ts') ? `// touched ${++touches}\n` : `-- touched ${++touches}\n`);
          touched.push({ spec, old: before.rows.get(spec.version)!.checksum });
        }
        args = ['repair', '--yes'];
      }
      // Half the kills at a moment drawn over the whole run (start-up, locking and creating
      // the tracking tables included), half in the thick of it: 0–150 ms after the run's n-th
      // "applied"/"rolled back" line.
      const lines = operation === 'up' ? specs.length - applied : operation === 'down' ? Math.min(applied, args[1] === '--all' ? applied : Number(args[2])) : operation === 'redo' ? 2 : 0;
      const aimed = lines > 0 && rng.next() < 0.5;
      const n = aimed ? rng.int(1, lines) : 0;
      const delay = aimed ? rng.int(0, 150) : Math.round(rng.next() * window[operation]);
      const moment = aimed ? `${delay} ms after progress line ${n}` : `${delay} ms`;
      const plan: KillPlan = aimed ? { signal: 'SIGKILL', whenOutput: new RegExp(`(?:^(?:applied|rolled back) \\d{3}_\\S+ \\(\\d+ ms\\)$[^]*?){${n}}`, 'm'), delayMs: delay } : { signal: 'SIGKILL', afterMs: delay };
      const run = await runStrata([...args, ...dbArgs()], p.dir, plan);
      if (run.signal !== 'SIGKILL') {
        // It finished before the kill: the window was too wide. It must have succeeded.
        tally.finishedFirst++;
        if (!aimed) window[operation] = Math.max(200, run.elapsedMs);
        if (run.code !== 0) tally.violations.push(`${name}: ${args.join(' ')} exited ${run.code} with no kill: ${describeRun(run)}`);
      } else {
        tally.kills++;
        tally.byOperation[operation]++;
      }
      await target.quiesce();
      const after = await snapshot(target, specs);
      for (const v of violations(target, specs, after)) tally.violations.push(`${name} after kill #${tally.kills} of \`${args.join(' ')}\` at ${moment}: ${v}`);
      if (touched.length > 0) tally.violations.push(...repairAtomicity(name, touched, after.rows, p.migrations));
      const dirty = [...after.rows.values()].filter((r) => r.state === 'dirty');
      tally.dirtySeen += dirty.length;
      if (VERBOSE) {
        const count = (s: typeof before) => [...s.rows.values()].filter((r) => r.state === 'applied').length;
        process.stderr.write(`crashes ${name}: ${args.join(' ')} ${run.signal === 'SIGKILL' ? `killed at ${moment}` : `finished in ${run.elapsedMs} ms (kill planned at ${moment})`}: applied ${count(before)} → ${count(after)}, dirty ${dirty.map((r) => `${r.version}/${r.dirty_operation}`).join(' ') || '-'}\n`);
      }
      const recovery = await recover(target, specs, p.dir, dbArgs());
      tally.byHand += recovery.repairs.filter((r) => r.byHand).length;
      const recovered = await snapshot(target, specs);
      for (const v of violations(target, specs, recovered)) tally.violations.push(`${name} after recovering from kill #${tally.kills}: ${v}`);
    }
    // The next run completes and ends with everything applied.
    const final = await runStrata(['up', '--json', ...dbArgs()], p.dir);
    if (final.code !== 0) tally.violations.push(`${name}: the final up failed: ${describeRun(final)}`);
    await target.quiesce();
    const end = await snapshot(target, specs);
    tally.violations.push(...violations(target, specs, end).map((v) => `${name} at the end: ${v}`));
    const notApplied = specs.filter((m) => end.rows.get(m.version)?.state !== 'applied').map((m) => m.version);
    if (notApplied.length > 0) tally.violations.push(`${name}: not applied at the end: ${notApplied.join(', ')}`);
    return tally;
  } finally {
    p.cleanup();
    await target.dispose();
  }
}

/** `repair` re-records checksums in one transaction: after a kill, all of the edited rows are re-recorded or none. */
function repairAtomicity(name: TargetName, touched: { spec: MigrationSpec; old: string | null }[], rows: Map<string, { checksum: string | null; state: string }>, dir: string): string[] {
  let renewed = 0;
  const found: string[] = [];
  for (const { spec, old } of touched) {
    const checksum = rows.get(spec.version)?.checksum ?? null;
    if (checksum === fileChecksum(dir, spec)) renewed++;
    else if (checksum !== old) found.push(`${name}: ${spec.version}'s checksum after a killed repair is neither the old nor the new one (${checksum})`);
  }
  if (renewed !== 0 && renewed !== touched.length) found.push(`${name}: a killed repair re-recorded ${renewed} of ${touched.length} checksums`);
  return found;
}
