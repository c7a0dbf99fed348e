/**
 * The whole life-cycle through the real `strata` binary, on every dialect of the matrix:
 * status → up → status → down → redo → history → info → baseline / mark / unmark → repair → reset.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { allDialects, notListed, type FreshDatabase } from '../support/dialects.js';
import { project, strata, type Project } from '../support/project.js';

for (const dialect of allDialects()) {
  describe(`workflow on ${dialect.name}`, { skip: notListed(dialect.name) }, () => {
    let db: FreshDatabase;
    let p: Project;
    const run = (...args: string[]) => strata([...args, '--db', db.url], { cwd: p.dir });

    before(async () => {
      db = await dialect.fresh();
      p = project('basic');
    });
    after(async () => {
      await db.drop();
      p.cleanup();
    });

    test('status on an empty database lists every migration pending and creates nothing', async () => {
      const r = await run('status', '--json');
      assert.equal(r.code, 0, r.stderr);
      const doc = r.json();
      assert.deepEqual(doc.migrations.map((m: any) => [m.version, m.name, m.state]), [
        ['001', 'create_users', 'pending'],
        ['002', 'create_posts', 'pending'],
        ['003', 'add_email', 'pending'],
      ]);
      assert.equal(doc.applied, 0);
      assert.equal(doc.pending, 3);
      assert.deepEqual(doc.problems, []);
      assert.equal(doc.lock, null);
      const exitCode = await run('status', '--exit-code');
      assert.equal(exitCode.code, 5, 'pending migrations: --exit-code is 5');
      const history = await run('history', '--json');
      assert.deepEqual(history.json().entries, [], 'no tracking tables were created by reads');
    });

    test('plan prints the SQL that up would run, without running it', async () => {
      const r = await run('plan', '--json');
      assert.equal(r.code, 0, r.stderr);
      const doc = r.json();
      assert.equal(doc.dryRun, true);
      assert.deepEqual(doc.plan.map((s: any) => s.version), ['001', '002', '003']);
      assert.match(doc.plan[0].sql, /CREATE TABLE users/);
      assert.equal(doc.plan[2].sql, null, 'a code migration has no SQL to show');
      assert.equal((await run('status', '--json')).json().applied, 0);
    });

    test('up applies all pending migrations in order and reports them', async () => {
      const r = await run('up', '--json');
      assert.equal(r.code, 0, r.stderr);
      const doc = r.json();
      assert.equal(doc.status, 'migrated');
      assert.deepEqual(doc.applied, ['001', '002', '003']);
      assert.equal(doc.count, 3);
      assert.equal(typeof doc.durationMs, 'number');
      const status = (await run('status', '--json')).json();
      assert.deepEqual(status.migrations.map((m: any) => m.state), ['applied', 'applied', 'applied']);
      assert.match(status.migrations[0].appliedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      assert.equal((await run('status', '--exit-code')).code, 0);
    });

    test('up again is a no-op that reports up-to-date', async () => {
      const r = await run('up', '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json(), { ...r.json(), status: 'up-to-date', applied: [], count: 0 });
      const human = await run('up');
      assert.match(human.stdout, /up to date/);
    });

    test('info names the dialect and counts the rows of the migrated tables', async () => {
      const r = await run('info', '--json');
      assert.equal(r.code, 0, r.stderr);
      const doc = r.json();
      assert.equal(doc.dialect, dialect.name);
      assert.equal(doc.currentVersion, '003');
      assert.ok(doc.serverVersion.length > 0);
      const users = doc.tables.find((t: any) => t.name === 'users');
      assert.ok(users, 'users table is listed');
      if (dialect.name === 'sqlite') assert.deepEqual(users, { name: 'users', rows: 1, estimated: false });
      else assert.equal(users.estimated, true);
    });

    test('down rolls back the most recent migration, and the schema change is undone', async () => {
      const r = await run('down', '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json().rolledBack, ['003']);
      const status = (await run('status', '--json')).json();
      assert.deepEqual(status.migrations.map((m: any) => m.state), ['applied', 'applied', 'pending']);
      const up = await run('up', '--json');
      assert.deepEqual(up.json().applied, ['003'], 'the column can be added again: down really dropped it');
    });

    test('down --dry-run shows the down SQL and changes nothing', async () => {
      const r = await run('down', '--steps', '2', '--dry-run', '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json().plan.map((s: any) => s.version), ['003', '002']);
      assert.match(r.json().plan[1].sql, /DROP TABLE posts/);
      assert.equal((await run('status', '--json')).json().applied, 3);
    });

    test('redo rolls back and re-applies the most recent migration', async () => {
      const r = await run('redo', '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json().rolledBack, ['003']);
      assert.deepEqual(r.json().applied, ['003']);
    });

    test('history lists every operation newest first', async () => {
      const r = await run('history', '--json', '--limit', '50');
      assert.equal(r.code, 0, r.stderr);
      const entries = r.json().entries;
      assert.deepEqual(entries.slice(0, 2).map((e: any) => [e.version, e.operation, e.status]), [
        ['003', 'up', 'success'],
        ['003', 'down', 'success'],
      ]);
      assert.equal(entries.filter((e: any) => e.operation === 'up').length, 5);
      for (const e of entries) assert.match(e.startedAt, /Z$/);
    });

    test('down --target keeps the target and rolls back everything after it', async () => {
      const r = await run('down', '--target', '001', '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json().rolledBack, ['003', '002']);
      assert.deepEqual((await run('status', '--json')).json().migrations.map((m: any) => m.state), ['applied', 'pending', 'pending']);
    });

    test('up --target applies up to and including the target', async () => {
      const r = await run('up', '--target', '002', '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json().applied, ['002']);
      const again = await run('up', '--target', '002', '--json');
      assert.equal(again.code, 0);
      assert.equal(again.json().status, 'up-to-date');
      const unknown = await run('up', '--target', '999');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /^error: target 999 is not a known migration/m);
    });

    test('down --all rolls back everything', async () => {
      const r = await run('down', '--all', '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json().rolledBack, ['002', '001']);
      assert.equal((await run('status', '--json')).json().applied, 0);
    });

    test('baseline records the prefix as applied without running it; mark-applied and unmark record one', async () => {
      const baseline = await run('baseline', '002', '--json');
      assert.equal(baseline.code, 0, baseline.stderr);
      assert.deepEqual(baseline.json(), { baselined: ['001', '002'] });
      const info = (await run('info', '--json')).json();
      assert.equal(info.tables.find((t: any) => t.name === 'users'), undefined, 'baseline ran nothing');
      const unmark = await run('unmark', '002', '--json');
      assert.deepEqual(unmark.json(), { unmarked: '002' });
      const unmarkDependency = await run('unmark', '001');
      assert.equal(unmarkDependency.code, 0, 'nothing applied depends on 001 once 002 is unmarked (003 is pending)');
      const markNeedsDependency = await run('mark-applied', '003');
      assert.equal(markNeedsDependency.code, 3);
      assert.match(markNeedsDependency.stderr, /depends on migrations that are not applied: 001_create_users/);
      assert.deepEqual((await run('mark-applied', '001', '--json')).json(), { marked: '001' });
      const history = (await run('history', '--json')).json().entries.map((e: any) => e.operation);
      assert.deepEqual(history.slice(0, 5), ['mark', 'unmark', 'unmark', 'baseline', 'baseline']);
      assert.equal((await run('unmark', '001')).code, 0);
      const again = await run('unmark', '001');
      assert.equal(again.code, 2, '001 is not applied any more');
      assert.match(again.stderr, /^error: 001_create_users is not applied/m);
    });

    test('reset drops everything, keeps the log and applies all migrations again', async () => {
      assert.equal((await run('up')).code, 0);
      const p2 = await run('reset', '--json');
      assert.equal(p2.code, 2, 'reset asks; without a TTY and without --yes it is exit 2');
      assert.equal(p2.json().error.code, 'confirmation-required');
      const r = await run('reset', '--yes', '--json');
      assert.equal(r.code, 0, r.stderr);
      const doc = r.json();
      assert.deepEqual(doc.applied, ['001', '002', '003']);
      assert.ok(doc.dropped.some((o: any) => o.name === 'users'));
      assert.ok(!doc.dropped.some((o: any) => String(o.name).startsWith('strata_migrations')), 'tracking tables are not dropped');
      const history = (await run('history', '--json', '--limit', '1000')).json().entries;
      assert.ok(history.some((e: any) => e.operation === 'reset'));
      assert.ok(history.length > 10, 'the log was kept');
    });

    test('reset is refused in a protected environment unless --force', async () => {
      p.write('strata.config.json', JSON.stringify({ environments: { prod: { db: db.url } } }));
      try {
        const refused = await strata(['reset', '--env', 'prod', '--yes'], { cwd: p.dir });
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, /^error: reset refused: environment "prod" is protected/m);
        assert.equal((await strata(['up', '--env', 'prod'], { cwd: p.dir })).code, 0);
        const remembered = await run('reset', '--yes');
        assert.equal(remembered.code, 0, 'a run under prod did not change anything, so nothing was recorded as protected yet');
      } finally {
        p.remove('strata.config.json');
      }
    });
  });
}
