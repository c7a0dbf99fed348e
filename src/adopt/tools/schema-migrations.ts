/**
 * `schema_migrations`, written by two tools with different meanings:
 * - dbmate: `version VARCHAR(128) PRIMARY KEY`, one row per applied migration, the version
 *   being the file name's leading digits;
 * - golang-migrate: `version BIGINT, dirty BOOLEAN`, ONE row: its latest version, and whether
 *   the migration to it stopped part-way (dirty). Everything up to it in canonical order is
 *   applied; a dirty version is not, and the versions before it are.
 * The `dirty` column tells them apart.
 */
import { ConfigError } from '../../core/errors.js';
import type { FoundTable } from '../../core/ports/index.js';
import { findTable, type ReadContext, type ToolReader, type ToolRow } from '../model.js';
import { flag, text } from '../values.js';

const TABLE = 'schema_migrations';

/** The table when it is there and is golang-migrate's (`golang` true: it has `dirty`) or not; throws when it is the other's. */
async function table(ctx: ReadContext, golang: boolean): Promise<FoundTable | null> {
  const found = await findTable(ctx, { table: TABLE });
  if (!found) return null;
  if (found.columns.includes('dirty') !== golang) {
    throw new ConfigError('usage', golang
      ? `${TABLE} has no dirty column: it is not golang-migrate's (dbmate and Rails write one row per version)`
      : `${TABLE} has a dirty column: it is golang-migrate's (one row: its latest version)`, {
      hint: golang ? 'run `strata import dbmate`, or `strata import table --from-table schema_migrations --version-column version`' : 'run `strata import golang-migrate`',
    });
  }
  return found;
}

export const dbmate: ToolReader = {
  name: 'dbmate',
  title: 'dbmate',
  where: () => TABLE,
  // dbmate's (and Rails') table has the one column; with more it may be anyone's (`table`).
  history: { ref: { table: TABLE }, columns: ['version'], without: ['dirty'], only: true },
  async read(ctx) {
    const found = await table(ctx, false);
    if (!found) return null;
    const rows = await ctx.query(`SELECT ${ctx.quote('version')} FROM ${found.from}`);
    return rows.map((r): ToolRow => {
      const version = text(r.version) ?? '';
      return { row: `${TABLE} version ${version}`, version, status: 'applied', reason: null, checksum: null };
    });
  },
};

export const golangMigrate: ToolReader = {
  name: 'golang-migrate',
  title: 'golang-migrate',
  where: () => TABLE,
  history: { ref: { table: TABLE }, columns: ['version', 'dirty'] },
  async read(ctx) {
    const found = await table(ctx, true);
    if (!found) return null;
    const rows = await ctx.query(`SELECT * FROM ${found.from}`);
    return rows.flatMap((r): ToolRow[] => {
      const version = text(r.version) ?? '';
      if (version === '-1') return []; // golang-migrate's "nothing applied"
      const row = `${TABLE} version ${version}${flag(r.dirty) ? ' (dirty)' : ''}`;
      if (!flag(r.dirty)) {
        return [{ row, version, status: 'through', inclusive: true, reason: 'golang-migrate keeps only its latest version: every migration up to it is applied', checksum: null }];
      }
      return [
        {
          row, version, status: 'failed', checksum: null,
          reason: `dirty: golang-migrate stopped part-way through ${version}; check the schema, then \`migrate force ${version}\` (finished by hand) or \`migrate force <the version before>\` (undone by hand), and import again`,
        },
        { row, version, status: 'through', inclusive: false, reason: 'the versions before a dirty one are applied', checksum: null },
      ];
    });
  },
};
