/** Concurrent `strata up` processes on one SQLite file: each migration applied exactly once. */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { project, strata } from '../support/project.js';

const CREATE = (table: string) => `-- migrate:up\nCREATE TABLE ${table} (id INTEGER PRIMARY KEY);\nINSERT INTO ${table} (id) VALUES (1);\n-- migrate:down\nDROP TABLE ${table};\n`;

describe('locking on SQLite', () => {
  test('eight processes started together apply each of 50 migrations exactly once and all exit 0', async () => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= 50; i++) files[`${String(i).padStart(3, '0')}_t${i}.sql`] = CREATE(`t${i}`);
    const p = project(files);
    try {
      const file = join(p.dir, 'app.db');
      const runs = await Promise.all(Array.from({ length: 8 }, () => strata(['up', '--db', `sqlite:${file}`, '--json'], { cwd: p.dir })));
      for (const r of runs) assert.equal(r.code, 0, r.stderr);
      const applied = runs.flatMap((r) => r.json().applied as string[]);
      assert.equal(applied.length, 50, 'across all runners, 50 applications in total');
      assert.equal(new Set(applied).size, 50);
      const db = new Database(file, { readonly: true });
      assert.equal((db.prepare('SELECT count(*) AS n FROM strata_migrations').get() as { n: number }).n, 50);
      assert.equal((db.prepare(`SELECT count(*) AS n FROM strata_migrations_log WHERE operation = 'up' AND status = 'success'`).get() as { n: number }).n, 50);
      assert.equal((db.prepare('SELECT count(*) AS n FROM t50').get() as { n: number }).n, 1);
      db.close();
    } finally {
      p.cleanup();
    }
  });

  test('a runner that cannot get the lock within --lock-timeout exits 4 naming the holder; a patient one then finds everything applied', async () => {
    // The holder keeps the lock until the test writes the release file: no timing assumptions.
    const p = project({
      '001_slow.ts': `import { existsSync } from 'node:fs';\nexport async function up(db) {\n  db.log('holding the lock');\n  for (let i = 0; i < 1200 && !existsSync(process.env.STRATA_TEST_RELEASE); i++) await new Promise((r) => setTimeout(r, 50));\n  await db.exec('CREATE TABLE slow (id INTEGER)');\n}\nexport async function down(db) { await db.exec('DROP TABLE slow'); }\n`,
    });
    const release = join(p.dir, 'release');
    const env = { STRATA_TEST_RELEASE: release };
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      let started!: () => void;
      const holding = new Promise<void>((resolve) => (started = resolve));
      const holder = strata(['up', '--db', db], { cwd: p.dir, env, onOutput: (text) => text.includes('holding the lock') && started() });
      await holding;
      const impatient = await strata(['up', '--db', db, '--lock-timeout', '0.5', '--json'], { cwd: p.dir });
      assert.equal(impatient.code, 4, impatient.stderr);
      assert.match(impatient.stderr, /^error: could not get the migration lock within 0\.5 s: held by strata \S+ \S+:\d+ /m, "the owner form of every dialect: strata <version> <host>:<pid> <run id>");
      assert.equal(impatient.json().error.code, 'lock-timeout');
      const status = await strata(['status', '--db', db, '--json'], { cwd: p.dir });
      assert.match(status.json().lock.owner, /:\d+ /, 'status names the holder without waiting');
      const patientRun = strata(['up', '--db', db, '--json'], { cwd: p.dir, env });
      await new Promise((resolve) => setTimeout(resolve, 300));
      p.write('release', '');
      const patient = await patientRun;
      assert.equal(patient.code, 0, patient.stderr);
      assert.equal(patient.json().status, 'up-to-date', 'the waiter re-read what the holder applied');
      const first = await holder;
      assert.equal(first.code, 0, first.stderr);
      assert.equal((await strata(['status', '--db', db, '--json'], { cwd: p.dir })).json().lock, null, 'the lock is released');
    } finally {
      p.cleanup();
    }
  });

  test('a lease left by a killed runner (its pid is gone) is taken over at once', async () => {
    const p = project({
      '001_hang.ts': `export async function up(db) {\n  db.log('hanging');\n  await new Promise((r) => setTimeout(r, 60000));\n}\nexport async function down() {}\n`,
    });
    try {
      const db = `sqlite:${join(p.dir, 'app.db')}`;
      // A lease of 5 minutes: taking it over "at once" is then told apart from waiting for it to
      // expire by a wide margin, however slowly a loaded machine imports the code migration.
      p.write('strata.config.json', JSON.stringify({ leaseTtl: 300 }));
      const killed = await strata(['up', '--db', db], { cwd: p.dir, onOutput: (text, child) => text.includes('hanging') && child.kill('SIGKILL') });
      assert.equal(killed.signal, 'SIGKILL');
      p.write('migrations/001_hang.ts', `export async function up(db) { await db.exec('CREATE TABLE done (id INTEGER)'); }\nexport async function down() {}\n`);
      const t0 = Date.now();
      const next = await strata(['up', '--db', db, '--lock-timeout', '120', '--json'], { cwd: p.dir, timeoutMs: 180_000 });
      assert.equal(next.code, 0, next.stderr);
      assert.deepEqual(next.json().applied, ['001']);
      assert.ok(Date.now() - t0 < 120_000, 'no waiting for the 300 s lease to expire');
    } finally {
      p.cleanup();
    }
  });
});
