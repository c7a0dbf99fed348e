/**
 * Flyway's `flyway_schema_history`: one row per run, ordered by `installed_rank`. `version` is
 * null for repeatable (R__) rows; `type` is SQL/JDBC/… for migrations, BASELINE for a
 * baseline (every migration up to it counts as applied), SCHEMA for the schema marker,
 * DELETE for a row `flyway repair` marked deleted, UNDO_* for an undo; `success` = false is a
 * failed migration (MySQL cannot roll DDL back, so Flyway keeps the row).
 */
import { flywayChecksum } from '../checksums.js';
import { readTable, type ToolReader, type ToolRow } from '../model.js';
import { byNumber, flag, text } from '../values.js';

const TABLE = 'flyway_schema_history';

export const flyway: ToolReader = {
  name: 'flyway',
  title: 'Flyway',
  where: () => TABLE,
  history: { ref: { table: TABLE }, columns: ['installed_rank', 'version', 'script', 'success'] },
  async read(ctx) {
    const rows = (await readTable(ctx, { table: TABLE }))?.sort(byNumber('installed_rank'));
    if (!rows) return null;
    // The last word on each version wins (a later DELETE or UNDO row takes it back).
    const latest = new Map<string, ToolRow>();
    const out: ToolRow[] = [];
    for (const r of rows) {
      const version = text(r.version);
      const type = (text(r.type) ?? '').toUpperCase();
      const script = text(r.script) ?? '';
      const label = `${TABLE} installed_rank ${text(r.installed_rank)}: ${version === null ? '' : `version ${version}, `}${type} ${script}`.trim();
      if (version === null) {
        out.push({ row: label, version: null, status: 'skipped', reason: 'a repeatable migration (R__): strata does not run repeatable migrations', checksum: null });
        continue;
      }
      if (type === 'SCHEMA') {
        out.push({ row: label, version, status: 'skipped', reason: "Flyway's marker for the schemas it created", checksum: null });
        continue;
      }
      if (type === 'DELETE' || type.startsWith('UNDO')) {
        latest.set(version, {
          row: label, version, status: 'skipped', checksum: null,
          reason: type === 'DELETE' ? 'marked deleted by `flyway repair`' : 'undone by a Flyway undo migration',
        });
        continue;
      }
      if (type === 'BASELINE') {
        latest.set(version, { row: label, version, status: 'through', inclusive: true, reason: 'Flyway baseline: every migration up to it counts as applied', checksum: null });
        continue;
      }
      if (!flag(r.success)) {
        latest.set(version, {
          row: label, version, status: 'failed', checksum: null,
          reason: 'failed (success = false): the schema may hold part of it; fix it by hand (or `flyway repair`), or accept it unmatched and let strata run it',
        });
        continue;
      }
      const checksum = text(r.checksum);
      latest.set(version, { row: label, version, status: 'applied', reason: null, checksum: checksum === null || type !== 'SQL' ? null : flywayChecksum(checksum) });
    }
    return [...out, ...latest.values()];
  },
};
