/**
 * strata through a real PgBouncer in transaction pooling (scripts/pgbouncer.sh:
 * 127.0.0.1:6432 in front of the machine's PostgreSQL on 5432). There a session advisory
 * lock lands on whichever server connection ran the statement, so a client cannot rely on
 * it, and cannot tell it is behind a pooler: the user sets the lease (`?strata_lock=lease`
 * or `lock: 'lease'`). PgBouncer is started in `before` and stopped in `after`; if it cannot
 * be started the tests fail. Each test's database is created directly on 5432 and used
 * through 6432; every check reads it directly on 5432.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type pg from 'pg';
import { type FreshPostgres, freshPostgres, pgClient } from '../support/postgres.js';
import { type CliResult, type Project, REPO, project, strata } from '../support/project.js';
import { since, startServer, stopServer } from '../support/servers.js';
import { serverTests } from '../support/dialects.js';

// Every test is skipped, with the reason, when STRATA_TEST_DIALECTS does not list the server.
const { test, before, after } = serverTests('postgres');

const BOUNCER_PORT = '6432';

before(() => startServer('pgbouncer'), { timeout: 120_000 });
after(() => stopServer('pgbouncer'), { timeout: 60_000 });

interface Scenario {
  readonly db: FreshPostgres;
  /** The database's URL through PgBouncer, with `query` appended (e.g. `?strata_lock=lease`). */
  bouncer(query?: string): string;
  /** A client straight to PostgreSQL on 5432 (closed after the test). */
  direct(): Promise<pg.Client>;
}

function bouncerTest(name: string, fn: (s: Scenario, t: TestContext) => Promise<void>): void {
  test(name, { timeout: 120_000 }, async (t) => {
    const db = await freshPostgres();
    const clients: pg.Client[] = [];
    try {
      await fn(
        {
          db,
          bouncer(query = '') {
            const url = new URL(db.url);
            url.port = BOUNCER_PORT;
            return `${url.toString()}${query}`;
          },
          async direct() {
            const client = await pgClient(db.database);
            clients.push(client);
            return client;
          },
        },
        t,
      );
    } finally {
      for (const client of clients) await client.end().catch(() => undefined);
      await db.drop();
    }
  });
}

function numberedMigrations(count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= count; i++) {
    const v = String(i).padStart(3, '0');
    files[`${v}_create_t${v}.sql`] = `-- Create t${v}\nCREATE TABLE t${v} (id serial PRIMARY KEY, note text NOT NULL);\nINSERT INTO t${v} (note) VALUES ('once');\n`;
  }
  return files;
}

async function withProject<T>(files: Record<string, string>, fn: (p: Project) => Promise<T>): Promise<T> {
  const p = project(files);
  try {
    return await fn(p);
  } finally {
    p.cleanup();
  }
}

/** Starts `runners` `strata up` processes together and checks each of `versions` was applied exactly once. */
async function race(s: Scenario, p: Project, url: string, runners: number, versions: readonly string[]) {
  const started = performance.now();
  const runs = await Promise.all(
    Array.from({ length: runners }, () => strata(['up', '--json', '--lock-timeout', '100', '--db', url], { cwd: p.dir, timeoutMs: 110_000 })),
  );
  const wallMs = since(started);
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  const applied = runs.flatMap((run) => run.json().applied as string[]);
  assert.equal(applied.length, versions.length, 'as many applications across all runners as migrations');
  assert.deepEqual([...new Set(applied)].sort(), versions);
  const waited = runs.filter((run) => /waiting for the migration lock/.test(run.stderr)).length;
  assert.ok(waited >= 1, 'runners waited for the lease');

  const client = await s.direct();
  const tracking = await client.query(`SELECT version, state FROM strata_migrations ORDER BY version`);
  assert.deepEqual(tracking.rows.map((r) => `${r.version}:${r.state}`), versions.map((v) => `${v}:applied`));
  const log = await client.query(`SELECT version, status, count(*)::int AS n FROM strata_migrations_log GROUP BY version, status ORDER BY version`);
  assert.deepEqual(log.rows.map((r) => `${r.version}:${r.status}:${r.n}`), versions.map((v) => `${v}:success:1`), 'one success log row per migration, no failure');
  const counts = await client.query(versions.map((v) => `SELECT '${v}' AS version, count(*)::int AS n FROM t${v}`).join(' UNION ALL '));
  assert.deepEqual(counts.rows.map((r) => `${r.version}:${r.n}`), versions.map((v) => `${v}:1`), "each migration's INSERT ran once");
  const lease = await client.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE expires_at > statement_timestamp())::int AS live FROM strata_migrations_lock`);
  // The lease table exists (the lease was used); the last holder deleted its row on release.
  assert.deepEqual(lease.rows[0], { n: 0, live: 0 }, 'the lease was released');
  // The session advisory lock was never used.
  const advisory = await client.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
  assert.equal(advisory.rows[0].n, 0);
  return { runs, applied, waited, wallMs };
}

bouncerTest('10 runners through PgBouncer with ?strata_lock=lease apply each of 30 migrations exactly once, all exit 0', async (s, t) => {
  const files = numberedMigrations(30);
  const versions = Object.keys(files).map((f) => f.slice(0, 3));
  await withProject(files, async (p) => {
    const url = s.bouncer('?strata_lock=lease');
    const info = await strata(['info', '--json', '--db', url], { cwd: p.dir });
    assert.equal(info.code, 0, info.stderr);
    assert.deepEqual([info.json().engine, info.json().lock], ['postgresql', 'lease']);
    const { applied, waited, wallMs } = await race(s, p, url, 10, versions);
    t.diagnostic(`pgbouncer racing (?strata_lock=lease): 10 runners x 30 migrations: ${applied.length} applications, 0 duplicates, 0 lost, ${waited} waited, wall ${wallMs} ms`);
  });
});

bouncerTest("10 runners through PgBouncer with lock: 'lease' in strata.config.json apply each of 30 migrations exactly once, all exit 0", async (s, t) => {
  const files = numberedMigrations(30);
  const versions = Object.keys(files).map((f) => f.slice(0, 3));
  await withProject(files, async (p) => {
    p.write('strata.config.json', JSON.stringify({ lock: 'lease' }));
    const url = s.bouncer();
    const info = await strata(['info', '--json', '--db', url], { cwd: p.dir });
    assert.equal(info.code, 0, info.stderr);
    assert.equal(info.json().lock, 'lease', 'the config file chose the lease');
    const { applied, waited, wallMs } = await race(s, p, url, 10, versions);
    t.diagnostic(`pgbouncer racing (config lock: lease): 10 runners x 30 migrations: ${applied.length} applications, 0 duplicates, 0 lost, ${waited} waited, wall ${wallMs} ms`);
  });
});

/**
 * The holder stops inside 002 before its first statement (no transaction open, so it holds
 * no server connection) and a second runner starts; the holder goes on once the second
 * runner waits for the lock or has finished. Behind transaction pooling the pool's one idle
 * server connection is the one the holder took its advisory lock on.
 */
async function secondRunnerDuringHold(s: Scenario, p: Project, url: string): Promise<{ holder: CliResult; second: CliResult; applications: number; successes: number }> {
  const gate = join(p.dir, 'gate');
  const open = () => writeFileSync(gate, 'open');
  const started: { second: Promise<CliResult> | null } = { second: null };
  const holder = await strata(['up', '--db', url], {
    cwd: p.dir,
    env: { STRATA_TEST_GATE: gate },
    timeoutMs: 60_000,
    onOutput(text) {
      if (started.second !== null || !text.includes('002: holding the lock')) return;
      started.second = strata(['up', '--lock-timeout', '30', '--db', url], {
        cwd: p.dir,
        timeoutMs: 60_000,
        onOutput: (output) => output.includes('waiting for the migration lock') && open(),
      });
      void started.second.finally(open);
    },
  });
  const second = started.second;
  assert.ok(second, `the holder reached 002: ${holder.stderr}`);
  const client = await s.direct();
  const applications = (await client.query(`SELECT count(*)::int AS n FROM applications WHERE migration = '002'`)).rows[0].n as number;
  const successes = (await client.query(`SELECT count(*)::int AS n FROM strata_migrations_log WHERE version = '002' AND status = 'success'`)).rows[0].n as number;
  return { holder, second: await second, applications, successes };
}

const HOLDING_PROJECT = {
  '001_applications.sql': '-- One row per application of 002\nCREATE TABLE applications (id serial PRIMARY KEY, migration text NOT NULL);\n',
  '002_record.mjs': `import { existsSync } from 'node:fs';
export const description = 'Record that 002 ran';
export async function up(db) {
  const gate = process.env.STRATA_TEST_GATE;
  if (gate) {
    db.log('002: holding the lock');
    const until = Date.now() + 30000;
    while (!existsSync(gate) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await db.exec("INSERT INTO applications (migration) VALUES ('002')");
}
`,
};

bouncerTest('lock: auto through PgBouncer transaction pooling is NOT safe: a second runner "takes" the advisory lock the first holds and applies 002 again', async (s, t) => {
  await withProject(HOLDING_PROJECT, async (p) => {
    const { holder, second, applications, successes } = await secondRunnerDuringHold(s, p, s.bouncer());
    assert.equal(holder.code, 0, holder.stderr);
    assert.equal(second.code, 0, second.stderr);
    // The second runner's pg_try_advisory_lock ran on the server connection holding the
    // first runner's lock (re-entrant there), so it never waited.
    assert.doesNotMatch(second.stderr, /waiting for the migration lock/);
    assert.match(second.stdout, /applied 002_record/);
    assert.equal(applications, 2, '002 ran twice');
    assert.equal(successes, 2);
    t.diagnostic(`pgbouncer with lock auto: 002 applied ${applications} times by 2 runners (the hazard the lease removes)`);
  });
});

bouncerTest('the same two runners through PgBouncer with ?strata_lock=lease: the second waits and 002 runs once', async (s) => {
  await withProject(HOLDING_PROJECT, async (p) => {
    const { holder, second, applications, successes } = await secondRunnerDuringHold(s, p, s.bouncer('?strata_lock=lease'));
    assert.equal(holder.code, 0, holder.stderr);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /waiting for the migration lock \(held by strata /);
    assert.doesNotMatch(second.stdout, /applied 002_record/);
    assert.equal(applications, 1);
    assert.equal(successes, 1);
  });
});

test('the docs and --help tell users behind PgBouncer transaction pooling to set the lease', async () => {
  const guide = readFileSync(join(REPO, 'docs/distributed.md'), 'utf8');
  const pgbouncer = section(guide, 'PostgreSQL behind PgBouncer');
  assert.match(pgbouncer, /transaction pooling/);
  assert.match(pgbouncer, /strata_lock=lease/);
  assert.match(pgbouncer, /lock: 'lease'/);
  assert.match(pgbouncer, /cannot be detected/);
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const paragraph = readme.split(/\n\s*\n/).find((text) => text.includes('PgBouncer'));
  assert.ok(paragraph, 'the README mentions PgBouncer');
  assert.match(paragraph, /strata_lock=lease/);
  assert.match(paragraph, /lock: 'lease'/);
  assert.match(paragraph, /docs\/distributed\.md/);
  const p = project({});
  try {
    const help = await strata(['--help'], { cwd: p.dir });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /--lock <strategy>[\s\S]*PgBouncer/);
  } finally {
    p.cleanup();
  }
});

/** The text of the `##`/`###` section whose heading starts with `title`, up to the next heading of that level or higher. */
function section(markdown: string, title: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^#{2,3} /.test(line) && line.replace(/^#+ /, '').startsWith(title));
  assert.ok(start >= 0, `docs/distributed.md has a section "${title}"`);
  const level = lines[start]!.indexOf(' ');
  const end = lines.findIndex((line, i) => i > start && /^#+ /.test(line) && line.indexOf(' ') <= level);
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}
