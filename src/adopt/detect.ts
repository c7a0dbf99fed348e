/**
 * What `status` says when strata has recorded nothing here yet (§12): another tool's history
 * table in this database (and the `strata import` command that adopts it), or a folder whose
 * files are a known tool's. Read-only, and only asked when strata has no rows, so a database
 * strata manages pays nothing for it.
 */
import type { Discovery } from '../core/model.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadContext } from './model.js';
import { TOOLS } from './tools.js';

/** The `strata import` command for each history this database holds, with what it is. */
export async function historiesFound(ctx: ReadContext): Promise<{ title: string; table: string; command: string }[]> {
  const found: { title: string; table: string; command: string }[] = [];
  for (const tool of TOOLS.values()) {
    if (tool.present && (await tool.present(ctx))) found.push({ title: tool.title, table: tool.where({}), command: `strata import ${tool.name}` });
  }
  // The seeds' home-grown shapes: a table of versions under a usual name.
  for (const [table, columns] of HOME_GROWN) {
    if (found.some((f) => f.table === table) || !(await ctx.tableExists(table))) continue;
    for (const column of columns) {
      if (await ctx.columnExists(table, column)) {
        found.push({ title: 'a home-grown runner', table, command: `strata import table --from-table ${table} --version-column ${column}` });
        break;
      }
    }
  }
  // PRAGMA user_version is not looked at: reading it would create a missing SQLite file, and
  // status creates nothing (§5). docs/moving-to-strata.md names `strata import user-version`.
  return found;
}

const HOME_GROWN: readonly (readonly [string, readonly string[]])[] = [
  ['schema_migrations', ['migration_id', 'version']],
  ['migrations', ['version', 'migration_id']],
  ['schema_versions', ['version']],
  ['_migrations', ['version']],
];

/** The tool whose files these look like, with an example file, or null. */
export function folderLooksLike(discovery: Discovery, dir: string | null): { tool: string; file: string } | null {
  const files = discovery.migrations.map((m) => m.file).filter((f): f is string => f !== null);
  if (dir !== null && existsSync(join(dir, 'meta', '_journal.json'))) return { tool: 'drizzle', file: join(dir, 'meta', '_journal.json') };
  const named = (test: RegExp) => files.find((f) => test.test(f));
  const flyway = named(/(^|[\\/])V\d[^\\/]*__[^\\/]*\.sql$/);
  if (flyway) return { tool: 'flyway', file: flyway };
  const prisma = named(/[\\/]migration\.sql$/);
  if (prisma) return { tool: 'prisma', file: prisma };
  const golang = named(/\.up\.sql$/);
  if (golang) return { tool: 'golang-migrate', file: golang };
  return null;
}

/** The notes `status` shows when strata has no rows here yet. */
export async function adoptionNotes(ctx: ReadContext, discovery: Discovery, database: string): Promise<string[]> {
  const histories = await historiesFound(ctx);
  if (histories.length > 0) {
    return histories.map((h) =>
      `${database} holds ${h.title}'s history (${h.table}) and none of strata's: run \`${h.command} --dry-run\` to see what it would record, then without --dry-run, before \`strata up\` (which would run those migrations again)`);
  }
  const looks = folderLooksLike(discovery, ctx.dir);
  if (looks === null) return [];
  return [`the migrations look like ${TOOLS.get(looks.tool)!.title}'s (${looks.file}): if ${TOOLS.get(looks.tool)!.title} applied them to a database, run \`strata import ${looks.tool}\` there before \`strata up\``];
}
