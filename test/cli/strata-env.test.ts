/**
 * STRATA_ENV / --env without environments in the config (SPEC §5): the name alone, counted
 * for `reset` protection and recorded in the log; a typo only where the config defines some.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { project, strata } from '../support/project.js';

const CREATE = '-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n';

/** The `detail` of every log row, oldest first. */
function logDetails(file: string): (Record<string, unknown> | null)[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT detail FROM strata_migrations_log ORDER BY id').all() as { detail: string | null }[];
    return rows.map((r) => (r.detail === null ? null : JSON.parse(r.detail)));
  } finally {
    db.close();
  }
}

describe('STRATA_ENV without environments in the config', () => {
  test('STRATA_ENV=production + DATABASE_URL, no config file: runs, is recorded protected, and reset needs --force', async () => {
    const p = project({ '001_a.sql': CREATE });
    try {
      const file = join(p.dir, 'app.db');
      const env = { STRATA_ENV: 'production', DATABASE_URL: `sqlite:${file}` };
      const up = await strata(['up'], { cwd: p.dir, env });
      assert.equal(up.code, 0, up.stderr);
      assert.deepEqual(logDetails(file), [{ environment: 'production', protected: true }]);
      const reset = await strata(['reset', '--yes', '--json'], { cwd: p.dir, env });
      assert.equal(reset.code, 2, reset.stderr);
      assert.equal(reset.json().error.code, 'protected-environment');
      assert.match(reset.stderr, /^error: reset refused: environment "production" is protected/m);
      const forced = await strata(['reset', '--yes', '--force'], { cwd: p.dir, env });
      assert.equal(forced.code, 0, forced.stderr);
      // The database remembers: without STRATA_ENV, reset is still refused.
      const later = await strata(['reset', '--yes'], { cwd: p.dir, env: { DATABASE_URL: `sqlite:${file}` } });
      assert.equal(later.code, 2, later.stderr);
      assert.match(later.stderr, /migrated as a protected environment before/);
    } finally {
      p.cleanup();
    }
  });

  test('--env prod with no config counts the same way', async () => {
    const p = project({ '001_a.sql': CREATE });
    try {
      const file = join(p.dir, 'app.db');
      const up = await strata(['up', '--env', 'prod', '--db', `sqlite:${file}`], { cwd: p.dir });
      assert.equal(up.code, 0, up.stderr);
      assert.deepEqual(logDetails(file), [{ environment: 'prod', protected: true }]);
      const reset = await strata(['reset', '--yes', '--env', 'prod', '--db', `sqlite:${file}`], { cwd: p.dir });
      assert.equal(reset.code, 2);
    } finally {
      p.cleanup();
    }
  });

  test('an unprotected name is recorded, and reset goes ahead', async () => {
    const p = project({ '001_a.sql': CREATE });
    try {
      const file = join(p.dir, 'app.db');
      const env = { STRATA_ENV: 'staging', DATABASE_URL: `sqlite:${file}` };
      assert.equal((await strata(['up'], { cwd: p.dir, env })).code, 0);
      const reset = await strata(['reset', '--yes'], { cwd: p.dir, env });
      assert.equal(reset.code, 0, reset.stderr);
      const details = logDetails(file);
      assert.ok(details.length >= 3, 'up, reset and the re-applied migration are logged');
      for (const detail of details) assert.equal(detail?.environment, 'staging');
    } finally {
      p.cleanup();
    }
  });

  test('a config whose environments are empty (as init writes it) defines none', async () => {
    const p = project({ '001_a.sql': CREATE });
    try {
      p.write('strata.config.mjs', 'export default { db: "sqlite:./app.db", environments: {\n  // prod: { db: process.env.PROD_DATABASE_URL, protected: true },\n} };\n');
      const up = await strata(['up'], { cwd: p.dir, env: { STRATA_ENV: 'production' } });
      assert.equal(up.code, 0, up.stderr);
      assert.deepEqual(logDetails(join(p.dir, 'app.db')), [{ environment: 'production', protected: true }]);
    } finally {
      p.cleanup();
    }
  });

  test('a config that defines environments still refuses a name it does not define (exit 2)', async () => {
    const p = project({ '001_a.sql': CREATE });
    try {
      p.write('strata.config.json', JSON.stringify({ db: 'sqlite:./app.db', environments: { dev: { db: 'sqlite:./dev.db' } } }));
      const r = await strata(['up', '--json'], { cwd: p.dir, env: { STRATA_ENV: 'production' } });
      assert.equal(r.code, 2);
      assert.equal(r.json().error.code, 'config');
      assert.match(r.stderr, /^error: unknown environment "production" \(from STRATA_ENV\)/m);
      assert.match(r.stderr, /^hint: environments in the config: dev/m);
    } finally {
      p.cleanup();
    }
  });
});
