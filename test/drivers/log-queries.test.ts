/**
 * The log summaries `status` and `stats` read (src/drivers/log-queries.ts), on every dialect:
 * a known log written through the driver's own appendLog, read back as exact figures; a
 * missing log table reads as nothing and is not created.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LogEntry } from '../../src/core/model.js';
import type { Driver } from '../../src/drivers/driver.js';
import { openDriver } from '../../src/drivers/load-driver.js';
import { readFailedAttempts, readRunFigures } from '../../src/operations/log-queries.js';
import { allDialects, notListed, type FreshDatabase } from '../support/dialects.js';
import { driverOptions, logEntry } from '../support/driver-fixtures.js';

let second = 0;
/** A log row at the next second, so the log's order is the order written. */
const at = (overrides: Partial<LogEntry>): LogEntry => logEntry({ startedAt: `2026-01-28T09:30:${String(second++ % 60).padStart(2, '0')}.250Z`, ...overrides });

/** 001: two runs (one failed), then rolled back; 002: one slow run; 003: failed last; 004: failed, then marked applied; 005: failed, no duration (an older strata's row). */
const KNOWN_LOG: readonly Partial<LogEntry>[] = [
  { version: '001', name: 'init', durationMs: 30, status: 'failed', error: 'boom' },
  { version: '001', name: 'init', durationMs: 20 },
  { version: '002', name: 'slow', durationMs: 900 },
  { version: '001', name: 'init', operation: 'down', durationMs: 5 },
  { version: '003', name: 'bad', durationMs: 7, status: 'failed', error: 'syntax error at line 2\nDETAIL: more' },
  { version: '004', name: 'marked', durationMs: 8, status: 'failed', error: 'first' },
  { version: '004', name: 'marked', operation: 'mark', durationMs: null },
  { version: '005', name: 'old', durationMs: null, status: 'failed', error: 'old failure' },
  { version: null, name: null, operation: 'reset', durationMs: null },
];

for (const dialect of allDialects()) {
  describe(`log summaries on ${dialect.name}`, { skip: notListed(dialect.name) }, () => {
    let db: FreshDatabase;
    let driver: Driver;

    before(async () => {
      db = await dialect.fresh();
      driver = await openDriver(db.url, driverOptions());
    });
    after(async () => {
      await driver?.close();
      await db?.drop();
    });

    test('without a log table: nothing, and no table is created', async () => {
      assert.equal(await driver.selectFromLog!(({ table }) => `SELECT COUNT(*) AS n FROM ${table}`), null);
      assert.deepEqual(await readRunFigures(driver), []);
      assert.deepEqual(await readFailedAttempts(driver), []);
      assert.equal(await driver.tableExists('strata_migrations_log'), false);
      assert.equal(await driver.readApplied(), null);
    });

    test('per-version figures of up runs, from one query', async () => {
      await driver.acquireLock({ timeoutMs: 5_000 });
      try {
        await driver.ensureTracking();
        for (const row of KNOWN_LOG) await driver.appendLog(at(row));
      } finally {
        await driver.releaseLock();
      }
      const figures = (await readRunFigures(driver)).sort((a, b) => a.version.localeCompare(b.version));
      assert.deepEqual(figures, [
        { version: '001', name: 'init', runs: 2, failures: 1, lastDurationMs: 20, maxDurationMs: 30, totalDurationMs: 50 },
        { version: '002', name: 'slow', runs: 1, failures: 0, lastDurationMs: 900, maxDurationMs: 900, totalDurationMs: 900 },
        { version: '003', name: 'bad', runs: 1, failures: 1, lastDurationMs: 7, maxDurationMs: 7, totalDurationMs: 7 },
        { version: '004', name: 'marked', runs: 1, failures: 1, lastDurationMs: 8, maxDurationMs: 8, totalDurationMs: 8 },
        { version: '005', name: 'old', runs: 1, failures: 1, lastDurationMs: null, maxDurationMs: null, totalDurationMs: 0 },
      ]);
    });

    test('failed attempts: only versions whose latest entry is a failed up, with its time and whole error', async () => {
      const failed = (await readFailedAttempts(driver)).sort((a, b) => a.version.localeCompare(b.version));
      assert.deepEqual(failed.map((f) => f.version), ['003', '005'], '001 succeeded later, 004 was marked after its failure');
      const bad = failed[0]!;
      assert.equal(bad.name, 'bad');
      assert.equal(bad.error, 'syntax error at line 2\nDETAIL: more');
      assert.match(bad.at, /^2026-01-28T09:30:\d\d\.250Z$/, `ISO-8601 UTC with milliseconds: ${bad.at}`);
    });
  });
}
