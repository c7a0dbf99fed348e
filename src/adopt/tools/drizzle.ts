/**
 * Drizzle's `__drizzle_migrations(id, hash, created_at)` — in schema `drizzle` on PostgreSQL.
 * A row has no name: `hash` is SHA-256 of the migration's SQL file and `created_at` the
 * `when` of its entry in `meta/_journal.json`. strata matches a row by the journal when the
 * folder has one (created_at → the entry's `tag` → the file `<tag>.sql`, whose hash is then
 * checked), else by the hash alone (the file whose SHA-256 is the row's).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { drizzleChecksum } from '../checksums.js';
import { readTable, type ToolReader, type ToolRow } from '../model.js';
import { byNumber, leadingVersion, text } from '../values.js';

const TABLE = '__drizzle_migrations';

/** Drizzle puts its table in a schema of its own where the database has schemas (PostgreSQL). */
const REF = { table: TABLE, schema: 'drizzle' };

interface JournalEntry {
  readonly when: number;
  readonly tag: string;
}

function journal(dir: string | null): JournalEntry[] | null {
  if (dir === null) return null;
  try {
    const parsed = JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8')) as { entries?: JournalEntry[] };
    return Array.isArray(parsed.entries) ? parsed.entries : null;
  } catch {
    return null;
  }
}

export const drizzle: ToolReader = {
  name: 'drizzle',
  title: 'Drizzle',
  where: () => TABLE,
  history: { ref: REF, columns: ['hash', 'created_at'] },
  async read(ctx) {
    const rows = (await readTable(ctx, REF))?.sort(byNumber('id'));
    if (!rows) return null;
    const entries = journal(ctx.dir);
    return rows.map((r): ToolRow => {
      const hash = text(r.hash) ?? '';
      const createdAt = text(r.created_at);
      const row = `${TABLE} id ${text(r.id)} (created_at ${createdAt}, hash ${hash.slice(0, 12)}…)`;
      if (entries === null) return { row, version: null, status: 'applied', reason: null, checksum: drizzleChecksum(hash) };
      const entry = entries.find((e) => createdAt !== null && Number(e.when) === Number(createdAt));
      if (!entry) return { row, version: null, status: 'failed', reason: `no entry of meta/_journal.json has when = ${createdAt}`, checksum: null };
      return { row: `${row} = ${entry.tag}`, version: leadingVersion(entry.tag), status: 'applied', reason: null, checksum: drizzleChecksum(hash) };
    });
  },
};
