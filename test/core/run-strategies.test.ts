// The run strategies on the in-memory driver: what commits, what is said applied, and which
// error the user gets — for each strategy and fault, in milliseconds and without a server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AbortError, StrataError } from '../../src/core/errors.js';
import type { StrataEvent } from '../../src/core/events.js';
import type { LoadedMigration, MigrationFn } from '../../src/core/model.js';
import { runPlan, type RunContext } from '../../src/core/run.js';
import { MemoryDbError, MemoryDriver } from '../support/memory-driver.js';

function sql(version: string, text: string, meta: { transaction?: boolean } = {}): LoadedMigration {
  const file = `migrations/${version}_m.sql`;
  return {
    key: version, version, name: 'm', id: `${version}_m`, kind: 'sql', file, checksum: 'c'.repeat(64),
    meta: { description: null, depends: [], transaction: meta.transaction ?? true },
    up: { type: 'sql', script: { sql: text, file, startLine: 1 } },
    down: null, irreversibleReason: 'none', precheck: null, verify: null,
  };
}

function code(version: string, fn: MigrationFn): LoadedMigration {
  return { ...sql(version, ''), kind: 'code', file: `migrations/${version}_m.ts`, up: { type: 'code', fn } };
}

function context(driver: MemoryDriver, signal?: AbortSignal) {
  const events: StrataEvent[] = [];
  const ctx: RunContext = {
    driver, runId: 'run-1', appliedBy: 'test', dir: null, readFile: () => assert.fail('no file is read'), signal, emit: (event) => events.push(event),
    ddlRetries: 0, now: () => new Date('2026-01-01T00:00:00Z'), logDetail: null, migrationTimeoutMs: 0, redact: (text) => text,
  };
  const done = () => events.filter((e) => e.type === 'migration-done').map((e) => (e as { version: string }).version);
  const logLines = () => events.filter((e) => e.type === 'log').map((e) => (e as { message: string }).message);
  return { ctx, events, done, logLines };
}

const up = (ctx: RunContext, migrations: LoadedMigration[], atomic = false) => runPlan(ctx, 'up', migrations.map((migration) => ({ migration, row: null })), { atomic });

async function failure(promise: Promise<unknown>): Promise<StrataError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof StrataError, `a StrataError, not ${String(error)}`);
    return error;
  }
  assert.fail('the run succeeded');
}

const three = () => [sql('001', 'CREATE TABLE a (x INT);'), sql('002', 'CREATE TABLE b (x INT);'), sql('003', 'CREATE TABLE c (x INT);')];

describe('one transaction per migration', () => {
  test('each migration commits with its row; a failure rolls back only itself and gets a failed log row', async () => {
    const driver = new MemoryDriver().failStatement(/TABLE b/);
    const { ctx, done } = context(driver);
    const error = await failure(up(ctx, three()));
    assert.equal(error.migration, '002_m');
    assert.deepEqual(error.applied, ['001']);
    assert.deepEqual(done(), ['001']);
    assert.deepEqual(driver.appliedVersions, ['001']);
    assert.deepEqual(driver.committed.effects, ['CREATE TABLE a (x INT)']);
    assert.deepEqual(driver.committed.log.map((e) => `${e.version} ${e.status}`), ['001 success', '002 failed']);
    assert.equal(driver.calls.filter((c) => c === 'commit').length, 2, 'one commit for 001, one for the failed log row');
  });
});

describe('a ROLLBACK that fails too', () => {
  test('the failure is still the error thrown; the rollback\'s error is said in a log line', async () => {
    const driver = new MemoryDriver().failStatement(/TABLE b/).failRollback(1);
    const { ctx, done, logLines } = context(driver);
    const error = await failure(up(ctx, three()));
    assert.equal(error.migration, '002_m');
    assert.match(error.message, /injected failure of statement/);
    assert.doesNotMatch(error.message, /ROLLBACK/);
    assert.ok(logLines().includes('could not roll back the transaction: injected failure of ROLLBACK 1'), logLines().join('\n'));
    assert.deepEqual(done(), ['001']);
    // The transaction left open is rolled back when the run ends, and the failed log row still written.
    assert.deepEqual(driver.committed.effects, ['CREATE TABLE a (x INT)']);
    assert.deepEqual(driver.committed.log.map((e) => `${e.version} ${e.status}`), ['001 success', '002 failed']);
  });
});

describe('savepoint group', () => {
  test('one commit for the group, and all said applied after it', async () => {
    const driver = new MemoryDriver({ capabilities: { groupCommit: true } });
    const { ctx, done } = context(driver);
    const outcome = await up(ctx, three());
    assert.deepEqual(outcome.applied, ['001', '002', '003']);
    assert.deepEqual(done(), ['001', '002', '003']);
    assert.equal(driver.calls.filter((c) => c === 'commit').length, 1);
  });

  test('a failing member: the earlier ones commit, it rolls back to its savepoint', async () => {
    const driver = new MemoryDriver({ capabilities: { groupCommit: true } }).failStatement(/TABLE c/);
    const { ctx, done } = context(driver);
    const error = await failure(up(ctx, three()));
    assert.equal(error.migration, '003_m');
    assert.deepEqual(error.applied, ['001', '002']);
    assert.deepEqual(done(), ['001', '002']);
    assert.deepEqual(driver.appliedVersions, ['001', '002']);
    assert.deepEqual(driver.committed.effects, ['CREATE TABLE a (x INT)', 'CREATE TABLE b (x INT)']);
    assert.deepEqual(driver.committed.log.map((e) => `${e.version} ${e.status}`), ['001 success', '002 success', '003 failed']);
  });

  test('a failed group COMMIT: none applied, no migration-done said, each member gets a failed row', async () => {
    const driver = new MemoryDriver({ capabilities: { groupCommit: true } }).failCommit(1);
    const { ctx, done, events } = context(driver);
    const error = await failure(up(ctx, three()));
    assert.match(error.message, /the commit of migrations\/001_m\.sql, migrations\/002_m\.sql, migrations\/003_m\.sql failed: injected failure of COMMIT 1/);
    assert.match(error.hint ?? '', /none of them was applied/);
    assert.deepEqual(error.applied, []);
    assert.deepEqual(done(), []);
    assert.deepEqual(driver.appliedVersions, []);
    assert.deepEqual(driver.committed.effects, []);
    assert.deepEqual(events.filter((e) => e.type === 'migration-failed').map((e) => (e as { version: string }).version), ['001', '002', '003']);
    assert.deepEqual(driver.committed.log.map((e) => `${e.version} ${e.status}`), ['001 failed', '002 failed', '003 failed']);
  });

  test('a failing member whose earlier members then fail to commit: the hint names them', async () => {
    const driver = new MemoryDriver({ capabilities: { groupCommit: true } }).failStatement(/TABLE c/).failCommit(1);
    const { ctx, done } = context(driver);
    const error = await failure(up(ctx, three()));
    assert.equal(error.migration, '003_m');
    assert.match(error.hint ?? '', /001_m, 002_m, run before it in the same commit, were not applied either/);
    assert.deepEqual(done(), []);
    assert.deepEqual(driver.appliedVersions, []);
    assert.deepEqual(driver.committed.log.map((e) => `${e.version} ${e.status}`).sort(), ['001 failed', '002 failed', '003 failed']);
  });
});

describe('atomic', () => {
  test('a failure rolls the whole run back', async () => {
    const driver = new MemoryDriver().failStatement(/TABLE c/);
    const { ctx, done } = context(driver);
    const error = await failure(up(ctx, three(), true));
    assert.equal(error.migration, '003_m');
    assert.match(error.hint ?? '', /the whole run was rolled back/);
    assert.deepEqual(error.applied, []);
    assert.deepEqual(done(), []);
    assert.deepEqual(driver.appliedVersions, []);
    assert.deepEqual(driver.committed.effects, []);
    assert.deepEqual(driver.committed.log.map((e) => `${e.version} ${e.status}`), ['003 failed']);
  });

  test('success: one transaction, said applied after its commit', async () => {
    const driver = new MemoryDriver();
    const { ctx, done } = context(driver);
    assert.deepEqual((await up(ctx, three(), true)).applied, ['001', '002', '003']);
    assert.deepEqual(done(), ['001', '002', '003']);
    assert.deepEqual(driver.calls.filter((c) => c === 'begin' || c === 'commit'), ['begin', 'commit']);
  });
});

describe('dirty protocol', () => {
  const dml = (statement: string) => /^\s*(INSERT|UPDATE|DELETE)/i.test(statement);
  const mysqlLike = () => new MemoryDriver({ capabilities: { transactionalDdl: false, atomic: false }, joinsTransaction: dml });

  test('a completion waits for the next migration\'s dirty row, and its trailing DML runs in that commit', async () => {
    const driver = mysqlLike();
    const { ctx, done } = context(driver);
    const outcome = await up(ctx, [sql('001', 'CREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);'), sql('002', 'CREATE TABLE b (x INT);')]);
    assert.deepEqual(outcome.applied, ['001', '002']);
    assert.deepEqual(done(), ['001', '002']);
    const rows = driver.committed.applied;
    assert.equal(rows.get('001')?.state, 'applied');
    assert.equal(rows.get('001')?.statementsDone, 2);
    assert.equal(rows.get('002')?.state, 'applied');
    // 001's INSERT, its applied row and 002's dirty marker share one transaction.
    const i = driver.calls.indexOf('execute INSERT INTO a VALUES (1)');
    assert.deepEqual(driver.calls.slice(i - 1, i + 5), ['begin', 'execute INSERT INTO a VALUES (1)', 'writeApplied 001 applied', 'appendLog 001 success', 'writeApplied 002 dirty', 'commit']);
  });

  test('a failing trailing statement: the failure is that migration\'s, left dirty with its progress; the next never ran', async () => {
    const driver = mysqlLike().failStatement(/INSERT/, new MemoryDbError('Duplicate entry'));
    const { ctx, done } = context(driver);
    const error = await failure(up(ctx, [sql('001', 'CREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);'), sql('002', 'CREATE TABLE b (x INT);')]));
    assert.equal(error.migration, '001_m');
    assert.equal(error.line, 2);
    assert.match(error.hint ?? '', /001_m is recorded dirty/);
    assert.deepEqual(done(), []);
    const row = driver.committed.applied.get('001');
    assert.equal(row?.state, 'dirty');
    assert.equal(row?.statementsDone, 1);
    assert.equal(row?.error, 'Duplicate entry');
    assert.equal(driver.committed.applied.has('002'), false);
    assert.ok(!driver.calls.includes('execute CREATE TABLE b (x INT)'));
    assert.deepEqual(driver.committed.log.map((e) => `${e.version} ${e.status}`), ['001 failed']);
  });

  test('a failing statement in the middle: dirty with the statements done, and the one before stays applied', async () => {
    const driver = mysqlLike().failStatement(/TABLE c/);
    const { ctx, done } = context(driver);
    const error = await failure(up(ctx, [sql('001', 'CREATE TABLE a (x INT);'), sql('002', 'CREATE TABLE b (x INT);\nCREATE TABLE c (x INT);')]));
    assert.equal(error.migration, '002_m');
    assert.deepEqual(done(), ['001']);
    assert.equal(driver.committed.applied.get('001')?.state, 'applied');
    assert.equal(driver.committed.applied.get('002')?.state, 'dirty');
    assert.equal(driver.committed.applied.get('002')?.statementsDone, 1);
  });

  test('a first statement that had no effect withdraws the dirty marker', async () => {
    const driver = mysqlLike().failStatement(/TABLE b/, new MemoryDbError('syntax error', { noEffect: true }));
    const { ctx } = context(driver);
    const error = await failure(up(ctx, [sql('001', 'CREATE TABLE a (x INT);'), sql('002', 'CREATE TABLE b (x INT);')]));
    assert.match(error.hint ?? '', /nothing of 002_m ran .* so it is not recorded/);
    assert.deepEqual(driver.appliedVersions, ['001']);
  });
});

describe('signals and the lock', () => {
  test('a signal before the commit: nothing of that migration is committed, AbortError', async () => {
    const controller = new AbortController();
    const driver = new MemoryDriver();
    const { ctx, done } = context(driver, controller.signal);
    const error = await failure(up(ctx, [sql('001', 'CREATE TABLE a (x INT);'), code('002', async (db) => {
      await db.exec('CREATE TABLE b (x INT)');
      controller.abort();
    })]));
    assert.ok(error instanceof AbortError);
    assert.match(error.message, /stopped during migrations\/002_m\.ts: it was rolled back/);
    assert.deepEqual(done(), ['001']);
    assert.deepEqual(driver.appliedVersions, ['001']);
    assert.deepEqual(driver.committed.effects, ['CREATE TABLE a (x INT)']);
  });

  test('a signal before a statement in a group: the group\'s earlier members commit', async () => {
    const controller = new AbortController();
    const driver = new MemoryDriver({ capabilities: { groupCommit: true } }).beforeStatement(/TABLE c/, () => controller.abort());
    const { ctx, done } = context(driver, controller.signal);
    const error = await failure(up(ctx, [sql('001', 'CREATE TABLE a (x INT);'), sql('002', 'CREATE TABLE b (x INT);\nCREATE TABLE c (x INT);\nCREATE TABLE d (x INT);')]));
    assert.ok(error instanceof AbortError);
    assert.deepEqual(done(), ['001']);
    assert.deepEqual(driver.appliedVersions, ['001']);
    assert.deepEqual(driver.committed.effects, ['CREATE TABLE a (x INT)']);
  });

  test('an atomic run stopped after its last migration commits nothing', async () => {
    const controller = new AbortController();
    const driver = new MemoryDriver();
    const { ctx, done } = context(driver, controller.signal);
    const error = await failure(up(ctx, [sql('001', 'CREATE TABLE a (x INT);'), code('002', () => {
      controller.abort();
    })], true));
    assert.ok(error instanceof AbortError);
    assert.deepEqual(done(), []);
    assert.deepEqual(driver.appliedVersions, []);
    // The only commit is the failed log row's.
    assert.deepEqual(driver.committed.log.map((e) => `${e.version} ${e.status}`), ['002 failed']);
    assert.deepEqual(driver.committed.effects, []);
  });

  test('the lock lost: the run stops with lock-lost and writes nothing to the log', async () => {
    const driver = new MemoryDriver().loseLockAfter(1);
    const { ctx, done, events } = context(driver);
    const error = await failure(up(ctx, three()));
    assert.equal(error.code, 'lock-lost');
    assert.deepEqual(done(), ['001']);
    assert.deepEqual(driver.appliedVersions, ['001']);
    assert.equal(events.some((e) => e.type === 'migration-failed'), false);
    assert.deepEqual(driver.committed.log.map((e) => `${e.version} ${e.status}`), ['001 success']);
  });
});

describe('cleanup errors are told, not dropped', () => {
  test('a failed progress write after a failing trailing statement is said in a log line', async () => {
    const driver = new MemoryDriver({ capabilities: { transactionalDdl: false }, joinsTransaction: (s) => s.startsWith('INSERT') }).failStatement(/INSERT/);
    driver.writeProgress = async () => {
      throw new MemoryDbError('disk full');
    };
    const { ctx, logLines } = context(driver);
    const error = await failure(up(ctx, [sql('001', 'CREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);')]));
    assert.equal(error.migration, '001_m');
    assert.deepEqual(logLines(), ['could not record the progress of 001_m: disk full']);
  });
});

describe('checks', () => {
  test('a precheck returning false: nothing ran, not recorded; a verify returning false: rolled back', async () => {
    const driver = new MemoryDriver();
    const { ctx } = context(driver);
    const guarded = { ...sql('001', 'CREATE TABLE a (x INT);'), precheck: () => false };
    const error = await failure(up(ctx, [guarded]));
    assert.equal(error.code, 'precheck-failed');
    assert.equal(error.message, 'migrations/001_m.sql: precheck returned false, so the migration did not run');
    const verified = { ...sql('001', 'CREATE TABLE a (x INT);'), verify: () => false };
    const second = await failure(up(ctx, [verified]));
    assert.equal(second.code, 'verify-failed');
    assert.match(second.hint ?? '', /^the migration was rolled back; find out why the check fails/);
    assert.deepEqual(driver.appliedVersions, []);
    assert.deepEqual(driver.committed.effects, []);
  });

  test('the Nth statement fails: its line is named', async () => {
    const driver = new MemoryDriver().failStatement(3);
    const { ctx } = context(driver);
    const error = await failure(up(ctx, [sql('001', 'CREATE TABLE a (x INT);\nCREATE TABLE b (x INT);'), sql('002', 'CREATE TABLE c (x INT);\n\nCREATE TABLE d (x INT);')]));
    assert.equal(error.migration, '002_m');
    assert.equal(error.line, 1);
    assert.match(error.message, /^migrations\/002_m\.sql failed at line 1: injected failure of statement 3/);
  });
});
