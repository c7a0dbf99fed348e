/** `strata validate` (alias `lint`): §4 checks and the §11 lint, as text, JSON, GitHub annotations or SARIF. */
import { ConfigError, githubAnnotations, sarifLog, type Migrator } from '../index.js';
import { EXIT } from './exit-code.js';
import type { Output } from './output.js';
import { renderValidate } from './render.js';

export interface ValidateFlags {
  readonly all?: boolean;
  readonly strict?: boolean;
  readonly format?: 'text' | 'github' | 'sarif';
}

export async function validateCommand({ out, migrator }: { out: Output; migrator: Migrator }, flags: ValidateFlags): Promise<number> {
  const format = flags.format ?? 'text';
  if (format !== 'text' && out.json) throw new ConfigError('usage', `--format ${format} and --json both choose the output: use one of them`);
  const result = await migrator.validate({ all: flags.all === true });
  out.document(result);
  if (format === 'github') {
    const lines = githubAnnotations(result);
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  } else if (format === 'sarif') {
    process.stdout.write(`${JSON.stringify(sarifLog(result), null, 2)}\n`);
  } else {
    renderValidate(out, result);
    if (out.verbose) {
      out.line(`read by ${result.parser === 'database' ? "the database's own parser" : "strata's SQL reader"}`);
      for (const skipped of result.notLinted) out.line(`not linted: ${skipped.file} (${skipped.reason})`);
    }
  }
  if (!result.ok) return EXIT.refused;
  return flags.strict === true && result.warnings.length > 0 ? EXIT.refused : EXIT.ok;
}
