/**
 * Another tool's history in this database, while strata has recorded nothing (§12): what
 * `status` says (with the `strata import` command that adopts it), and what the first `up`
 * refuses over. One catalog query for every table looked for; only a table found is read.
 * Also: a folder whose files are a known tool's.
 */
import type { Discovery } from '../core/model.js';
import type { FoundTable, TableRef } from '../core/ports/index.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hasShape, type ReadContext } from './model.js';
import { TOOLS } from './tools.js';

export interface OtherHistory {
  /** The tool as users know it, or `a home-grown runner`. */
  readonly title: string;
  readonly table: string;
  /** The `strata import …` command that adopts it. */
  readonly command: string;
  /**
   * Its shape names the tool (Flyway's flyway_schema_history, golang-migrate's
   * schema_migrations(version, dirty), …); false for the seeds' home-grown shapes, whose
   * names (`migrations`, `schema_versions`, …) an unrelated table may have.
   */
  readonly identified: boolean;
  /** The table as a FROM clause names it. */
  readonly from: string;
}

/** The seeds' home-grown shapes: a table of versions under a usual name, by its version column. */
const HOME_GROWN: readonly (readonly [string, readonly string[]])[] = [
  ['schema_migrations', ['migration_id', 'version']],
  ['migrations', ['version', 'migration_id']],
  ['schema_versions', ['version']],
  ['_migrations', ['version']],
];

const sameRef = (a: TableRef, b: TableRef) => a.table === b.table && a.schema === b.schema;

/** Every table looked for, once each. */
function refsLookedFor(): TableRef[] {
  const refs: TableRef[] = [];
  const add = (ref: TableRef) => {
    if (!refs.some((r) => sameRef(r, ref))) refs.push(ref);
  };
  for (const tool of TOOLS.values()) if (tool.history) add(tool.history.ref);
  for (const [table] of HOME_GROWN) add({ table });
  return refs;
}

/** The other tools' histories in this database (empty or not): one catalog query. */
export async function historiesFound(ctx: ReadContext): Promise<OtherHistory[]> {
  const tables = await ctx.find(refsLookedFor());
  const of = (ref: TableRef): FoundTable | undefined => tables.find((t) => sameRef(t.ref, ref));
  const found: OtherHistory[] = [];
  for (const tool of TOOLS.values()) {
    const table = tool.history && of(tool.history.ref);
    if (table && hasShape(table, tool.history!)) {
      found.push({ title: tool.title, table: tool.where({}), command: `strata import ${tool.name}`, identified: true, from: table.from });
    }
  }
  for (const [name, columns] of HOME_GROWN) {
    const table = of({ table: name });
    if (!table || found.some((f) => f.table === name)) continue;
    const column = columns.find((c) => table.columns.includes(c));
    if (column) {
      found.push({ title: 'a home-grown runner', table: name, command: `strata import table --from-table ${name} --version-column ${column}`, identified: false, from: table.from });
    }
  }
  // PRAGMA user_version is not looked at: reading it would create a missing SQLite file, and
  // status creates nothing (§5). docs/moving-to-strata.md names `strata import user-version`.
  return found;
}

/**
 * Those of `histories` that hold at least one row (one small read each; only tables found are
 * read). A table that cannot be read (no SELECT privilege, a broken view) counts as holding
 * rows: the check errs on the side of not running every migration again.
 */
export async function withRows(ctx: ReadContext, histories: readonly OtherHistory[]): Promise<OtherHistory[]> {
  const kept: OtherHistory[] = [];
  for (const h of histories) {
    const rows = await ctx.query(`SELECT 1 AS found FROM ${h.from} LIMIT 1`).catch(() => null);
    if (rows === null || rows.length > 0) kept.push(h);
  }
  return kept;
}

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
