/**
 * What an operator does after a crash left a migration dirty (§6): look at the schema, decide
 * whether the migration ran to its end or not at all, undo a half of it by hand, then name it
 * to `repair`. Here the decision is made from the migration's checkable effects.
 */
import { join } from 'node:path';
import { describeRun, runStrata, type Run } from './runner.js';
import { snapshot } from './invariants.js';
import type { Target } from './targets.js';
import { fileChecksum, undoByHand, type MigrationSpec } from './workload.js';

export interface Recovery {
  /** `repair` runs it took, with the direction chosen for each dirty version. */
  readonly repairs: { version: string; direction: 'applied' | 'rolled-back'; byHand: boolean }[];
}

/** Resolves every dirty row and re-records edited checksums; throws when `repair` does not exit 0. */
export async function recover(target: Target, specs: readonly MigrationSpec[], cwd: string, baseArgs: readonly string[]): Promise<Recovery> {
  const repairs: Recovery['repairs'] = [];
  const s = await snapshot(target, specs);
  const dirty = [...s.rows.values()].filter((r) => r.state === 'dirty');
  for (const row of dirty) {
    const m = specs.find((spec) => spec.version === row.version)!;
    const eff = s.effects.get(m.version)!;
    const direction: 'applied' | 'rolled-back' = eff === 'full' ? 'applied' : 'rolled-back';
    const byHand = eff === 'partial';
    if (byHand) await undoByHand(target, m);
    await expectOk(await runStrata(['repair', `--${direction}`, m.version, '--yes', ...baseArgs], cwd));
    repairs.push({ version: m.version, direction, byHand });
  }
  // Checksums of edited files (a `repair` costs seconds on a loaded machine: only when needed).
  const migrations = join(cwd, 'migrations');
  const edited = specs.filter((m) => {
    const row = s.rows.get(m.version);
    return row?.state === 'applied' && row.checksum !== fileChecksum(migrations, m);
  });
  if (edited.length > 0) await expectOk(await runStrata(['repair', '--yes', ...baseArgs], cwd));
  return { repairs };
}

function expectOk(run: Run): void {
  if (run.code !== 0) throw new Error(`recovery failed: ${describeRun(run)}`);
}
