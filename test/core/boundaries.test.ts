// The folders' boundaries (docs/architecture.md): reads every import of every file under src/
// (static, re-export and dynamic, never text inside strings) and fails on a forbidden edge.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src');

interface Edge {
  readonly from: string;
  /** `src/...` (extension as written) for a relative import, the specifier otherwise. */
  readonly to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string, text: string): Edge[] {
  const from = relative(ROOT, file);
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName }) => ({
    from,
    to: fileName.startsWith('.') ? relative(ROOT, resolve(dirname(file), fileName)) : fileName,
  }));
}

const inside = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);
const isBuiltin = (to: string) => to.startsWith('node:');

/** [who, the rule in words, whether an edge breaks it]. */
const RULES: readonly [string, string, (to: string) => boolean][] = [
  ['src/core', 'the core imports no driver, source, operation, CLI, wiring or file system', (to) =>
    ['src/drivers', 'src/sources', 'src/operations', 'src/cli'].some((f) => inside(to, f)) ||
    /^src\/(migrator|index|define)\.[jt]s$/.test(to) ||
    /^(node:)?fs(\/promises)?$/.test(to)],
  ['src/cli', 'the CLI imports only the public API (src/index.ts), its own files, node: built-ins and its terminal libraries (commander, cli-progress)', (to) =>
    !(to === 'src/index.js' || inside(to, 'src/cli') || isBuiltin(to) || to === 'commander' || to === 'cli-progress')],
  ['src/operations', 'an operation reaches a database only through the core\'s ports', (to) =>
    ['src/drivers', 'src/cli'].some((f) => inside(to, f)) || /^src\/(migrator|index)\.[jt]s$/.test(to)],
  ['src/drivers', 'a driver knows nothing of sources, operations, the CLI or the wiring', (to) =>
    ['src/sources', 'src/operations', 'src/cli'].some((f) => inside(to, f)) || /^src\/(migrator|index|define)\.[jt]s$/.test(to)],
  ['src/adopt', "another tool's history is read through the core's ports: no driver, operation, CLI or wiring", (to) =>
    ['src/drivers', 'src/operations', 'src/cli'].some((f) => inside(to, f)) || /^src\/(migrator|index)\.[jt]s$/.test(to)],
  ['src/sql', 'the SQL splitter and classifier stand alone', (to) => !(inside(to, 'src/sql') || isBuiltin(to))],
];

function violations(edges: readonly Edge[]): string[] {
  return edges.flatMap((edge) =>
    RULES.filter(([who, , breaks]) => inside(edge.from, who) && breaks(edge.to)).map(([, rule]) => `${edge.from} → ${edge.to}: ${rule}`),
  );
}

test('no file under src/ imports across a boundary', () => {
  const edges = sourceFiles(SRC).flatMap((file) => importsOf(file, readFileSync(file, 'utf8')));
  assert.ok(edges.length > 100, `the imports were read (${edges.length})`);
  assert.deepEqual(violations(edges), []);
});

test('the check sees static, type-only, re-export and dynamic imports, and no text in strings', () => {
  const file = join(SRC, 'core', 'example.ts');
  const text = [
    "import type { Driver } from '../drivers/driver.js';",
    "import {\n  readFileSync,\n} from 'node:fs';",
    "export { x } from '../sources/source.js';",
    "const m = await import('../operations/up.js');",
    "const template = `import { y } from '../cli/main.js';`;",
  ].join('\n');
  assert.deepEqual(violations(importsOf(file, text)).map((v) => v.split(': ')[0]), [
    'src/core/example.ts → src/drivers/driver.js',
    'src/core/example.ts → node:fs',
    'src/core/example.ts → src/sources/source.js',
    'src/core/example.ts → src/operations/up.js',
  ]);
  const cli = join(SRC, 'cli', 'example.ts');
  assert.deepEqual(violations(importsOf(cli, "import { a } from '../index.js';\nimport { b } from '../core/version.js';\nimport { c } from './output.js';")).length, 1);
});
