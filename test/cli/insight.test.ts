/**
 * `status`'s failed state, durations in `history`, `stats`, `graph` and `docs` through the real
 * `strata` binary, on every dialect of the matrix: reads create nothing; a failed run shows
 * `failed` (when, the error's first line) until a later entry says otherwise; every log entry
 * has its duration, failed ones too.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createMigrator } from '../../src/index.js';
import { openDriver } from '../../src/drivers/load-driver.js';
import { allDialects, notListed, type FreshDatabase } from '../support/dialects.js';
import { driverOptions, logEntry } from '../support/driver-fixtures.js';
import { parseMermaidFlowchart } from '../support/mermaid.js';
import { project, strata, type Project } from '../support/project.js';

const FILES = {
  '001_init.sql': '-- Create the users table\nCREATE TABLE users (id INT PRIMARY KEY);\n-- migrate:down\nDROP TABLE users;\n',
  // A syntax error in its first statement: on MySQL too it provably did nothing, so it is not left dirty.
  '002_broken.sql': '-- Add posts\nSELEC 1;\n',
  '003_later.sql': 'CREATE TABLE later (id INT PRIMARY KEY);\n-- migrate:down\nDROP TABLE later;\n',
};
const FIXED = '-- Add posts\nCREATE TABLE posts (id INT PRIMARY KEY);\n-- migrate:down\nDROP TABLE posts;\n';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

for (const dialect of allDialects()) {
  describe(`insight on ${dialect.name}`, { skip: notListed(dialect.name) }, () => {
    let db: FreshDatabase;
    let p: Project;
    const run = (...args: string[]) => strata([...args, '--db', db.url], { cwd: p.dir });

    before(async () => {
      db = await dialect.fresh();
      p = project(FILES);
    });
    after(async () => {
      await db?.drop();
      p?.cleanup();
    });

    test('status, history, stats, graph and docs on an empty database create nothing', async () => {
      for (const args of [['status', '--json'], ['history', '--json'], ['stats', '--json'], ['graph'], ['graph', '--format', 'dot'], ['docs']]) {
        const r = await run(...args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      }
      const stats = (await run('stats', '--json')).json();
      assert.deepEqual(stats, { migrations: [], totalDurationMs: 0, slowest: [] });
      if (dialect.name === 'sqlite') assert.equal(existsSync(db.url.slice('sqlite:'.length)), false, 'no SQLite file');
      const driver = await openDriver(db.url, driverOptions());
      try {
        assert.deepEqual(await driver.listObjects(), [], 'no table, view or anything else');
      } finally {
        await driver.close();
      }
    });

    test('a failed run: status shows failed, when, and the first line of its error; --exit-code 5', async () => {
      const up = await run('up');
      assert.equal(up.code, 1, up.stderr);
      const r = await run('status', '--json');
      assert.equal(r.code, 0, r.stderr);
      const doc = r.json();
      const [init, broken, later] = doc.migrations;
      assert.equal(init.state, 'applied');
      assert.equal(init.failedAt, null);
      assert.equal(init.error, null);
      assert.equal(broken.state, 'failed');
      assert.match(broken.failedAt, ISO);
      assert.match(broken.error, /002_broken\.sql failed at line 2/);
      assert.doesNotMatch(broken.error, /\n/);
      assert.equal(broken.appliedAt, null);
      assert.equal(later.state, 'pending', 'never attempted: pending, not failed');
      assert.deepEqual([doc.applied, doc.pending, doc.failed], [1, 2, 1]);
      for (const key of ['version', 'name', 'state', 'appliedAt', 'durationMs', 'outOfOrder', 'inProgress', 'failedAt', 'error']) assert.ok(key in broken, key);
      assert.equal((await run('status', '--exit-code')).code, 5);
      const human = await run('status');
      assert.match(human.stdout, /1 applied, 2 pending \(1 failed\)/);
      assert.match(human.stdout, /002\s+broken\s+failed\n\s+last attempt failed at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ: migrations\/002_broken\.sql failed at line 2/);
    });

    test('history: every entry has its duration, the failed one too', async () => {
      const doc = (await run('history', '--json')).json();
      assert.deepEqual(doc.entries.map((e: any) => `${e.version} ${e.operation} ${e.status}`), ['002 up failed', '001 up success']);
      for (const e of doc.entries) assert.ok(Number.isInteger(e.durationMs) && e.durationMs >= 0, `durationMs of ${e.version} ${e.status}: ${e.durationMs}`);
      const human = await run('history');
      assert.match(human.stdout, /up\s+failed\s+002_broken\s+\d+ ms\s+migrations\/002_broken\.sql/);
    });

    test('the first line only: a logged error of several lines', async () => {
      const driver = await openDriver(db.url, driverOptions());
      try {
        await driver.acquireLock({ timeoutMs: 5_000 });
        await driver.appendLog(logEntry({ version: '003', name: 'later', status: 'failed', error: 'first line\nsecond line', startedAt: new Date().toISOString() }));
        await driver.releaseLock();
      } finally {
        await driver.close();
      }
      const doc = (await run('status', '--json')).json();
      assert.equal(doc.migrations[2].state, 'failed');
      assert.equal(doc.migrations[2].error, 'first line');
    });

    test('a successful run clears the failed state; a roll-back leaves it pending, not failed', async () => {
      p.write('migrations/002_broken.sql', FIXED);
      const up = await run('up');
      assert.equal(up.code, 0, up.stderr);
      let doc = (await run('status', '--json')).json();
      assert.deepEqual(doc.migrations.map((m: any) => m.state), ['applied', 'applied', 'applied']);
      assert.deepEqual(doc.migrations.map((m: any) => m.failedAt), [null, null, null]);
      assert.equal(doc.failed, 0);
      assert.equal((await run('status', '--exit-code')).code, 0);
      const down = await run('down');
      assert.equal(down.code, 0, down.stderr);
      doc = (await run('status', '--json')).json();
      assert.equal(doc.migrations[2].state, 'pending', 'its latest entry is the successful down');
      assert.equal((await run('status', '--exit-code')).code, 5);
    });

    test('stats: runs, failures, last and slowest duration per migration; exactly the documented keys', async () => {
      const r = await run('stats', '--json');
      assert.equal(r.code, 0, r.stderr);
      const doc = r.json();
      assert.deepEqual(Object.keys(doc), ['migrations', 'totalDurationMs', 'slowest']);
      for (const m of doc.migrations) assert.deepEqual(Object.keys(m), ['version', 'name', 'runs', 'failures', 'lastDurationMs', 'maxDurationMs']);
      assert.deepEqual(doc.migrations.map((m: any) => [m.version, m.name, m.runs, m.failures]), [['001', 'init', 1, 0], ['002', 'broken', 2, 1], ['003', 'later', 2, 1]]);
      const broken = doc.migrations[1];
      assert.ok(broken.maxDurationMs >= broken.lastDurationMs);
      assert.equal(doc.totalDurationMs >= broken.maxDurationMs, true);
      assert.deepEqual([...doc.slowest].sort(), ['001', '002', '003']);
      const human = await run('stats');
      assert.match(human.stdout, /3 migrations, 5 runs, 2 failed/);
      assert.match(human.stdout, /slowest 3:/);
    });

    test('a migration left dirty: status says dirty, not failed; its failed log row has its duration', async () => {
      p.write('migrations/004_dirty.sql', '-- transaction: off\nCREATE TABLE d (id INT);\nSELEC 1;\n');
      assert.equal((await run('up')).code, 1);
      const doc = (await run('status', '--json')).json();
      const dirty = doc.migrations.find((m: any) => m.version === '004');
      assert.equal(dirty.state, 'dirty');
      assert.equal(dirty.failedAt, null);
      assert.equal((await run('status', '--exit-code')).code, 3, 'a problem: 3 wins over 5');
      const [latest] = (await run('history', '--json')).json().entries;
      assert.equal(`${latest.version} ${latest.status}`, '004 failed');
      assert.ok(Number.isInteger(latest.durationMs) && latest.durationMs >= 0, String(latest.durationMs));
    });
  });
}

describe('graph and docs of a project with every state (SQLite)', { skip: notListed('sqlite') }, () => {
  let p: Project;
  let url: string;
  const run = (...args: string[]) => strata([...args, '--db', url], { cwd: p.dir });

  before(async () => {
    p = project({
      '001_init.sql': '-- Create | users\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE users;\n',
      '002_irreversible.sql': '-- No way back\nCREATE TABLE audit (id INTEGER PRIMARY KEY);\n',
      '003_posts.sql': '-- depends: 001\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE posts;\n',
      '004_broken.sql': 'CREATE TABLE x (id INTEGER);\nSELECT * FROM no_such_table;\n-- migrate:down\n',
      '005_later.sql': 'CREATE TABLE later (id INTEGER);\n-- migrate:down\nDROP TABLE later;\n',
    });
    url = `sqlite:${join(p.dir, 'app.db')}`;
    assert.equal((await run('up')).code, 1);
    // Edited after it was applied: `changed`.
    p.write('migrations/003_posts.sql', '-- depends: 001\nCREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT);\n-- migrate:down\nDROP TABLE posts;\n');
  });
  after(() => p?.cleanup());

  test('mermaid (default): every state styled apart, a legend, depends and order edges', async () => {
    const r = await run('graph');
    assert.equal(r.code, 0, r.stderr);
    const parsed = parseMermaidFlowchart(r.stdout.trimEnd());
    const cls = (id: string) => [...(parsed.classesOf.get(id) ?? [])].sort().join(',');
    assert.deepEqual(['v1', 'v2', 'v3', 'v4', 'v5'].map(cls), ['applied', 'applied,irreversible', 'problem', 'failed', 'pending']);
    assert.match(parsed.nodes.get('v3')!, /changed/);
    assert.deepEqual(parsed.edges.map((e) => `${e.from}${e.arrow}${e.to}`), ['v1-->v3', 'v1-.->v2', 'v2-.->v3', 'v3-.->v4', 'v4-.->v5']);
  });

  test('--format dot --out writes the file; --json carries nodes and edges', async () => {
    const r = await run('graph', '--format', 'dot', '--out', 'graph.dot');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote graph\.dot \(5 migrations, dot\)/);
    assert.match(readFileSync(join(p.dir, 'graph.dot'), 'utf8'), /^digraph migrations \{/);
    const doc = (await run('graph', '--json')).json();
    assert.equal(doc.format, 'mermaid');
    assert.equal(doc.file, null);
    assert.deepEqual(doc.nodes.map((n: any) => [n.version, n.state, n.reversible]), [['001', 'applied', true], ['002', 'applied', false], ['003', 'changed', true], ['004', 'failed', true], ['005', 'pending', true]]);
    assert.deepEqual(doc.edges.filter((e: any) => e.kind === 'depends'), [{ from: '001', to: '003', kind: 'depends' }]);
  });

  test('--format of an unknown kind is a usage error (exit 2)', async () => {
    const r = await run('graph', '--format', 'svg');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error: .*svg/);
  });

  test('docs: the Markdown table, escaped; --out into a missing folder is exit 2 naming it', async () => {
    const r = await run('docs');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# Migrations\n/);
    assert.match(r.stdout, /\| 001 \| init \| Create \\\| users \|  \| yes \| \d{4}-\d\d-\d\dT[^|]+Z \|/);
    assert.match(r.stdout, /\| 002 \| irreversible \| No way back \|  \| no \|/);
    assert.match(r.stdout, /\| 003 \| posts \|  \| 001 \| yes \|/);
    assert.match(r.stdout, /\| 004 \| broken \|  \|  \| yes \| _failed_ \|/);
    const written = await run('docs', '--out', 'MIGRATIONS.md');
    assert.equal(written.code, 0, written.stderr);
    assert.equal(readFileSync(join(p.dir, 'MIGRATIONS.md'), 'utf8'), r.stdout);
    const missing = await run('docs', '--out', 'no/such/folder/MIGRATIONS.md');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: cannot write --out no\/such\/folder\/MIGRATIONS\.md: its folder does not exist\nhint: /);
  });

  test('the library: m.stats(), m.graph({ format }), m.docs()', async () => {
    const m = await createMigrator({ db: url, dir: join(p.dir, 'migrations') });
    try {
      const stats = await m.stats();
      assert.deepEqual(stats.migrations.map((s) => [s.version, s.runs, s.failures]), [['001', 1, 0], ['002', 1, 0], ['003', 1, 0], ['004', 1, 1]]);
      assert.ok(stats.migrations.every((s) => s.lastDurationMs !== null), 'every run has its duration, the failed one too');
      const graph = await m.graph({ format: 'dot' });
      assert.equal(graph.format, 'dot');
      assert.match(graph.text, /"v1" -> "v3";/);
      const docs = await m.docs();
      assert.equal(docs.migrations.length, 5);
      assert.equal(docs.migrations[3]!.state, 'failed');
    } finally {
      await m.close();
    }
  });
});
