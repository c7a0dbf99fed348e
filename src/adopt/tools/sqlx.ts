/**
 * sqlx's `_sqlx_migrations`: `version BIGINT` (the file name's leading digits), `description`,
 * `success` (false: partially applied, a failed `-- no-transaction` migration) and `checksum`,
 * SHA-384 of the up file (BYTEA on PostgreSQL, BLOB elsewhere).
 */
import { sqlxChecksum } from '../checksums.js';
import { findTable, type ToolReader } from '../model.js';
import { byNumber, flag, hex, text } from '../values.js';

const TABLE = '_sqlx_migrations';

export const sqlx: ToolReader = {
  name: 'sqlx',
  title: 'sqlx',
  where: () => TABLE,
  history: { ref: { table: TABLE }, columns: ['version', 'checksum', 'success'] },
  async read(ctx) {
    const found = await findTable(ctx, { table: TABLE });
    if (!found) return null;
    const rows = (await ctx.query(`SELECT * FROM ${found.from}`)).sort(byNumber('version'));
    return rows.map((r) => {
      const version = text(r.version) ?? '';
      const row = `${TABLE} version ${version} (${text(r.description) ?? ''})`;
      if (!flag(r.success)) {
        return { row, version, status: 'failed' as const, checksum: null, reason: 'partially applied (success = false): fix the schema by hand and delete the row, or accept it unmatched and let strata run it' };
      }
      return { row, version, status: 'applied' as const, reason: null, checksum: sqlxChecksum(hex(r.checksum) ?? '') };
    });
  },
};
