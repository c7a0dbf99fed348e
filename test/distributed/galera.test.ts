/**
 * strata on a real two-node MariaDB Galera cluster (scripts/galera.sh: 127.0.0.1:3307 and
 * :3308). GET_LOCK is node-local there, so strata takes the lease (SPEC §6); these tests
 * prove it with real `strata` processes connected to both nodes: racing runners apply each
 * migration once, a runner killed while holding the lease is taken over after the lease
 * expires, and a dirty migration blocks every node. The cluster is started in `before` and
 * stopped in `after`; if it cannot be started the tests fail. Each test has its own
 * database, created on node 1 and replicated to node 2.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import mysql from 'mysql2/promise';
import { ConfigError } from '../../src/core/errors.js';
import type { Driver } from '../../src/drivers/driver.js';
import { openDriver } from '../../src/drivers/load-driver.js';
import { type CliResult, type Project, project, strata } from '../support/project.js';
import { since, startServer, stopServer } from '../support/servers.js';
import { applied, driverOptions } from '../support/driver-fixtures.js';
import { rejectsWith } from '../support/assertions.js';
import { serverTests } from '../support/dialects.js';

// Every test is skipped, with the reason, when STRATA_TEST_DIALECTS does not list the server.
const { test, before, after } = serverTests('mysql');

const PORTS = { 1: 3307, 2: 3308 } as const;
type Node = keyof typeof PORTS;

before(() => startServer('galera'), { timeout: 240_000 });
after(() => stopServer('galera'), { timeout: 120_000 });

interface Cluster {
  readonly database: string;
  /** `mysql://root@127.0.0.1:<port>/<database>` of node 1 and node 2. */
  url(node: Node): string;
  /** A raw connection to a node that reads what the other node committed (wsrep_sync_wait). */
  raw(node: Node): Promise<mysql.Connection>;
}

/** Runs `fn` in a fresh database on the cluster; closes its connections and drops the database afterwards. */
function galeraTest(name: string, fn: (cluster: Cluster, t: TestContext) => Promise<void>, timeoutMs = 120_000): void {
  test(name, { timeout: timeoutMs }, async (t) => {
    const database = `strata_g${process.pid}_${randomUUID().slice(0, 8)}`;
    const admin = await connect(1);
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
    await replicated(database);
    const raws: mysql.Connection[] = [];
    const cluster: Cluster = {
      database,
      url: (node) => `mysql://root@127.0.0.1:${PORTS[node]}/${database}`,
      async raw(node) {
        const connection = await connect(node, database);
        raws.push(connection);
        return connection;
      },
    };
    try {
      await fn(cluster, t);
    } finally {
      for (const connection of raws) connection.destroy();
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    }
  });
}

async function connect(node: Node, database?: string): Promise<mysql.Connection> {
  const connection = await mysql.createConnection({ host: '127.0.0.1', port: PORTS[node], user: 'root', database, connectTimeout: 5_000 });
  // A node applies the other node's commits a moment later: wait for them before each read.
  await connection.query('SET SESSION wsrep_sync_wait = 1');
  return connection;
}

/** Waits until node 2 has applied the CREATE DATABASE (a connection naming it fails until then). */
async function replicated(database: string): Promise<void> {
  const node2 = await connect(2);
  try {
    for (let attempt = 0; ; attempt++) {
      const [found] = await node2.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database]);
      if (found.length === 1) return;
      if (attempt === 100) throw new Error(`database ${database} did not reach node 2 within 5 s`);
      await sleep(50);
    }
  } finally {
    await node2.end();
  }
}

async function rows(connection: mysql.Connection, sql: string, params: unknown[] = []): Promise<mysql.RowDataPacket[]> {
  const [result] = await connection.query<mysql.RowDataPacket[]>(sql, params);
  return result;
}

/** `NNN_create_tNNN.sql`: a table and one row in it, so a second application would show. */
function numberedMigrations(count: number, width = 3): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= count; i++) files[`${pad(i, width)}_create_t${pad(i, width)}.sql`] = tableMigration(pad(i, width));
  return files;
}

function tableMigration(version: string): string {
  return `-- Create t${version}\nCREATE TABLE t${version} (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(20) NOT NULL);\nINSERT INTO t${version} (note) VALUES ('once');\n`;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * What the cluster recorded, read on `node`: the tracking rows, the success `up` log rows per
 * version, and the rows each migration's table holds.
 */
async function recorded(raw: mysql.Connection, versions: readonly string[]) {
  const tracking = await rows(raw, 'SELECT version, state FROM strata_migrations ORDER BY version');
  const log = await rows(raw, `SELECT version, operation, status, COUNT(*) AS n FROM strata_migrations_log GROUP BY version, operation, status ORDER BY version`);
  const counts = await rows(raw, versions.map((v) => `SELECT '${v}' AS version, COUNT(*) AS n FROM t${v}`).join(' UNION ALL '));
  return {
    tracking: tracking.map((r) => `${r.version}:${r.state}`),
    successUps: Object.fromEntries(log.filter((r) => r.operation === 'up' && r.status === 'success').map((r) => [String(r.version), Number(r.n)])),
    failed: log.filter((r) => r.status === 'failed').reduce((sum, r) => sum + Number(r.n), 0),
    other: log.filter((r) => r.operation !== 'up').map((r) => `${r.version}:${r.operation}:${r.status}:${r.n}`),
    tableRows: Object.fromEntries(counts.map((r) => [String(r.version), Number(r.n)])),
  };
}

const once = (versions: readonly string[]) => Object.fromEntries(versions.map((v) => [v, 1]));

function withProject<T>(files: Record<string, string>, fn: (p: Project) => Promise<T>): Promise<T> {
  const p = project(files);
  return fn(p).finally(() => p.cleanup());
}

// ---- the CLI on the cluster ----

galeraTest('info on either node reports engine mariadb-galera and lock lease; --lock session is exit 2 with the reason', async (cluster) => {
  await withProject({ '001_create_t001.sql': tableMigration('001') }, async (p) => {
    for (const node of [1, 2] as const) {
      const info = await strata(['info', '--json', '--db', cluster.url(node)], { cwd: p.dir });
      assert.equal(info.code, 0, info.stderr);
      const doc = info.json();
      assert.equal(doc.dialect, 'mysql');
      assert.equal(doc.engine, 'mariadb-galera');
      assert.equal(doc.lock, 'lease');
      assert.match(doc.serverVersion, /MariaDB/);
    }
    for (const command of [['up'], ['info']]) {
      const refused = await strata([...command, '--lock', 'session', '--json', '--db', cluster.url(2)], { cwd: p.dir });
      assert.equal(refused.code, 2, `${command[0]}: ${refused.stderr}`);
      const error = refused.json().error;
      assert.equal(error.code, 'config');
      assert.match(error.message, /--lock session cannot be used here: on a Galera cluster \(@@wsrep_on = ON\) GET_LOCK is local to one node/);
      assert.match(error.hint, /--lock lease/);
      assert.match(refused.stderr, /^error: --lock session cannot be used here/m);
    }
    // Nothing was created by the refused `up`.
    assert.deepEqual(await rows(await cluster.raw(2), 'SHOW TABLES'), []);
  });
});

galeraTest('20 runners split across both nodes apply each of 50 migrations exactly once, all exit 0', async (cluster, t) => {
  const RUNNERS = 20;
  const MIGRATIONS = 50;
  const files = numberedMigrations(MIGRATIONS);
  const versions = Object.keys(files).map((f) => f.slice(0, 3));
  await withProject(files, async (p) => {
    const started = performance.now();
    const runs = await Promise.all(
      Array.from({ length: RUNNERS }, (_, i) =>
        strata(['up', '--json', '--lock-timeout', '100', '--db', cluster.url(((i % 2) + 1) as Node)], { cwd: p.dir, timeoutMs: 110_000 }),
      ),
    );
    const wallMs = since(started);
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    const applied = runs.flatMap((run) => run.json().applied as string[]);
    assert.equal(applied.length, MIGRATIONS, 'as many applications across all runners as migrations');
    assert.deepEqual([...new Set(applied)].sort(), versions);
    const waited = runs.filter((run) => /waiting for the migration lock/.test(run.stderr)).length;
    assert.ok(waited >= 1, 'runners waited for the lease');

    for (const node of [1, 2] as const) {
      const seen = await recorded(await cluster.raw(node), versions);
      assert.deepEqual(seen.tracking, versions.map((v) => `${v}:applied`), `tracking rows on node ${node}`);
      assert.deepEqual(seen.successUps, once(versions), `one success log row per migration on node ${node}`);
      assert.equal(seen.failed, 0);
      assert.deepEqual(seen.tableRows, once(versions), `each migration's INSERT ran once (node ${node})`);
    }
    const lease = await rows(await cluster.raw(2), 'SELECT COUNT(*) AS n, SUM(expires_at > UTC_TIMESTAMP(3)) AS live FROM strata_migrations_lock');
    assert.equal(Number(lease[0]!.n), 1, 'one lease row');
    assert.equal(Number(lease[0]!.live), 0, 'the lease was released');
    const duplicates = applied.length - new Set(applied).size;
    const losses = versions.filter((v) => !applied.includes(v)).length;
    t.diagnostic(`galera racing: ${RUNNERS} runners (10 per node) x ${MIGRATIONS} migrations: ${applied.length} applications, ${duplicates} duplicates, ${losses} lost, ${waited} runners waited, wall ${wallMs} ms`);
  });
});

galeraTest('a runner killed (SIGKILL) holding the lease is taken over after the lease expires; its dirty migration is refused until repaired, nothing applied twice or lost', async (cluster, t) => {
  const TTL_S = 3;
  const files = numberedMigrations(10);
  delete files['006_create_t006.sql'];
  // A code migration: its table and row, then (in the runner to be killed) it says so and waits.
  files['006_create_t006.mjs'] = `export const description = 'Create t006, then hold the lease';
export async function up(db) {
  await db.exec("CREATE TABLE t006 (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(20) NOT NULL)");
  await db.exec("INSERT INTO t006 (note) VALUES ('once')");
  if (process.env.STRATA_TEST_HOLD === '1') {
    db.log('006: holding the lease');
    await new Promise((resolve) => setTimeout(resolve, 120000));
  }
}
export async function down(db) { await db.exec('DROP TABLE t006'); }
`;
  const versions = Object.keys(files).map((f) => f.slice(0, 3)).sort();
  await withProject(files, async (p) => {
    p.write('strata.config.json', JSON.stringify({ leaseTtl: TTL_S }));
    const node2 = await cluster.raw(2);

    // The holder, on node 1: applies 001-005, starts 006 and is killed inside it.
    // Two more runners, one per node, start once the holder is inside 006; when both are
    // waiting for its lease, the holder is killed.
    const kill: { at: number; holder: ChildProcess | null; waiting: number; takers: Promise<{ run: CliResult; exitedAt: number }>[] } = {
      at: 0,
      holder: null,
      waiting: 0,
      takers: [],
    };
    const killHolder = () => {
      if (kill.at || !kill.holder) return;
      kill.holder.kill('SIGKILL');
      kill.at = performance.now();
    };
    const taker = (node: Node) => {
      let waiting = false;
      return strata(['up', '--json', '--lock-timeout', '60', '--db', cluster.url(node)], {
        cwd: p.dir,
        timeoutMs: 90_000,
        onOutput(text) {
          if (waiting || !text.includes('waiting for the migration lock')) return;
          waiting = true;
          if (++kill.waiting === 2) killHolder();
        },
      }).then((run) => ({ run, exitedAt: performance.now() }));
    };
    // If the takers never wait (a bug), the holder dies anyway and the assertions say why.
    const guard = setTimeout(killHolder, 45_000);
    const holder = await strata(['up', '--db', cluster.url(1)], {
      cwd: p.dir,
      env: { STRATA_TEST_HOLD: '1' },
      timeoutMs: 90_000,
      onOutput(text, child) {
        if (kill.holder || !text.includes('006: holding the lease')) return;
        kill.holder = child;
        kill.takers = [taker(2), taker(1)];
      },
    });
    clearTimeout(guard);
    const killedAt = kill.at;
    assert.equal(holder.signal, 'SIGKILL', `the holder was killed inside 006: ${holder.stderr}`);
    assert.match(holder.stdout, /applied 005_create_t005/);

    // Right after the kill the lease is still the dead runner's, and 006 is dirty.
    const [lease] = await rows(node2, `SELECT pid, TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), expires_at) / 1000 AS ms_left FROM strata_migrations_lock`);
    const msLeftAfterKill = Math.round(Number(lease!.ms_left) + since(killedAt));
    const [dirty] = await rows(node2, `SELECT state, dirty_operation FROM strata_migrations WHERE version = '006'`);
    assert.deepEqual({ ...dirty }, { state: 'dirty', dirty_operation: 'up' });

    const exits = await Promise.all(kill.takers);
    assert.equal(kill.waiting, 2, 'both takers waited for the live holder before it was killed');
    assert.ok(lease && Number(lease.pid) > 0);
    for (const { run } of exits) {
      // Each waited for the holder's lease, took it once it expired, then refused: 006 is dirty.
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, new RegExp(`waiting for the migration lock \\(held by strata [^)]*:${lease!.pid} `));
      const error = run.json().error;
      assert.equal(error.code, 'dirty');
      assert.match(error.message, /006_create_t006\.mjs is dirty/);
      assert.match(error.hint, /repair --applied/);
    }
    const takeoverMs = Math.round(Math.min(...exits.map((e) => e.exitedAt)) - killedAt);
    // Not before the lease expired (it had msLeftAfterKill to run), and soon after it did.
    assert.ok(takeoverMs >= msLeftAfterKill - 250, `taken over after ${takeoverMs} ms, but the lease had ${msLeftAfterKill} ms left`);
    assert.ok(takeoverMs <= TTL_S * 1000 + 6_000, `taken over only after ${takeoverMs} ms (TTL ${TTL_S} s)`);

    // 006 ran its two statements before the kill: the user says it is finished.
    const repair = await strata(['repair', '--applied', '006', '--yes', '--json', '--db', cluster.url(2)], { cwd: p.dir });
    assert.equal(repair.code, 0, repair.stderr);
    const up = await strata(['up', '--json', '--db', cluster.url(1)], { cwd: p.dir });
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(up.json().applied, ['007', '008', '009', '010']);
    const again = await strata(['up', '--json', '--db', cluster.url(2)], { cwd: p.dir });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json().status, 'up-to-date');

    for (const node of [1, 2] as const) {
      const seen = await recorded(await cluster.raw(node), versions);
      assert.deepEqual(seen.tracking, versions.map((v) => `${v}:applied`), `node ${node}`);
      // 006's success was never logged (its runner died); the repair was.
      assert.deepEqual(seen.successUps, once(versions.filter((v) => v !== '006')), `node ${node}`);
      assert.deepEqual(seen.other, ['006:repair:success:1']);
      assert.equal(seen.failed, 0);
      assert.deepEqual(seen.tableRows, once(versions), `every table holds its one row: nothing lost, nothing twice (node ${node})`);
    }
    t.diagnostic(`galera takeover: TTL ${TTL_S} s, lease had ${msLeftAfterKill} ms left at the kill, taken over ${takeoverMs} ms after SIGKILL; 0 duplicates, 0 lost (006 dirty until repair --applied)`);
  });
});

galeraTest('a migration failing at its second statement leaves it dirty on BOTH nodes, and up is refused on both', async (cluster) => {
  const files = {
    '001_create_t001.sql': tableMigration('001'),
    '002_create_t002.sql': '-- Create t002 twice\nCREATE TABLE t002 (id INT PRIMARY KEY);\nCREATE TABLE t002 (id INT PRIMARY KEY);\n',
  };
  await withProject(files, async (p) => {
    const failed = await strata(['up', '--json', '--db', cluster.url(1)], { cwd: p.dir });
    assert.equal(failed.code, 1, failed.stderr);
    const error = failed.json().error;
    assert.equal(error.code, 'migration-failed');
    assert.equal(error.file, 'migrations/002_create_t002.sql');
    assert.equal(error.line, 3);
    assert.match(error.hint, /recorded dirty/);
    assert.deepEqual(failed.json().applied, ['001']);

    for (const node of [1, 2] as const) {
      const [row] = await rows(await cluster.raw(node), `SELECT state, dirty_operation, statements_done FROM strata_migrations WHERE version = '002'`);
      assert.deepEqual({ ...row }, { state: 'dirty', dirty_operation: 'up', statements_done: 1 }, `the dirty row on node ${node}`);
      const status = await strata(['status', '--json', '--db', cluster.url(node)], { cwd: p.dir });
      assert.equal(status.code, 0, status.stderr);
      assert.deepEqual(status.json().migrations.map((m: { version: string; state: string }) => `${m.version}:${m.state}`), ['001:applied', '002:dirty']);
      const up = await strata(['up', '--json', '--db', cluster.url(node)], { cwd: p.dir });
      assert.equal(up.code, 3, `up on node ${node}: ${up.stderr}`);
      assert.equal(up.json().error.code, 'dirty');
      assert.match(up.json().error.message, /002_create_t002\.sql is dirty/);
    }
  });
});

// ---- the driver on the cluster (moved here from test/drivers/mysql.test.ts: one file owns the cluster) ----

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

galeraTest('Galera: detected from @@wsrep_on; auto takes the lease; --lock session is refused', async (cluster) => {
  const drivers: Driver[] = [];
  try {
    const auto = await openDriver(cluster.url(1), driverOptions());
    drivers.push(auto);
    assert.deepEqual(await auto.describe().then((d) => [d.engine, d.lock]), ['mariadb-galera', 'lease']);
    const session = await openDriver(cluster.url(2), driverOptions({ lock: 'session' }));
    drivers.push(session);
    await rejectsWith(session.acquireLock({ timeoutMs: 100 }), ConfigError, 'config');
  } finally {
    for (const driver of drivers) await driver.close();
  }
});

galeraTest('Galera: runs connected to different nodes take the lease one at a time', async (cluster) => {
  const drivers: Driver[] = [];
  try {
    for (let i = 0; i < 8; i++) drivers.push(await openDriver(cluster.url(((i % 2) + 1) as Node), driverOptions({ runId: `run-${i}`, leaseTtlMs: 5000 })));
    let inside = 0;
    let most = 0;
    let finished = 0;
    // All start together, before the lock table exists: its creation races too.
    await Promise.all(
      drivers.map(async (driver, i) => {
        await driver.acquireLock({ timeoutMs: 30_000 });
        most = Math.max(most, ++inside);
        // The new holder sees every row the earlier ones committed, on whichever node they did
        // (a node applies other nodes' commits late: strata turns on wsrep_sync_wait).
        assert.equal((await driver.readApplied())?.length ?? 0, finished);
        await driver.ensureTracking();
        await sleep(50);
        await driver.begin();
        await driver.writeApplied(applied(String(i).padStart(3, '0')));
        await driver.commit();
        inside--;
        finished++;
        await driver.releaseLock();
      }),
    );
    assert.equal(most, 1);
    assert.equal((await drivers[1]!.readApplied())?.length, 8);
  } finally {
    for (const driver of drivers) await driver.close();
  }
});

galeraTest('Galera: a run reads the tracking table causally, seeing what another node committed', async (cluster) => {
  const drivers: Driver[] = [];
  // Without wsrep_sync_wait: this connection must not wait for anything itself.
  const node2 = await mysql.createConnection({ uri: cluster.url(2) });
  try {
    const writer = await openDriver(cluster.url(1), driverOptions());
    const reader = await openDriver(cluster.url(2), driverOptions());
    drivers.push(writer, reader);
    await writer.acquireLock({ timeoutMs: 5000 });
    await writer.ensureTracking();
    assert.equal((await reader.describe()).engine, 'mariadb-galera');
    assert.deepEqual(await reader.readApplied(), []);
    // Node 2 stops applying what other nodes commit until UNLOCK TABLES.
    await node2.query('FLUSH TABLES WITH READ LOCK');
    await writer.writeApplied(applied('001'));
    const unlock = sleep(500).then(() => node2.query('UNLOCK TABLES'));
    // Without wsrep_sync_wait this would read node 2's stale copy at once: [].
    assert.deepEqual((await reader.readApplied())?.map((r) => r.version), ['001']);
    await unlock;
  } finally {
    await node2.query('UNLOCK TABLES').catch(() => undefined);
    node2.destroy();
    for (const driver of drivers) await driver.close();
  }
});
