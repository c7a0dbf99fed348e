/** Where options come from: flags, environments, DATABASE_URL, STRATA_ENV, config files. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { project, strata } from '../support/project.js';

const CREATE = '-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n';

/** Which database file a status run read: the one whose tracking table says 001 is applied. */
async function appliedIn(cwd: string, args: string[], env: Record<string, string> = {}) {
  const r = await strata(['info', '--json', ...args], { cwd, env });
  assert.equal(r.code, 0, r.stderr);
  return r.json();
}

describe('configuration precedence', () => {
  test('db: --db > environment > DATABASE_URL > config db > built-in default (announced on stderr)', async () => {
    const p = project({ '001_a.sql': CREATE });
    try {
      p.write('strata.config.json', JSON.stringify({ db: 'sqlite:./from-config.db', environments: { qa: { db: 'sqlite:./from-env.db' } } }));
      const env = { DATABASE_URL: `sqlite:${join(p.dir, 'from-url.db')}` };
      assert.equal((await strata(['up', '--db', `sqlite:${join(p.dir, 'from-flag.db')}`, '--env', 'qa'], { cwd: p.dir, env })).code, 0);
      assert.ok(existsSync(join(p.dir, 'from-flag.db')));
      assert.equal((await strata(['up', '--env', 'qa'], { cwd: p.dir, env })).code, 0);
      assert.ok(existsSync(join(p.dir, 'from-env.db')));
      assert.equal((await strata(['up'], { cwd: p.dir, env: { ...env, STRATA_ENV: 'qa' } })).code, 0, 'STRATA_ENV selects the environment');
      assert.equal((await strata(['up'], { cwd: p.dir, env })).code, 0);
      assert.ok(existsSync(join(p.dir, 'from-url.db')));
      assert.equal((await strata(['up'], { cwd: p.dir })).code, 0);
      assert.ok(existsSync(join(p.dir, 'from-config.db')));
      p.remove('strata.config.json');
      const builtIn = await strata(['up'], { cwd: p.dir });
      assert.equal(builtIn.code, 0, builtIn.stderr);
      assert.match(builtIn.stderr, /using sqlite:\.\/data\/app\.db \(the built-in default/);
      assert.ok(existsSync(join(p.dir, 'data/app.db')), 'the built-in default creates its folder');
    } finally {
      p.cleanup();
    }
  });

  test('relative paths in the config resolve from the config file folder, not the working directory', async () => {
    const p = project({ '001_a.sql': CREATE });
    try {
      p.write('config/strata.config.json', JSON.stringify({ db: 'sqlite:../db/app.db', dir: '../migrations' }));
      p.write('db/.keep', '');
      const r = await strata(['up', '--config', 'config/strata.config.json', '--json'], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json().applied, ['001']);
      assert.ok(existsSync(join(p.dir, 'db/app.db')));
    } finally {
      p.cleanup();
    }
  });

  test('options: flag > environment > config (table name)', async () => {
    const p = project({ '001_a.sql': '-- migrate:up\nCREATE TABLE IF NOT EXISTS a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n' });
    try {
      p.write('strata.config.json', JSON.stringify({ db: 'sqlite:./app.db', table: 'from_config', environments: { dev: { table: 'from_env' } } }));
      assert.equal((await strata(['up'], { cwd: p.dir })).code, 0);
      assert.equal((await strata(['up', '--env', 'dev', '--table', 'from_flag'], { cwd: p.dir })).code, 0);
      const tables = (await appliedIn(p.dir, [])).tables.map((t: { name: string }) => t.name);
      assert.ok(tables.includes('from_config') && tables.includes('from_flag') && !tables.includes('from_env'));
    } finally {
      p.cleanup();
    }
  });

  test('strata.config.mjs written by init and a .ts config both load', async () => {
    const p = project({ '001_a.sql': CREATE });
    try {
      p.write('strata.config.ts', `import { defineConfig } from 'strata-migrate';\nconst table: string = 'ts_table';\nexport default defineConfig({ db: 'sqlite:./ts.db', table });\n`);
      const r = await strata(['up', '--json'], { cwd: p.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.ok((await appliedIn(p.dir, [])).tables.some((t: { name: string }) => t.name === 'ts_table'));
      p.write('strata.config.mjs', 'export default {};\n');
      const two = await strata(['status'], { cwd: p.dir });
      assert.equal(two.code, 2);
      assert.match(two.stderr, /^error: two config files: strata\.config\.mjs and strata\.config\.ts/m);
    } finally {
      p.cleanup();
    }
  });

  test('an unknown --env or STRATA_ENV is exit 2 naming the known ones', async () => {
    const p = project({ '001_a.sql': CREATE });
    try {
      p.write('strata.config.json', JSON.stringify({ environments: { dev: { db: 'sqlite:./dev.db' } } }));
      const r = await strata(['status', '--env', 'staging'], { cwd: p.dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^error: unknown environment "staging"/m);
      assert.match(r.stderr, /^hint: environments in the config: dev/m);
      const fromVar = await strata(['status'], { cwd: p.dir, env: { STRATA_ENV: 'nope' } });
      assert.equal(fromVar.code, 2);
      assert.match(fromVar.stderr, /unknown environment "nope" \(from STRATA_ENV\)/);
    } finally {
      p.cleanup();
    }
  });

  test('read-only commands create no file, folder or table', async () => {
    const p = project({ '001_a.sql': CREATE });
    try {
      for (const command of ['status', 'plan', 'validate', 'history', 'info']) {
        const r = await strata([command], { cwd: p.dir });
        assert.equal(r.code, 0, `${command}: ${r.stderr}`);
      }
      assert.equal(existsSync(join(p.dir, 'data')), false);
    } finally {
      p.cleanup();
    }
  });

  test('a misspelled config key is exit 2 naming the key, the file and the nearest known name; the default database is not used', async () => {
    const p = project({ '001_a.sql': CREATE });
    try {
      p.write('strata.config.json', JSON.stringify({ bd: 'sqlite:./app.db' }));
      const r = await strata(['up'], { cwd: p.dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^error: unknown option "bd" in .*strata\.config\.json: did you mean "db"\?/m);
      assert.equal(existsSync(join(p.dir, 'data')), false, 'the built-in default was not used');
      const json = await strata(['status', '--json'], { cwd: p.dir });
      assert.equal(json.json().error.code, 'config');

      p.remove('strata.config.json');
      p.write('strata.config.mjs', 'export default { db: "sqlite:./app.db", lockTimout: 5 };\n');
      const mjs = await strata(['status'], { cwd: p.dir });
      assert.equal(mjs.code, 2);
      assert.match(mjs.stderr, /unknown option "lockTimout" in .*strata\.config\.mjs: did you mean "lockTimeout"\?/);

      p.write('strata.config.mjs', 'export default { db: "sqlite:./app.db", environments: { prod: { db: "sqlite:./prod.db", protect: true } } };\n');
      const nested = await strata(['status', '--env', 'prod'], { cwd: p.dir });
      assert.equal(nested.code, 2);
      assert.match(nested.stderr, /unknown option "environments\.prod\.protect" in .*strata\.config\.mjs: did you mean "protected"\?/);
      // Checked whichever environment is selected: a typo in prod is found by a dev run too.
      const other = await strata(['status'], { cwd: p.dir });
      assert.equal(other.code, 2);

      p.write('strata.config.mjs', 'export default { db: "sqlite:./app.db", somethingElse: 1 };\n');
      const far = await strata(['status'], { cwd: p.dir });
      assert.equal(far.code, 2);
      assert.match(far.stderr, /unknown option "somethingElse"/);
      assert.match(far.stderr, /^hint: known options: db, dir/m);

      p.write('strata.config.mjs', 'export default { db: "sqlite:./app.db", connectTimeout: 3, initSql: ["PRAGMA cache_size = 100"], environments: { dev: { initSql: "PRAGMA cache_size = 50", protected: false } } };\n');
      const ok = await strata(['up', '--env', 'dev'], { cwd: p.dir });
      assert.equal(ok.code, 0, ok.stderr);
    } finally {
      p.cleanup();
    }
  });
});
