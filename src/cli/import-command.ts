/** `strata import <tool>`: options, the JSON document of §5, and the mapping as text. */
import type { ImportResult, ImportRunOptions, Migrator } from '../index.js';
import type { Output } from './output.js';

export interface ImportFlags {
  readonly dryRun?: boolean;
  readonly acceptUnmatched?: boolean;
  readonly fromTable?: string;
  readonly versionColumn?: string;
}

export async function runImport(out: Output, migrator: Migrator, tool: string, flags: ImportFlags): Promise<void> {
  const options: ImportRunOptions = { dryRun: flags.dryRun, acceptUnmatched: flags.acceptUnmatched, fromTable: flags.fromTable, versionColumn: flags.versionColumn };
  const result = await migrator.import(tool, options);
  out.document(result);
  renderImport(out, result);
}

function renderImport(out: Output, result: ImportResult): void {
  const count = `${result.imported.length} migration${result.imported.length === 1 ? '' : 's'}`;
  out.line(result.dryRun ? `would import ${count} from ${result.tool} (dry run: nothing written)` : `imported ${count} from ${result.tool}`);
  for (const m of result.mapping) out.line(`  ${m.version}${m.name ? `_${m.name}` : ''}  <-  ${m.row}`);
  if (result.unmatched.length > 0) {
    out.line(`unmatched (not imported${result.dryRun ? '; the import is refused unless --accept-unmatched' : ''}):`);
    for (const u of result.unmatched) out.line(`  - ${u.row}: ${u.reason}`);
  }
  if (result.skipped.length > 0 && (out.verbose || result.imported.length === 0)) {
    out.line('skipped:');
    for (const s of result.skipped) out.line(`  - ${s.row}: ${s.reason}`);
  }
  if (!result.dryRun && result.imported.length > 0) out.line('next: strata status (the imported migrations show as applied), then strata up for the rest');
}
