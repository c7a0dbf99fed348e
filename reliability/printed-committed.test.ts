/**
 * Printed = committed: a migration that `up` has printed as applied is committed — its
 * tracking row is `applied` and its effects are there — even when the process dies the next
 * instant. Each run of `up` over ~30 mixed migrations is SIGKILLed as soon as its output shows
 * its n-th "applied <id>" line; then every migration printed so far must be committed.
 * (SQLite's group commits and MySQL's deferred completions must not print before their
 * commit.) Short mode: a few kill points per dialect, n random in 1..3; long mode: n = 1 from
 * every point of 3 full passes (one run per kill point), each pass from an empty schema.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { project } from '../test/support/project.js';
import { snapshot, violations } from './support/invariants.js';
import { LONG, scale } from './support/mode.js';
import { prng, runSeed, type Prng } from './support/prng.js';
import { recover } from './support/recover.js';
import { describeRun, runStrata } from './support/runner.js';
import { openTarget, selected, type TargetName } from './support/targets.js';
import { workload } from './support/workload.js';

const SEED = runSeed();
const COUNT = 30;
const KILLS = scale(3, 90);
const PRINTED = /^applied (\d{3})_\S+ \(\d+ ms\)$/gm;

for (const name of selected(['sqlite', 'postgres', 'mariadb'] as const)) {
  test(`printed = committed on ${name}: up SIGKILLed right after an "applied" line`, { timeout: scale(180_000, 3_600_000) }, async (t) => {
    const result = await killAfterPrinted(name, prng(SEED).fork(name));
    const summary = `printed-committed ${name}: seed=${SEED} mode=${LONG ? 'long' : 'short'} kills=${result.kills} printed-then-killed=${result.printed} not-committed=${result.notCommitted} violations=${result.violations.length}`;
    t.diagnostic(summary);
    process.stderr.write(`${summary}\n`);
    assert.deepEqual(result.violations, [], `${summary}\n${result.violations.slice(0, 20).join('\n')}`);
  });
}

async function killAfterPrinted(name: TargetName, rng: Prng) {
  const target = await openTarget(name);
  const { files, specs } = workload(target.flavor, COUNT);
  const p = project(files);
  const db = ['--db', target.urls[0]!];
  const found: string[] = [];
  let kills = 0;
  let printedTotal = 0;
  let notCommitted = 0;
  try {
    for (let attempt = 0; kills < KILLS && attempt < KILLS * 3; attempt++) {
      const before = await snapshot(target, specs);
      if (specs.every((m) => before.rows.get(m.version)?.state === 'applied')) {
        // A full pass is done: start the next one from an empty schema.
        const reset = await runStrata(['down', '--all', ...db], p.dir);
        if (reset.code !== 0) throw new Error(`down --all between passes failed: ${describeRun(reset)}`);
        continue;
      }
      const n = LONG ? 1 : rng.int(1, 3);
      const run = await runStrata(['up', ...db], p.dir, { signal: 'SIGKILL', whenOutput: new RegExp(`(?:^applied \\d{3}_\\S+ \\(\\d+ ms\\)$[^]*?){${n}}`, 'm') });
      if (run.signal === 'SIGKILL') kills++;
      else if (run.code !== 0) found.push(`${name}: up exited ${run.code} with no kill: ${describeRun(run)}`);
      await target.quiesce();
      const after = await snapshot(target, specs);
      const printed = [...run.stdout.matchAll(PRINTED)].map((match) => match[1]!);
      printedTotal += run.signal === 'SIGKILL' ? printed.length : 0;
      for (const version of printed) {
        const row = after.rows.get(version);
        const eff = after.effects.get(version);
        if (row?.state !== 'applied' || eff !== 'full') {
          notCommitted++;
          found.push(`${name}: ${version} was printed applied before the kill, but its row is ${row ? row.state : 'absent'} and its effects are ${eff} (printed: ${printed.join(' ')})`);
        }
      }
      for (const v of violations(target, specs, after)) found.push(`${name} after a kill: ${v}`);
      await recover(target, specs, p.dir, db);
    }
    return { kills, printed: printedTotal, notCommitted, violations: found };
  } finally {
    p.cleanup();
    await target.dispose();
  }
}
