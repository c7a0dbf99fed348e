/**
 * The first `up` over another tool's history (§12): strata has no rows here, but Flyway,
 * Knex, golang-migrate, … recorded migrations in this database. Running every migration
 * again over that schema would fail part-way or, worse, succeed twice (Flyway refuses a
 * non-empty schema without its history table for the same reason). Asked only when strata
 * has no rows and the plan is not empty: one catalog query, and one small read of each table
 * it finds.
 * - A table whose shape names the tool (flyway_schema_history, knex_migrations,
 *   schema_migrations with `dirty`, …) holding rows refuses the run (exit 3), naming the
 *   `strata import` command, `strata baseline`, and `--ignore-other-history`.
 * - A home-grown shape (`migrations(version)`, `schema_versions`, …) is a note, not a
 *   refusal: an application may have a table of that name that is no migration history.
 */
import { ValidationError } from '../core/errors.js';
import type { Driver } from '../core/ports/index.js';
import { historiesFound, withRows } from '../adopt/detect.js';
import type { OperationContext } from './context.js';
import { readContext } from './import.js';

/** Throws a ValidationError (`other-tool-history`) when another tool's history has rows here; emits a note for a home-grown one. */
export async function refuseOverOtherHistory(ctx: OperationContext, driver: Driver, command: string): Promise<void> {
  const read = readContext(driver, ctx.dir, {});
  const found = await withRows(read, await historiesFound(read));
  for (const h of found.filter((f) => !f.identified)) {
    ctx.emit({
      type: 'note',
      message: `${driver.displayName} has a ${h.table} table with rows and strata has no history here: if a runner of your own recorded migrations in it, stop and run \`${h.command} --dry-run\` (then without --dry-run) before \`strata up\`, which runs every migration`,
    });
  }
  const tools = found.filter((f) => f.identified);
  if (tools.length === 0) return;
  const first = tools[0]!;
  const named = tools.map((t) => `${t.title}'s history (${t.table})`).join(' and ');
  throw new ValidationError('other-tool-history', `${command} refused: ${driver.displayName} holds ${named}, with applied migrations, and none of strata's: ${command} would run every migration again over that schema`, {
    hint: `run \`${first.command} --dry-run\`, then \`${first.command}\` (or \`strata baseline <version>\` for what is applied), then \`strata up\`; if running every migration here is intended, run again with --ignore-other-history (library: ignoreOtherHistory: true)`,
  });
}
