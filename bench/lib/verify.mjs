// After a run: is every migration applied exactly once?
import { countBenchTables, countRows, duplicateKeys } from './db.mjs';

/** null when the database holds exactly n bench tables and n tracking rows; else what is wrong. */
export async function verifyApplied(db, adapter, n) {
  const tables = await countBenchTables(db);
  const rows = await countRows(db, adapter.tracking.table);
  const dups = await duplicateKeys(db, adapter.tracking.table, adapter.tracking.key);
  const problems = [];
  if (tables !== n) problems.push(`${tables}/${n} tables`);
  if (rows !== n) problems.push(`${rows ?? 'no'} rows in ${adapter.tracking.table}`);
  if (dups) problems.push(`${dups} duplicated ${adapter.tracking.key}s`);
  return problems.length ? `not applied exactly once: ${problems.join(', ')}` : null;
}
