/**
 * Matches another tool's history rows to strata's migrations (§12): by version — the leading
 * digit groups of the other tool's name, compared as §2 compares versions — and, where the
 * tool kept a checksum, by the file's bytes computed the tool's way. What it cannot match, and
 * every failed, unfinished or dirty row, is `unmatched`; nothing already applied in strata is
 * imported again (so importing twice is a no-op).
 */
import type { SourceMigration } from '../core/model.js';
import type { Entry } from '../core/state.js';
import { versionKey } from '../core/version.js';
import type { ToolRow } from './model.js';

export interface RowNote {
  readonly row: string;
  readonly reason: string;
}

export interface Mapping {
  /** In canonical order: each migration to record, with the row that says it is applied. */
  readonly imported: readonly { readonly entry: Entry; readonly row: string }[];
  readonly unmatched: readonly RowNote[];
  /** Rows with nothing to import: rolled back, a schema marker, applied in strata already. */
  readonly skipped: readonly RowNote[];
}

/** A migration's up file as bytes, or null when it has no file (a list source). */
export type ReadBytes = (migration: SourceMigration) => Promise<Buffer | null>;

export async function matchRows(rows: readonly ToolRow[], entries: readonly Entry[], bytesOf: ReadBytes, title: string): Promise<Mapping> {
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const chosen = new Map<string, string>();
  const unmatched: RowNote[] = [];
  const skipped: RowNote[] = [];

  const take = (entry: Entry, row: string): void => {
    if (entry.state === 'dirty') unmatched.push({ row, reason: `strata has ${entry.id} dirty: resolve it with \`strata repair\` first` });
    else if (entry.applied !== null) skipped.push({ row, reason: `${entry.id} is applied in strata already` });
    else if (!chosen.has(entry.key)) chosen.set(entry.key, row);
  };

  for (const r of rows) {
    const entry = r.version === null ? undefined : byKey.get(versionKey(r.version));
    if (r.status === 'skipped') {
      skipped.push({ row: r.row, reason: r.reason ?? 'nothing to import' });
    } else if (r.status === 'failed') {
      // Failed there, applied by strata since: nothing left to say.
      if (entry?.applied && entry.state !== 'dirty') skipped.push({ row: r.row, reason: `${entry.id} is applied in strata already` });
      else unmatched.push({ row: r.row, reason: r.reason ?? 'failed' });
    } else if (r.status === 'through') {
      const end = r.count !== undefined ? Math.min(r.count, entries.length) : entry ? entries.indexOf(entry) + (r.inclusive === false ? 0 : 1) : -1;
      if (end < 0) {
        unmatched.push({ row: r.row, reason: `no migration has version ${r.version}, so strata cannot tell which migrations ${title} applied` });
        continue;
      }
      if (r.count !== undefined && r.count > entries.length) {
        unmatched.push({ row: r.row, reason: `it counts ${r.count} migrations but only ${entries.length} are known: the last ${r.count - entries.length} have no file` });
      }
      for (const e of entries.slice(0, end)) take(e, r.row);
    } else if (r.version === null && r.checksum) {
      const found = await findByChecksum(entries, r, bytesOf);
      if (found) take(found, r.row);
      else unmatched.push({ row: r.row, reason: `no migration file has the ${r.checksum.algorithm} ${r.checksum.stored}` });
    } else if (!entry || (entry.source === null && entry.applied === null)) {
      unmatched.push({ row: r.row, reason: r.version === null ? (r.reason ?? 'it has no version') : `no migration file has version ${r.version}` });
    } else if (r.checksum && entry.applied === null) {
      const bytes = await bytesOf(entry.source!);
      if (bytes === null) unmatched.push({ row: r.row, reason: `${entry.id} has no file to check the ${r.checksum.algorithm} against` });
      else if (!r.checksum.matches(bytes)) {
        unmatched.push({
          row: r.row,
          reason: `${entry.file ?? entry.id} has changed since ${title} applied it: ${r.checksum.algorithm} ${r.checksum.stored} recorded, ${r.checksum.compute(bytes)} now`,
        });
      } else take(entry, r.row);
    } else take(entry, r.row);
  }
  return {
    imported: entries.filter((e) => chosen.has(e.key)).map((entry) => ({ entry, row: chosen.get(entry.key)! })),
    unmatched,
    skipped,
  };
}

async function findByChecksum(entries: readonly Entry[], r: ToolRow, bytesOf: ReadBytes): Promise<Entry | undefined> {
  for (const entry of entries) {
    if (entry.source === null) continue;
    const bytes = await bytesOf(entry.source);
    if (bytes !== null && r.checksum!.matches(bytes)) return entry;
  }
  return undefined;
}
