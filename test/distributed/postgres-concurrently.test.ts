/**
 * CREATE INDEX CONCURRENTLY under strata's lock, on the machine's PostgreSQL. CONCURRENTLY
 * waits for every transaction that holds an older snapshot; a runner blocked inside
 * `pg_advisory_lock` is such a transaction, and it waits for the holder: neither would ever
 * finish. strata's waiters poll `pg_try_advisory_lock` in short statements instead (SPEC §6),
 * which these tests prove with nine real waiters; and a failed CREATE INDEX CONCURRENTLY
 * makes strata name the INVALID index it left and the DROP INDEX CONCURRENTLY to run.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FreshPostgres, freshPostgres, pgClient } from '../support/postgres.js';
import { type Project, project, strata } from '../support/project.js';
import { since } from '../support/servers.js';
import { serverTests } from '../support/dialects.js';

// Every test is skipped, with the reason, when STRATA_TEST_DIALECTS does not list the server.
const { test } = serverTests('postgres');

const ROWS = 300_000;

async function withDatabase(files: Record<string, string>, fn: (db: FreshPostgres, p: Project) => Promise<void>): Promise<void> {
  const db = await freshPostgres();
  const p = project(files);
  try {
    await fn(db, p);
  } finally {
    p.cleanup();
    await db.drop();
  }
}

test(`CREATE INDEX CONCURRENTLY on ${ROWS} rows completes while nine other runners wait for the lock: all 10 exit 0, the index is valid`, { timeout: 120_000 }, async (t) => {
  const files = {
    // Whichever runner takes the lock first holds it here until the test opens the gate:
    // by then the nine others are waiting, so they wait through the whole CONCURRENTLY build.
    '001_gate.mjs': `import { existsSync } from 'node:fs';
export const description = 'Wait until the test opens the gate';
export async function up() {
  const gate = process.env.STRATA_TEST_GATE;
  const until = Date.now() + 60000;
  while (gate && !existsSync(gate) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
}
`,
    '002_items.sql': `-- Items\nCREATE TABLE items (id bigserial PRIMARY KEY, sku text NOT NULL, qty int NOT NULL);\nINSERT INTO items (sku, qty) SELECT 'sku-' || g, g % 1000 FROM generate_series(1, ${ROWS}) AS g;\n`,
    '003_items_sku.sql': '-- Index items by sku without blocking writes\n-- transaction: off\nCREATE INDEX CONCURRENTLY items_sku_idx ON items (sku);\n',
    '004_orders.sql': '-- Orders\nCREATE TABLE orders (id bigserial PRIMARY KEY, item_id bigint NOT NULL REFERENCES items (id));\n',
  };
  await withDatabase(files, async (db, p) => {
    const gate = join(p.dir, 'gate');
    // Watch the server while the runners race: what each strata backend waits on, and
    // whether the CONCURRENTLY build ran while the other runners were connected.
    const watcher = await pgClient();
    let watching = true;
    const seen = { advisoryWaits: 0, cicSamples: 0, fewestRunnersDuringCic: Infinity, samples: 0 };
    const watch = (async () => {
      while (watching) {
        const { rows } = await watcher.query(
          `SELECT query, state, wait_event_type, wait_event FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'strata %'`,
          [db.database],
        );
        seen.samples++;
        seen.advisoryWaits += rows.filter((r) => r.wait_event_type === 'Lock' && r.wait_event === 'advisory').length;
        if (rows.some((r) => r.state === 'active' && /CREATE INDEX CONCURRENTLY/i.test(r.query))) {
          seen.cicSamples++;
          seen.fewestRunnersDuringCic = Math.min(seen.fewestRunnersDuringCic, rows.length);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    let waiting = 0;
    const runner = () => {
      let counted = false;
      return strata(['up', '--json', '--lock-timeout', '100', '--db', db.url], {
        cwd: p.dir,
        env: { STRATA_TEST_GATE: gate },
        timeoutMs: 110_000,
        onOutput(text) {
          if (counted || !text.includes('waiting for the migration lock')) return;
          counted = true;
          if (++waiting === 9) writeFileSync(gate, 'open');
        },
      });
    };
    const started = performance.now();
    const runs = await Promise.all(Array.from({ length: 10 }, runner));
    const wallMs = since(started);
    watching = false;
    await watch;
    await watcher.end();

    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    const holders = runs.filter((run) => run.json().count > 0);
    assert.equal(holders.length, 1, 'one runner applied everything');
    assert.deepEqual(holders[0]!.json().applied, ['001', '002', '003', '004']);
    const waiters = runs.filter((run) => /waiting for the migration lock \(held by strata /.test(run.stderr));
    assert.equal(waiters.length, 9, 'the nine others waited for the holder');
    for (const run of waiters) assert.equal(run.json().status, 'up-to-date', 'and then found nothing to do');

    const client = await pgClient(db.database);
    try {
      const index = await client.query(`SELECT i.indisvalid, i.indisready FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'items_sku_idx'`);
      assert.deepEqual(index.rows, [{ indisvalid: true, indisready: true }]);
      const log = await client.query(`SELECT version, status FROM strata_migrations_log ORDER BY id`);
      assert.deepEqual(log.rows.map((r) => `${r.version}:${r.status}`), ['001:success', '002:success', '003:success', '004:success']);
    } finally {
      await client.end();
    }
    // Nobody ever waited inside pg_advisory_lock; the build ran with all ten runners connected.
    assert.equal(seen.advisoryWaits, 0, 'no backend waited on an advisory lock');
    assert.ok(seen.cicSamples > 0, `the CONCURRENTLY build was observed (${seen.samples} samples)`);
    assert.ok(seen.fewestRunnersDuringCic >= 10, `the nine waiters were connected throughout the build (at least ${seen.fewestRunnersDuringCic} strata backends)`);
    t.diagnostic(`CONCURRENTLY with 9 waiters: ${ROWS} rows, all 10 exit 0, wall ${wallMs} ms; build seen in ${seen.cicSamples} of ${seen.samples} samples, always with all 10 runners connected; 0 advisory-lock waits`);
  });
});

for (const lock of ['session', 'lease'] as const) {
  test(`a failed CREATE INDEX CONCURRENTLY names the INVALID index and the DROP INDEX CONCURRENTLY to run; following the hint recovers (lock ${lock})`, { timeout: 60_000 }, async () => {
    const files = {
      '001_users.sql': "-- Users\nCREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);\nINSERT INTO users (email) SELECT 'user' || (g % 50) || '@example.com' FROM generate_series(1, 1000) AS g;\n",
      '002_unique_email.sql': '-- One account per email\n-- transaction: off\nCREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n',
    };
    await withDatabase(files, async (db, p) => {
      const args = ['--lock', lock, '--db', db.url];
      const failed = await strata(['up', '--json', ...args], { cwd: p.dir });
      assert.equal(failed.code, 1, failed.stderr);
      const error = failed.json().error;
      assert.equal(error.code, 'migration-failed');
      assert.equal(error.file, 'migrations/002_unique_email.sql');
      assert.equal(error.line, 3);
      assert.match(error.message, /could not create unique index "users_email_key"/);
      assert.match(error.hint, /CREATE INDEX CONCURRENTLY left the index public\.users_email_key INVALID/);
      assert.match(error.hint, /run `DROP INDEX CONCURRENTLY public\.users_email_key`/);
      assert.match(error.hint, /002_unique_email is recorded dirty/);
      assert.match(failed.stderr, /^hint: CREATE INDEX CONCURRENTLY left the index public\.users_email_key INVALID/m);

      const client = await pgClient(db.database);
      try {
        const invalid = await client.query(`SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'users_email_key'`);
        assert.deepEqual(invalid.rows, [{ indisvalid: false }], 'the index the hint names really is INVALID');
        // What the hint says, then the data fix, then the dirty row resolved by name.
        await client.query('DROP INDEX CONCURRENTLY public.users_email_key');
        await client.query('DELETE FROM users a USING users b WHERE a.email = b.email AND a.id > b.id');
        const repair = await strata(['repair', '--rolled-back', '002', '--yes', ...args], { cwd: p.dir });
        assert.equal(repair.code, 0, repair.stderr);
        const up = await strata(['up', '--json', ...args], { cwd: p.dir });
        assert.equal(up.code, 0, up.stderr);
        assert.deepEqual(up.json().applied, ['002']);
        const valid = await client.query(`SELECT i.indisvalid, i.indisunique FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'users_email_key'`);
        assert.deepEqual(valid.rows, [{ indisvalid: true, indisunique: true }]);
      } finally {
        await client.end();
      }
    });
  });
}
