/**
 * `validate`'s result for CI: GitHub Actions workflow commands (`::warning file=…,line=…::…`,
 * shown on the pull request's diff) and SARIF 2.1.0 (GitHub code scanning, GitLab, most CI).
 */
import { strataPackage } from '../package-info.js';
import { LINT_RULES } from './rules.js';

interface Finding {
  readonly code: string;
  readonly message: string;
  readonly file: string | null;
  readonly line?: number | null;
}

export interface ValidateFindings {
  readonly errors: readonly Finding[];
  readonly warnings: readonly Finding[];
}

/** Workflow commands escape `%`, CR and LF in the message, and also `:` and `,` in properties. */
function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}
function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/** One `::error` / `::warning` line per finding. */
export function githubAnnotations(result: ValidateFindings): string[] {
  const line = (level: 'error' | 'warning', f: Finding) => {
    const props = [f.file === null ? null : `file=${escapeProperty(f.file)}`, f.line == null ? null : `line=${f.line}`, `title=${escapeProperty(`strata ${f.code}`)}`];
    return `::${level} ${props.filter(Boolean).join(',')}::${escapeData(f.message)}`;
  };
  return [...result.errors.map((f) => line('error', f)), ...result.warnings.map((f) => line('warning', f))];
}

/** A SARIF 2.1.0 log with one run; the rules of §11 are listed whether they fired or not. */
export function sarifLog(result: ValidateFindings): object {
  const location = (f: Finding) => f.file === null ? [] : [{
    physicalLocation: { artifactLocation: { uri: f.file.replaceAll('\\', '/') }, ...(f.line == null ? {} : { region: { startLine: f.line } }) },
  }];
  const results = [
    ...result.errors.map((f) => ({ ruleId: f.code, level: 'error', message: { text: f.message }, locations: location(f) })),
    ...result.warnings.map((f) => ({ ruleId: f.code, level: 'warning', message: { text: f.message }, locations: location(f) })),
  ];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'strata',
          version: strataPackage().version,
          informationUri: 'https://www.npmjs.com/package/strata-migrate',
          rules: LINT_RULES.map((rule) => ({
            id: rule.code,
            shortDescription: { text: rule.risk },
            help: { text: `Safer: ${rule.safer}. Silence one with "-- strata:allow ${rule.code}" above the statement.` },
            defaultConfiguration: { level: rule.severity },
          })),
        },
      },
      results,
    }],
  };
}
