/**
 * Prisma's `_prisma_migrations`: one row per attempt, keyed by `migration_name` (the folder
 * name, `20210101000000_init`). Applied: `finished_at` set and `rolled_back_at` null. A row
 * with `rolled_back_at` set was marked rolled back (`prisma migrate resolve --rolled-back`);
 * one with neither was started and never finished (it failed). `checksum` is Prisma's
 * SHA-256 of `migration.sql`.
 */
import { prismaChecksum } from '../checksums.js';
import { readTable, type ToolReader, type ToolRow } from '../model.js';
import { leadingVersion, text } from '../values.js';

const TABLE = '_prisma_migrations';

export const prisma: ToolReader = {
  name: 'prisma',
  title: 'Prisma',
  where: () => TABLE,
  history: { ref: { table: TABLE }, columns: ['migration_name', 'checksum', 'finished_at'] },
  async read(ctx) {
    const rows = await readTable(ctx, { table: TABLE });
    if (!rows) return null;
    const byName = new Map<string, Record<string, unknown>[]>();
    for (const r of rows) {
      const name = text(r.migration_name) ?? '';
      byName.set(name, [...(byName.get(name) ?? []), r]);
    }
    const out: ToolRow[] = [];
    for (const [name, attempts] of [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const version = leadingVersion(name);
      const row = `${TABLE} ${name}`;
      const applied = attempts.find((r) => r.finished_at !== null && r.rolled_back_at === null);
      if (applied) {
        out.push({ row, version, status: 'applied', reason: version === null ? 'its name has no version' : null, checksum: prismaChecksum(text(applied.checksum) ?? '') });
      } else if (attempts.every((r) => r.rolled_back_at !== null)) {
        out.push({ row, version, status: 'skipped', reason: 'marked rolled back in Prisma: not applied, so strata will run it', checksum: null });
      } else {
        const logs = text(attempts.find((r) => r.rolled_back_at === null)?.logs)?.replace(/\s+/g, ' ').trim().slice(0, 200);
        out.push({
          row, version, status: 'failed', checksum: null,
          reason: `unfinished: Prisma started it and it never finished${logs ? ` (${logs})` : ''}; fix the schema by hand, or accept it unmatched and let strata run it`,
        });
      }
    }
    return out;
  },
};
