// Every failed log row carries the duration of the migration it is about (§5 `history`), for
// each run strategy, on the in-memory driver.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LoadedMigration } from '../../src/core/model.js';
import { runPlan, type RunContext } from '../../src/core/run.js';
import { MemoryDriver } from '../support/memory-driver.js';

function sql(version: string, text: string, transaction = true): LoadedMigration {
  const file = `migrations/${version}_m.sql`;
  return {
    key: version, version, name: 'm', id: `${version}_m`, kind: 'sql', file, checksum: 'c'.repeat(64),
    meta: { description: null, depends: [], transaction },
    up: { type: 'sql', script: { sql: text, file, startLine: 1 } },
    down: null, irreversibleReason: 'none', precheck: null, verify: null,
  };
}

const context = (driver: MemoryDriver): RunContext => ({
  driver, runId: 'run-1', appliedBy: 'test', dir: null, readFile: () => assert.fail('no file is read'), signal: undefined, emit: () => undefined,
  ddlRetries: 0, now: () => new Date('2026-01-01T00:00:00Z'), logDetail: null, migrationTimeoutMs: 0, redact: (text) => text,
});

async function runFailing(driver: MemoryDriver, migrations: LoadedMigration[]): Promise<void> {
  await assert.rejects(runPlan(context(driver), 'up', migrations.map((migration) => ({ migration, row: null })), { atomic: false }));
}

/** `version status durationMs-is-a-whole-number` of every committed log row. */
const logged = (driver: MemoryDriver) => driver.committed.log.map((e) => `${e.version} ${e.status} ${Number.isInteger(e.durationMs) && e.durationMs! >= 0 ? 'timed' : String(e.durationMs)}`);

const three = (transaction = true) => [sql('001', 'CREATE TABLE a (x INT);', transaction), sql('002', 'CREATE TABLE b (x INT);', transaction), sql('003', 'CREATE TABLE c (x INT);', transaction)];

describe('failed log rows have their duration', () => {
  test('one transaction per migration', async () => {
    const driver = new MemoryDriver().failStatement(/TABLE b/);
    await runFailing(driver, three());
    assert.deepEqual(logged(driver), ['001 success timed', '002 failed timed']);
  });

  test('a savepoint group member, and the members of a group whose commit failed', async () => {
    const member = new MemoryDriver({ capabilities: { groupCommit: true } }).failStatement(/TABLE c/);
    await runFailing(member, three());
    assert.deepEqual(logged(member), ['001 success timed', '002 success timed', '003 failed timed']);
    const commit = new MemoryDriver({ capabilities: { groupCommit: true } }).failCommit(1);
    await runFailing(commit, three());
    assert.deepEqual(logged(commit), ['001 failed timed', '002 failed timed', '003 failed timed']);
  });

  test('the dirty protocol (DDL that is not transactional)', async () => {
    const driver = new MemoryDriver({ capabilities: { transactionalDdl: false, atomic: false } }).failStatement(/TABLE b/);
    await runFailing(driver, [sql('001', 'CREATE TABLE a (x INT);'), sql('002', 'CREATE TABLE a2 (x INT);\nCREATE TABLE b (x INT);')]);
    assert.deepEqual(logged(driver), ['001 success timed', '002 failed timed']);
  });
});
