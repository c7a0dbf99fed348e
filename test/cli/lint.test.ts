/**
 * `strata validate` (alias `lint`) on real servers: every §11 rule's case and near miss
 * (test/lint/cases.ts) in one project per dialect against a fresh database where the setup
 * migration is applied, then the flags —
 * `--all`, `--strict`, allow comments, `--json`, `--format github|sarif`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allDialects, notListed } from '../support/dialects.js';
import { project, strata } from '../support/project.js';
import { CASES, caseFiles } from '../lint/cases.js';

interface Finding { code: string; message: string; file: string; line: number | null }
interface ValidateDoc { ok: boolean; errors: Finding[]; warnings: Finding[]; notLinted: { file: string; reason: string }[]; parser: string }

for (const dialect of allDialects()) {
  describe(`${dialect.name}: every rule flags its case and not its near miss`, { skip: notListed(dialect.name) }, () => {
    test(`validate --json against a fresh ${dialect.name} database`, async () => {
      const { files, flagFile, missFile } = caseFiles(dialect.name);
      const p = project({ '001_setup.sql': files['001_setup.sql']! });
      const db = await dialect.fresh();
      try {
        // The setup is applied, so its tables exist before every case (as in production).
        const setup = await strata(['up', '--db', db.url], { cwd: p.dir });
        assert.equal(setup.code, 0, setup.stderr);
        for (const [name, text] of Object.entries(files)) p.write(`migrations/${name}`, text);
        const result = await strata(['lint', '--json', '--db', db.url], { cwd: p.dir });
        const doc = result.json<ValidateDoc>();
        const codesIn = (file: string) => [...doc.errors, ...doc.warnings].filter((w) => w.file === `migrations/${file}`).map((w) => w.code);
        CASES[dialect.name].forEach((c, i) => {
          assert.ok(codesIn(flagFile[i]!).includes(c.code), `${c.code}: ${flagFile[i]} gave ${codesIn(flagFile[i]!).join(', ') || 'nothing'}`);
          assert.ok(!codesIn(missFile[i]!).includes(c.code), `${c.code}: ${missFile[i]} gave ${codesIn(missFile[i]!).join(', ')}`);
        });
        const hasError = CASES[dialect.name].some((c) => c.code === 'concurrently-in-transaction');
        assert.equal(result.code, hasError ? 3 : 0, result.stderr);
        assert.equal(doc.ok, !hasError);
        // The MariaDB test server (10.11) adds columns anywhere instantly.
        if (dialect.name === 'mysql') {
          p.write('migrations/900_after.sql', 'ALTER TABLE users ADD COLUMN age int AFTER id, ALGORITHM=INSTANT;\n');
          const again = (await strata(['lint', '--json', '--db', db.url], { cwd: p.dir })).json<ValidateDoc>();
          assert.ok(!again.warnings.some((w) => w.code === 'add-column-not-at-end'), JSON.stringify(again.warnings.filter((w) => w.file.includes('900'))));
        }
        if (dialect.name === 'postgres') assert.equal(doc.parser, 'database', 'libpg-query is installed here');
      } finally {
        p.cleanup();
        await db.drop();
      }
    });
  });
}

describe('flags and formats (SQLite)', () => {
  const FILES = {
    '001_init.sql': 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE old (id INTEGER);\nDROP TABLE old;\n',
    '002_cleanup.sql': '-- Clean up\nDELETE FROM users;\n\n-- strata:allow drop-column\nALTER TABLE users DROP COLUMN name;\nUPDATE users SET id = id;\n',
    '003_code.ts': "export default { async up(db) { await db.run('SELECT 1'); } };\n",
  };

  test('the JSON document: ok, errors, warnings with code, message, file and line; exit 0 without --strict', async () => {
    const p = project(FILES);
    try {
      const result = await strata(['validate', '--json', '--db', 'sqlite:app.db'], { cwd: p.dir });
      assert.equal(result.code, 0, result.stderr);
      const doc = result.json<ValidateDoc & { warnings: (Finding & { risk: string; safer: string })[] }>();
      assert.deepEqual(Object.keys(doc).slice(0, 3), ['ok', 'errors', 'warnings']);
      assert.equal(doc.ok, true);
      assert.deepEqual(doc.errors, []);
      assert.deepEqual(doc.warnings.map((w) => [w.code, w.file, w.line]), [
        ['delete-without-where', 'migrations/002_cleanup.sql', 2],
        ['update-without-where', 'migrations/002_cleanup.sql', 6],
      ]);
      for (const w of doc.warnings) {
        assert.match(w.message, /^migrations\/002_cleanup\.sql:\d+: .+; safer: /);
        assert.ok(w.risk.length > 0 && w.safer.length > 0);
      }
      assert.deepEqual(doc.notLinted, [{ file: 'migrations/003_code.ts', reason: 'code migration: what it runs is known only when it runs' }]);
    } finally {
      p.cleanup();
    }
  });

  test('--strict: warnings exit 3; the human output lists them, --verbose says what was not linted', async () => {
    const p = project(FILES);
    try {
      const result = await strata(['lint', '--strict', '--verbose', '--db', 'sqlite:app.db'], { cwd: p.dir });
      assert.equal(result.code, 3, result.stdout + result.stderr);
      assert.match(result.stdout, /warning \[delete-without-where\] migrations\/002_cleanup\.sql:2: DELETE from users without WHERE/);
      assert.match(result.stdout, /not linted: migrations\/003_code\.ts \(code migration/);
      const clean = project({ '001_init.sql': 'CREATE TABLE users (id INTEGER);\n' });
      try {
        assert.equal((await strata(['lint', '--strict', '--db', 'sqlite:app.db'], { cwd: clean.dir })).code, 0);
      } finally {
        clean.cleanup();
      }
    } finally {
      p.cleanup();
    }
  });

  test('applied migrations are not linted again unless --all', async () => {
    const p = project(FILES);
    try {
      assert.equal((await strata(['up', '--db', 'sqlite:app.db'], { cwd: p.dir })).code, 0);
      const pending = (await strata(['lint', '--json', '--db', 'sqlite:app.db'], { cwd: p.dir })).json<ValidateDoc>();
      assert.deepEqual(pending.warnings, []);
      assert.deepEqual(pending.notLinted, []);
      const all = (await strata(['lint', '--all', '--json', '--db', 'sqlite:app.db'], { cwd: p.dir })).json<ValidateDoc>();
      assert.deepEqual(all.warnings.map((w) => w.code), ['delete-without-where', 'update-without-where'], 'DROP TABLE of a table the same migration created is harmless');
    } finally {
      p.cleanup();
    }
  });

  test('--format github prints one workflow annotation per finding', async () => {
    const p = project(FILES);
    try {
      const result = await strata(['lint', '--format', 'github', '--db', 'sqlite:app.db'], { cwd: p.dir });
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split('\n');
      assert.equal(lines.length, 2);
      assert.match(lines[0]!, /^::warning file=migrations\/002_cleanup\.sql,line=2,title=strata delete-without-where::migrations\/002_cleanup\.sql:2: DELETE/);
      assert.match(lines[1]!, /^::warning file=migrations\/002_cleanup\.sql,line=6,/);
    } finally {
      p.cleanup();
    }
  });

  test('--format sarif prints a SARIF 2.1.0 log listing every rule; --format with --json is a usage error', async () => {
    const p = project(FILES);
    try {
      const result = await strata(['lint', '--format', 'sarif', '--db', 'sqlite:app.db'], { cwd: p.dir });
      assert.equal(result.code, 0, result.stderr);
      const log = JSON.parse(result.stdout);
      assert.equal(log.version, '2.1.0');
      const run = log.runs[0];
      assert.ok(run.tool.driver.rules.some((r: { id: string }) => r.id === 'index-not-concurrently'));
      assert.deepEqual(run.results.map((r: any) => [r.ruleId, r.level, r.locations[0].physicalLocation.artifactLocation.uri, r.locations[0].physicalLocation.region.startLine]), [
        ['delete-without-where', 'warning', 'migrations/002_cleanup.sql', 2],
        ['update-without-where', 'warning', 'migrations/002_cleanup.sql', 6],
      ]);
      const both = await strata(['lint', '--format', 'sarif', '--json', '--db', 'sqlite:app.db'], { cwd: p.dir });
      assert.equal(both.code, 2);
      assert.match(both.stderr, /^error: --format sarif and --json both choose the output/m);
      assert.equal(both.json<{ error: { code: string } }>().error.code, 'usage');
    } finally {
      p.cleanup();
    }
  });
});
