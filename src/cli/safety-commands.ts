/** `strata test` and `strata drift` (§5): round trips and drift, both on a scratch database (§7). */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { DriftResult, SchemaDifference, TestResult } from '../index.js';
import { EXIT } from './exit-code.js';
import type { Runner } from './main.js';
import type { Output } from './output.js';

const SCRATCH_DB = ['--scratch-db <url>', 'make the scratch database there (a server URL) or use this empty database (default: the configured server)'] as const;

export function addSafetyCommands(command: (name: string, description: string) => Command, run: Runner): void {
  command('test', 'run each migration up, down and up again on a scratch database and compare the schema after each step')
    .option('--idempotent', 'also run each up a second time and expect no error and no change')
    .option(...SCRATCH_DB)
    .action(run(async ({ out, migrator }, args) => {
      const result = await migrator.test({ idempotent: (args[0] as { idempotent?: boolean }).idempotent === true });
      out.document({ ok: result.ok, tested: result.tested, notTested: result.notTested, failures: result.failures });
      renderTest(out, result);
      return result.ok ? EXIT.ok : EXIT.failed;
    }));

  command('drift', 'compare the live schema with what the applied migrations make (or with a dump), object by object')
    .option('--against <file>', 'compare with this dump (`strata dump --out <file>`) instead of the migrations')
    .option(...SCRATCH_DB)
    .action(run(async ({ out, migrator }, args) => {
      const against = (args[0] as { against?: string }).against;
      const result = await migrator.drift(against === undefined ? {} : { against: resolve(process.cwd(), against) });
      out.document({ drift: result.drift, differences: result.differences });
      renderDrift(out, result);
      return result.drift ? DRIFT_FOUND : EXIT.ok;
    }));
}

/** §5: exit 6, `drift` only. */
export const DRIFT_FOUND = 6;

function renderTest(out: Output, result: TestResult): void {
  const failed = new Map<string, TestResult['failures']>();
  for (const f of result.failures) failed.set(f.version, [...(failed.get(f.version) ?? []), f]);
  const skipped = new Map(result.notTested.map((n) => [n.version, n.reason]));
  const versions = [...new Set([...result.tested, ...result.notTested.map((n) => n.version), ...failed.keys()])];
  for (const version of versions) {
    const failures = failed.get(version);
    if (failures) {
      out.line(`✗ ${version}`);
      for (const f of failures) {
        if (f.error !== null) out.line(`    ${f.step} failed: ${f.error}`);
        for (const d of f.differences) out.line(`    after ${f.step}: ${d.type} ${d.object} ${changeText(f.step, d.change)}`);
      }
    } else if (skipped.has(version)) out.line(`- ${version} not tested: ${skipped.get(version)}`);
    else out.line(`✓ ${version} round-trips`);
  }
  const summary = `${result.tested.length} tested, ${result.notTested.length} not tested, ${result.failures.length} failure${result.failures.length === 1 ? '' : 's'}`;
  out.line(result.ok ? `ok: ${summary}` : `FAILED: ${summary}`);
}

/** Said from the schema the step should have left. */
function changeText(step: string, change: SchemaDifference['change']): string {
  const should = step === 'down' ? 'the down' : step === 'idempotent' ? 'the second up' : 'the up';
  if (change === 'added') return `is there but should not be (${should} left or made it)`;
  if (change === 'removed') return `is missing (${should} dropped it)`;
  return `differs`;
}

function renderDrift(out: Output, result: DriftResult): void {
  const what = result.against === 'migrations' ? `the ${result.replayed.length} applied migration${result.replayed.length === 1 ? '' : 's'}` : result.against;
  if (!result.drift) {
    out.line(`no drift: the live schema matches ${what}`);
    return;
  }
  out.line(`drift: the live schema differs from ${what} in ${result.differences.length} object${result.differences.length === 1 ? '' : 's'}`);
  for (const d of result.differences) {
    const verb = d.change === 'added' ? 'added by hand' : d.change === 'removed' ? 'removed by hand' : 'changed by hand';
    out.line(`  ${d.type} ${d.object}: ${verb}`);
    if (d.change === 'changed' && out.verbose) {
      out.line(`    expected: ${d.expected}`);
      out.line(`    actual:   ${d.actual}`);
    }
  }
}
