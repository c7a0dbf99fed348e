/** Ctrl-C during a run: the migration in progress rolls back, no half record, exit 130. */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { allDialects, notListed, type DialectName } from '../support/dialects.js';
import { createMigrator } from '../../src/index.js';
import { BIN, project, signalWhen, strata, type Project } from '../support/project.js';

describe('signals', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    test(`${signal} during a migration rolls it back, keeps earlier ones and exits ${code}`, async () => {
      const p = project({
        '001_a.sql': '-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n',
        '002_slow.ts': `export async function up(db) {\n  await db.exec('CREATE TABLE slow (id INTEGER)');\n  db.log('slow migration running');\n  await new Promise((r) => setTimeout(r, 1500));\n  await db.exec('INSERT INTO slow VALUES (1)');\n}\nexport async function down(db) { await db.exec('DROP TABLE slow'); }\n`,
      });
      try {
        const file = join(p.dir, 'app.db');
        const r = await strata(['up', '--db', `sqlite:${file}`], { cwd: p.dir, onOutput: signalWhen('slow migration running', signal) });
        assert.equal(r.code, code, r.stderr);
        assert.match(r.stderr, new RegExp(`strata: ${signal} received`));
        assert.match(r.stderr, /^error: stopped during migrations\/002_slow\.ts: it was rolled back/m);
        const db = new Database(file, { readonly: true });
        const rows = db.prepare('SELECT version, state FROM strata_migrations ORDER BY version').all();
        assert.deepEqual(rows, [{ version: '001', state: 'applied' }], 'no half record of 002');
        assert.equal(db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'slow'`).get(), undefined, 'its table was rolled back');
        const failed = db.prepare(`SELECT version, status FROM strata_migrations_log ORDER BY id DESC LIMIT 1`).get();
        assert.deepEqual(failed, { version: '002', status: 'failed' });
        assert.equal(db.prepare('SELECT count(*) AS n FROM strata_migrations_lock').get() && (db.prepare('SELECT count(*) AS n FROM strata_migrations_lock').get() as { n: number }).n, 0, 'the lock was released');
        db.close();
      } finally {
        p.cleanup();
      }
    });
  }

  test('SIGINT during a long run of plain SQL migrations stops it early, with every applied migration recorded', async () => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= 3000; i++) files[`${String(i).padStart(4, '0')}_t${i}.sql`] = `CREATE TABLE t${i} (id INTEGER PRIMARY KEY);\nINSERT INTO t${i} (id) VALUES (1);\n`;
    const p = project(files);
    try {
      const file = join(p.dir, 'app.db');
      const r = await strata(['up', '--db', `sqlite:${file}`], { cwd: p.dir, onOutput: signalWhen('applied 0010_t10', 'SIGINT') });
      assert.equal(r.code, 130, r.stderr);
      const db = new Database(file, { readonly: true });
      const recorded = (db.prepare('SELECT count(*) AS n FROM strata_migrations').get() as { n: number }).n;
      const tables = (db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name GLOB 't[0-9]*'`).get() as { n: number }).n;
      db.close();
      assert.ok(recorded < 3000, `the signal was handled before the end (${recorded} applied)`);
      assert.equal(tables, recorded, 'every table that exists has its tracking row, and no more');
    } finally {
      p.cleanup();
    }
  });
});

/**
 * A statement that runs for seconds, cancelled by the signal on servers. SQLite's cannot be
 * cancelled: about a second on a quiet machine (2,000,000 rows took a quarter of one, too short
 * for --migration-timeout 0.5).
 */
const LONG: Record<DialectName, string> = {
  sqlite: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 8000000) SELECT count(*) AS n FROM c',
  postgres: 'SELECT pg_sleep(20)',
  mysql: 'SELECT SLEEP(20)',
};

const A = '-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n';
const C = '-- migrate:up\nCREATE TABLE c (id INTEGER);\n-- migrate:down\nDROP TABLE c;\n';

/** What strata itself reports of a database (through the library, in-process: fast): tracking states, the log, the tables. */
async function inspect(p: Project, url: string) {
  const m = await createMigrator({ db: url, dir: p.migrations });
  try {
    const status = await m.status();
    const history = await m.history();
    const info = await m.info();
    return {
      states: status.migrations.map((x) => `${x.version}:${x.state}`),
      problems: status.problems.map((x) => x.message),
      log: history.entries.map((e) => `${e.version}:${e.status}`).reverse(),
      tables: info.tables.map((t) => t.name).filter((t) => !t.startsWith('strata_')).sort(),
    };
  } finally {
    await m.close();
  }
}

/**
 * The signal matrix: SIGINT/SIGTERM × where the run is × every dialect. In every case: exit
 * 130/143, nothing committed after the signal, and the `failed` log row and the message
 * belong to the migration actually in flight.
 */
for (const dialect of allDialects()) {
  const transactional = dialect.name !== 'mysql';
  describe(`signals on ${dialect.name}`, { skip: notListed(dialect.name) }, () => {
    test('--migration-timeout ends a long statement: the migration fails (exit 1), rolled back or left dirty with its progress', async () => {
      const db = await dialect.fresh();
      const p = project({
        '001_a.sql': A,
        '002_long.ts': `export async function up(db) {\n  await db.exec('CREATE TABLE w (id INTEGER)');\n  await db.query(${JSON.stringify(LONG[dialect.name])});\n}\nexport async function down(db) { await db.exec('DROP TABLE w'); }\n`,
      });
      try {
        const r = await strata(['up', '--db', db.url, '--migration-timeout', '0.5'], { cwd: p.dir });
        assert.equal(r.code, 1, r.stderr);
        const seen = await inspect(p, db.url);
        if (transactional) {
          assert.match(r.stderr, /^error: migrations\/002_long\.ts did not finish within 0\.5 s \(migrationTimeout\): it was rolled back/m);
          assert.deepEqual(seen.states, ['001:applied', '002:failed']);
          assert.deepEqual(seen.tables, ['a']);
        } else {
          assert.match(r.stderr, /^error: migrations\/002_long\.ts did not finish within 0\.5 s \(migrationTimeout\): it is left dirty with [12] statements? done/m);
          assert.deepEqual(seen.states, ['001:applied', '002:dirty']);
        }
        assert.deepEqual(seen.log, ['001:success', '002:failed']);
      } finally {
        p.cleanup();
        await db.drop();
      }
    });

    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const run = async (files: Record<string, string>, marker: string, check: (r: Awaited<ReturnType<typeof strata>>, seen: Awaited<ReturnType<typeof inspect>>) => void) => {
        const db = await dialect.fresh();
        const p = project(files);
        try {
          const started = Date.now();
          const r = await strata(['up', '--db', db.url], { cwd: p.dir, onOutput: signalWhen(marker, signal) });
          assert.equal(r.code, code, r.stderr);
          assert.ok(Date.now() - started < 15_000, 'stopped at once, not after the statement or the await');
          check(r, await inspect(p, db.url));
        } finally {
          p.cleanup();
          await db.drop();
        }
      };

      test(`${signal} while a code migration awaits after its last statement: it is not committed, the next one never starts`, async () => {
        await run({
          '001_a.sql': A,
          '002_wait.ts': `export async function up(db) {\n  await db.exec('CREATE TABLE w (id INTEGER)');\n  db.log('MARK awaiting');\n  await new Promise((r) => setTimeout(r, 1500));\n}\nexport async function down(db) { await db.exec('DROP TABLE w'); }\n`,
          '003_c.sql': C,
        }, 'MARK awaiting', (r, seen) => {
          if (transactional) {
            assert.match(r.stderr, /^error: stopped during migrations\/002_wait\.ts: it was rolled back/m);
            assert.deepEqual(seen.states, ['001:applied', '002:failed', '003:pending']);
            assert.deepEqual(seen.tables, ['a']);
          } else {
            assert.match(r.stderr, /^error: stopped during migrations\/002_wait\.ts: it is left dirty with 1 statement done/m);
            assert.deepEqual(seen.states, ['001:applied', '002:dirty', '003:pending']);
            assert.deepEqual(seen.tables, ['a', 'w']);
          }
          assert.deepEqual(seen.log, ['001:success', '002:failed'], 'no failed row for 003, which never started');
        });
      });

      test(`${signal} during a long statement stops the migration it belongs to`, async () => {
        await run({
          '001_a.sql': A,
          '002_long.ts': `export async function up(db) {\n  await db.exec('CREATE TABLE w (id INTEGER)');\n  db.log('MARK long');\n  await db.query(${JSON.stringify(LONG[dialect.name])});\n}\nexport async function down(db) { await db.exec('DROP TABLE w'); }\n`,
          '003_c.sql': C,
        }, 'MARK long', (r, seen) => {
          assert.match(r.stderr, /^error: stopped during migrations\/002_long\.ts: /m);
          if (transactional) {
            assert.deepEqual(seen.states, ['001:applied', '002:failed', '003:pending']);
            assert.deepEqual(seen.tables, ['a']);
          } else {
            assert.match(r.stderr, /it is left dirty with [12] statements? done/);
            assert.deepEqual(seen.states, ['001:applied', '002:dirty', '003:pending']);
          }
          assert.deepEqual(seen.log, ['001:success', '002:failed']);
        });
      });

      test(`${signal} after a migration was applied, before the next one ran a statement: the first stays, the next is not recorded`, async () => {
        await run({
          '001_a.sql': A,
          // "applied 001_a" is printed only once 001 commits, which on SQLite is with 002's group:
          // the marker is 002's own first line, before it runs any statement.
          '002_late.ts': `export async function up(db) {\n  db.log('MARK late');\n  await new Promise((r) => setTimeout(r, 2000));\n  await db.exec('CREATE TABLE late (id INTEGER)');\n}\nexport async function down(db) { await db.exec('DROP TABLE late'); }\n`,
        }, 'MARK late', (r, seen) => {
          assert.match(r.stderr, /^error: stopped during migrations\/002_late\.ts: /m);
          assert.deepEqual(seen.states, ['001:applied', '002:failed'], 'no dirty row for a migration that ran nothing: its attempt failed');
          assert.deepEqual(seen.tables, ['a']);
        });
      });

      test(`${signal} while waiting for another run's lock exits ${code} at once`, async () => {
        const db = await dialect.fresh();
        const p = project({ '001_hold.ts': `export async function up(db) {\n  db.log('MARK holding');\n  await new Promise((r) => setTimeout(r, 20000));\n}\nexport async function down() {}\n` });
        let holder: ChildProcess | undefined;
        try {
          const holding = strata(['up', '--db', db.url], { cwd: p.dir, onOutput: (text, child) => { holder = child; if (text.includes('MARK holding')) waiter(); } });
          let waiter!: () => void;
          await new Promise<void>((resolve) => (waiter = resolve));
          const started = Date.now();
          const r = await strata(['up', '--db', db.url], { cwd: p.dir, onOutput: signalWhen('waiting for the migration lock', signal) });
          assert.equal(r.code, code, r.stderr);
          assert.ok(Date.now() - started < 10_000, 'did not wait for the lock timeout');
          assert.doesNotMatch(r.stderr, /could not get the migration lock/);
          holder!.kill('SIGKILL');
          await holding;
        } finally {
          holder?.kill('SIGKILL');
          p.cleanup();
          await db.drop();
        }
      });

      if (dialect.name !== 'sqlite') {
        test(`${signal} while connecting to a server that never answers exits ${code} at once`, async () => {
          const sockets: Socket[] = [];
          let child: ChildProcess | undefined;
          const server = createServer((socket) => {
            sockets.push(socket);
            child?.kill(signal);
          });
          await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
          const port = (server.address() as { port: number }).port;
          const p = project({ '001_a.sql': A });
          try {
            const url = dialect.name === 'postgres' ? `postgres://postgres@127.0.0.1:${port}/x` : `mysql://root@127.0.0.1:${port}/x`;
            const started = Date.now();
            const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
              // A connect timeout far above "at once", so a slow start on a loaded machine is not
              // mistaken for waiting it out.
              child = spawn(process.execPath, [BIN, 'up', '--db', url, '--connect-timeout', '120'], { cwd: p.dir, stdio: ['ignore', 'pipe', 'pipe'] });
              let stderr = '';
              child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
              child.on('close', (exit) => resolve({ code: exit, stderr }));
            });
            assert.equal(result.code, code, result.stderr);
            assert.ok(Date.now() - started < 60_000, `stopped at once, not after the 120 s connect timeout (${Date.now() - started} ms)`);
          } finally {
            for (const socket of sockets) socket.destroy();
            server.close();
            p.cleanup();
          }
        });
      }
    }
  });
}

/**
 * A migration's own code shares strata's process: process.exit, an unhandled rejection, a
 * promise that never settles. Each fails that migration (exit 1, one `error:` line naming its
 * file), and the migration is rolled back; it never ends strata silently.
 */
describe('a migration that would end the process', () => {
  const crash = async (name: string, up: string, extra: string[] = []) => {
    const p = project({ '001_a.sql': A, [name]: `export async function up(db) {\n${up}\n}\nexport async function down() {}\n` });
    try {
      const url = `sqlite:${join(p.dir, 'app.db')}`;
      const r = await strata(['up', '--db', url, ...extra], { cwd: p.dir, timeoutMs: 30_000 });
      return { r, seen: await inspect(p, url) };
    } finally {
      p.cleanup();
    }
  };
  const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('error:'));

  test('process.exit(0) in a migration: exit 1 naming the file and line, the migration rolled back', async () => {
    const { r, seen } = await crash('002_exit.ts', "  await db.exec('CREATE TABLE e (id INTEGER)');\n  process.exit(0);");
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: migrations\/002_exit\.ts failed at line 3: process\.exit\(0\) was called while a migration ran/m);
    assert.deepEqual(seen.states, ['001:applied', '002:failed']);
    assert.deepEqual(seen.tables, ['a']);
    assert.deepEqual(seen.log, ['001:success', '002:failed']);
  });

  test('process.exit(0) from a timer a migration set: exit 1 naming the migration, rolled back', async () => {
    const { r, seen } = await crash('002_exit.ts', "  await db.exec('CREATE TABLE e (id INTEGER)');\n  setTimeout(() => process.exit(0), 10);\n  await new Promise((r) => setTimeout(r, 3000));");
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(errorLines(r.stderr), ['error: migrations/002_exit.ts failed: process.exit(0) was called while a migration ran; strata stops the run instead of exiting (stopped during migrations/002_exit.ts: it was rolled back)']);
    assert.deepEqual(seen.states, ['001:applied', '002:failed']);
    assert.deepEqual(seen.tables, ['a']);
  });

  test('a promise that never settles (nothing left running): exit 1 naming the migration, rolled back', async () => {
    const { r, seen } = await crash('002_never.ts', "  await db.exec('CREATE TABLE n (id INTEGER)');\n  await new Promise(() => {});");
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: migrations\/002_never\.ts failed: a migration awaits a promise that can never settle .*it was rolled back/m);
    assert.deepEqual(seen.states, ['001:applied', '002:failed']);
    assert.deepEqual(seen.tables, ['a']);
  });

  test('a promise that never settles while a timer runs: --migration-timeout fails it (exit 1), rolled back', async () => {
    const started = Date.now();
    const { r, seen } = await crash('002_hang.ts', "  await db.exec('CREATE TABLE h (id INTEGER)');\n  setInterval(() => {}, 1000);\n  await new Promise(() => {});", ['--migration-timeout', '1']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: migrations\/002_hang\.ts did not finish within 1 s \(migrationTimeout\): it was rolled back/m);
    assert.ok(Date.now() - started < 20_000);
    assert.deepEqual(seen.states, ['001:applied', '002:failed']);
    assert.deepEqual(seen.tables, ['a']);
    assert.deepEqual(seen.log, ['001:success', '002:failed']);
  });

  test('an unhandled rejection in a migration: one error line naming it, no stack trace, rolled back', async () => {
    const { r, seen } = await crash('002_reject.ts', "  Promise.reject(new Error('boom'));\n  await db.exec('CREATE TABLE u (id INTEGER)');");
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(errorLines(r.stderr), ['error: migrations/002_reject.ts failed: a promise rejected and nothing awaited it: boom (stopped during migrations/002_reject.ts: it was rolled back)']);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no raw stack trace');
    assert.deepEqual(seen.states, ['001:applied', '002:failed']);
    assert.deepEqual(seen.tables, ['a']);
  });
});
