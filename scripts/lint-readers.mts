// How strata's own token reader compares with PostgreSQL's parser (libpg-query) on the
// PostgreSQL sets under reliability/real-world/: the warnings per rule each gives, every
// migration judged as applied alone (as `lint --all` after a baseline). No database needed.
// Run: node --import tsx scripts/lint-readers.mts
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareVersions } from '../src/core/version.js';
import { POSTGRES_LINT_PROFILE } from '../src/drivers/postgres/lint.js';
import { POSTGRES_SYNTAX } from '../src/drivers/postgres/syntax.js';
import { lintMigrations, type LintResult } from '../src/lint/lint.js';
import { classifyFileName } from '../src/sources/file-name.js';

const SETS = resolve(dirname(fileURLToPath(import.meta.url)), '../reliability/real-world');
const count = (result: LintResult) => {
  const byCode = new Map<string, number>();
  for (const w of [...result.errors, ...result.warnings]) byCode.set(w.code, (byCode.get(w.code) ?? 0) + 1);
  return byCode;
};
for (const set of ['kratos/postgres', 'harbor/migrations', 'temporal/postgres', 'temporal/postgres-visibility']) {
  const dir = join(SETS, set);
  const versionOf = (file: string) => { const c = classifyFileName(file); return 'version' in c ? String(c.version) : file; };
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort((a, b) => compareVersions(versionOf(a), versionOf(b)));
  const targets = files.map((file) => ({ file, script: { sql: readFileSync(join(dir, file), 'utf8'), file, startLine: 1 }, inTransaction: false, pending: false, report: true }));
  const parser = count(await lintMigrations(targets, POSTGRES_SYNTAX, POSTGRES_LINT_PROFILE));
  const tokens = count(await lintMigrations(targets, POSTGRES_SYNTAX, { ...POSTGRES_LINT_PROFILE, loadReader: undefined }));
  const codes = [...new Set([...parser.keys(), ...tokens.keys()])];
  const differ = codes.filter((c) => parser.get(c) !== tokens.get(c));
  console.log(`${set}: ${files.length} files; parser/tokens per rule: ${codes.map((c) => `${c} ${parser.get(c) ?? 0}/${tokens.get(c) ?? 0}`).join(', ')}${differ.length ? `; DIFFER: ${differ.join(', ')}` : '; identical'}`);
}
