/**
 * sqlx's `_sqlx_migrations`: `version BIGINT` (the file name's leading digits), `description`,
 * `success` (false: partially applied, a failed `-- no-transaction` migration) and `checksum`,
 * SHA-384 of the up file (BYTEA on PostgreSQL, BLOB elsewhere).
 */
import { sqlxChecksum } from '../checksums.js';
import { readTable, type ToolReader } from '../model.js';
import { byNumber, flag, hex, text } from '../values.js';

const TABLE = '_sqlx_migrations';

export const sqlx: ToolReader = {
  name: 'sqlx',
  title: 'sqlx',
  where: () => TABLE,
  history: { ref: { table: TABLE }, columns: ['version', 'checksum', 'success'] },
  async read(ctx) {
    const rows = (await readTable(ctx, { table: TABLE }))?.sort(byNumber('version'));
    if (!rows) return null;
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
